"""Codes in, images out: encoding a split, decoding codes to images, reconstructing, sampling the prior.

Every picture and measure of a trained model goes through these, so the CLI, `vaelab.Run` and the
tutorial's measures draw the same images from the same model. Images come back on the CPU in [0, 1]:
decoder means E[x|z] (a sigmoid of Bernoulli logits, or clamped Gaussian means), not samples of p(x|z).
"""

from __future__ import annotations

import numpy as np
import torch

from vaelab.runs.build import BuiltRun


@torch.no_grad()
def encode_split(
    built: BuiltRun, split: str = "test", limit: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Codes of a split: (mu (N, D), labels (N,), logvar (N, D) or None for a plain AE).

    For a VAE the code is the posterior mean mu(x) (the usual choice for t-SNE, probes and metrics)."""
    mus, logvars, labels = [], [], []
    seen = 0
    for x, y in built.batches(split).epoch_with_labels(0):
        mu, logvar = built.model.encode(x)
        mus.append(mu.cpu())
        labels.append(y.cpu())
        if logvar is not None:
            logvars.append(logvar.cpu())
        seen += x.shape[0]
        if limit is not None and seen >= limit:
            break
    mu = torch.cat(mus)[:limit].numpy()
    lv = torch.cat(logvars)[:limit].numpy() if logvars else None
    return mu, torch.cat(labels)[:limit].numpy(), lv


@torch.no_grad()
def decode_means(built: BuiltRun, z: torch.Tensor | np.ndarray) -> torch.Tensor:
    """E[x|z] in [0, 1] for codes z (N, D): (N, C, H, W) on the CPU."""
    z = z if isinstance(z, torch.Tensor) else torch.as_tensor(np.asarray(z))
    z = z.to(device=built.device, dtype=torch.float32)
    return built.model.mean_image(built.model.decode(z)).cpu()


@torch.no_grad()
def reconstruct(built: BuiltRun, x: torch.Tensor) -> torch.Tensor:
    """The decoder mean of x's code, in [0, 1] on the CPU: a VAE decodes its posterior mean mu(x), no z drawn."""
    return decode_means(built, built.model.encode(x.to(built.device)).mean)


@torch.no_grad()
def prior_samples(built: BuiltRun, n: int = 64, seed: int = 0) -> torch.Tensor:
    """Images decoded from z ~ N(0, I) (`sample_prior` draws the z): the decoder used as a generative model
    (a plain AE's decoder too, for comparison)."""
    return decode_means(built, built.model.sample_prior(n, torch.Generator().manual_seed(seed)))
