"""Experiment 6, denoising: a denoising autoencoder against a plain one, with an overcomplete code.

Both have a 1,000-unit code for 784 pixels, so the plain AE can learn something close to the identity.
Each model is tested on test images corrupted with Gaussian noise at several levels; PSNR and SSIM to
the clean image are compared with those of the noisy input itself. Tests claim C9.
"""

from __future__ import annotations

import time

import torch

from vaelab.evaluation import restoration
from vaelab.experiments.common import (
    Context,
    aggregate,
    claim,
    fmt,
    profile_data,
    seeded_groups,
    verdict_all,
    write_results,
)
from vaelab.experiments.latents import decode_means
from vaelab.objectives.corruption import corrupt
from vaelab.viz.grid import save_grid

NAME, TITLE = "denoising", "Denoising autoencoders and the overcomplete identity"
EPOCHS = {"tiny": 1, "quick": 4, "full": 12}
IMAGES = {"tiny": 200, "quick": 2000, "full": 10000}
TRAIN_NOISE = 0.3  # the DAE's training corruption (Gaussian std on [0, 1] pixels)
TEST_NOISE = (0.1, 0.3, 0.5)
OVERCOMPLETE = {"kind": "ae", "hidden": [], "latent_dim": 1000, "code_activation": "relu"}


def run(ctx: Context) -> dict:
    started = time.perf_counter()
    folder = ctx.folder(NAME)
    train = {"epochs": EPOCHS[ctx.profile]}
    dae = {"corruption": "gaussian", "noise": TRAIN_NOISE}
    specs = {
        "plain AE": ("ae-over", {"data": profile_data(ctx), "model": OVERCOMPLETE, "train": train}),
        "denoising AE": (
            "dae-over",
            {"data": profile_data(ctx), "model": OVERCOMPLETE, "train": train, "objective": dae},
        ),
    }
    runs = seeded_groups(ctx, specs)
    n = IMAGES[ctx.profile]
    clean = next(runs["plain AE"][0].batches("test", batch_size=n).epoch(0)).cpu()
    noisy = {
        level: corrupt(clean, "gaussian", level, torch.Generator().manual_seed(int(level * 1000)))
        for level in TEST_NOISE
    }
    metrics, rows, picture = {}, [], []
    per_level_pairs: dict[str, list] = {"vs plain": [], "vs noisy": []}
    for level in TEST_NOISE:
        base = float(restoration.psnr(clean, noisy[level]).mean())
        base_ssim = float(restoration.ssim(clean, noisy[level]).mean())
        metrics[f"psnr[noisy input, {level}]"] = aggregate([base])
        metrics[f"ssim[noisy input, {level}]"] = aggregate([base_ssim])
        row_images = {"noisy": noisy[level][:8]}
        for label, setups in runs.items():
            outs = [denoise(s, noisy[level]) for s in setups]
            psnrs = [float(restoration.psnr(clean, o).mean()) for o in outs]
            ssims = [float(restoration.ssim(clean, o).mean()) for o in outs]
            metrics[f"psnr[{label}, {level}]"] = aggregate(psnrs)
            metrics[f"ssim[{label}, {level}]"] = aggregate(ssims)
            row_images[label] = outs[0][:8]
        rows.append(
            [f"{level:g}", f"{base:.2f} / {base_ssim:.3f}"]
            + [f"{fmt(metrics[f'psnr[{lab}, {level}]'], 2)} / {fmt(metrics[f'ssim[{lab}, {level}]'])}" for lab in runs]
        )
        for d, p in zip(
            metrics[f"psnr[denoising AE, {level}]"]["values"], metrics[f"psnr[plain AE, {level}]"]["values"]
        ):
            per_level_pairs["vs plain"].append((d, p))
            per_level_pairs["vs noisy"].append((d, base))
        picture += [row_images["noisy"], row_images["plain AE"], row_images["denoising AE"], clean[:8]]
    save_grid(folder / "rows.png", torch.cat(picture), nrow=8)
    table = {
        "title": f"PSNR (dB) / SSIM to the clean test image ({n} images), Gaussian noise; the DAE trained "
        f"at std {TRAIN_NOISE}",
        "columns": ["noise std", "noisy input", *runs],
        "rows": rows,
    }
    v_plain = verdict_all(per_level_pairs["vs plain"], "higher")
    v_noisy = verdict_all(per_level_pairs["vs noisy"], "higher")
    claims = [
        claim(
            "C9",
            "An overcomplete plain AE learns (close to) the identity; a denoising AE learns to remove noise",
            f"on noisy test images at std {', '.join(map(str, TEST_NOISE))}, the DAE's PSNR to the clean image "
            "is above the plain AE's and above the noisy input's, at every level and seed",
            v_plain if v_plain == v_noisy else "inconclusive",
            "; ".join(
                f"std {lv:g}: DAE {fmt(metrics[f'psnr[denoising AE, {lv}]'], 2)} dB, plain "
                f"{fmt(metrics[f'psnr[plain AE, {lv}]'], 2)} dB, "
                f"noisy {metrics[f'psnr[noisy input, {lv}]']['mean']:.2f} dB"
                for lv in TEST_NOISE
            ),
        )
    ]
    figures = [
        {
            "file": "rows.png",
            "caption": "For each noise level (0.1, 0.3, 0.5), four rows: noisy input, "
            "plain AE output, denoising AE output, clean image.",
        }
    ]
    configs = {s.run_dir.name: s.cfg for setups in runs.values() for s in setups}
    payload = {"metrics": metrics, "tables": [table], "figures": figures, "claims": claims, "configs": configs}
    return {"path": write_results(ctx, NAME, TITLE, payload, started)}


@torch.no_grad()
def denoise(setup, x: torch.Tensor) -> torch.Tensor:
    """The model's reconstruction (decoder mean) of x."""
    return decode_means(setup, setup.model.encode(x.to(setup.device)).cpu())
