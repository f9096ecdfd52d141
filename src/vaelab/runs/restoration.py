"""How a trained autoencoder treats noisy inputs: PSNR and SSIM of its reconstructions of noisy test images
against the clean ones, beside the noisy input's own, and how much of a pure-noise input it passes through.

The noisy images are drawn with fixed generators (one per level), so every model is tested on the same ones.
"""

from __future__ import annotations

import torch

from vaelab.evaluation import restoration
from vaelab.objectives.corruption import corrupt
from vaelab.runs.build import BuiltRun
from vaelab.runs.codes import reconstruct
from vaelab.training.validate import evaluating

NOISE_SEED = 1000  # the level's generator is seeded with NOISE_SEED * level (0.3 -> 300), as before


def noisy_test_images(built: BuiltRun, n: int, levels: tuple[float, ...]) -> tuple[torch.Tensor, dict]:
    """(the first n test images (N, C, H, W) on the CPU, {level: those images with Gaussian noise of that std})."""
    clean = next(built.batches("test", batch_size=n).epoch(0)).cpu()
    noisy = {lv: corrupt(clean, "gaussian", lv, torch.Generator().manual_seed(int(lv * NOISE_SEED))) for lv in levels}
    return clean, noisy


def noise_passthrough(built: BuiltRun, n: int, seed: int = 0) -> float:
    """The share of a pure-noise input's variance the model reproduces: 1 - E[(x_hat - u)^2] / Var(u) for u
    uniform in [0, 1] per pixel. An identity map gives 1; a map that ignores its input gives 0 or less."""
    shape = (n, *built.image_shape)
    u = torch.rand(shape, generator=torch.Generator().manual_seed(seed))
    return float(1 - (reconstruct(built, u) - u).pow(2).mean() / u.var())


def restoration_scores(built: BuiltRun, images: int, levels: tuple[float, ...]) -> dict[str, float]:
    """PSNR (dB) and SSIM of the model's reconstructions at each noise level, the gain over the noisy input's
    own PSNR, the clean images' reconstruction PSNR, and the pure-noise passthrough; in eval mode."""
    clean, noisy = noisy_test_images(built, images, levels)
    with evaluating(built.model):
        out = {"psnr_clean": float(restoration.psnr(clean, reconstruct(built, clean)).mean())}
        for level, x in noisy.items():
            restored = reconstruct(built, x)
            out[f"psnr@{level:g}"] = float(restoration.psnr(clean, restored).mean())
            out[f"ssim@{level:g}"] = float(restoration.ssim(clean, restored).mean())
            out[f"psnr_gain@{level:g}"] = out[f"psnr@{level:g}"] - float(restoration.psnr(clean, x).mean())
        out["noise_passthrough"] = noise_passthrough(built, images)
    return out
