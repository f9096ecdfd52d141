"""Latent codes of a trained model: encoding a split, decoding grids and interpolations."""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import norm

from vaelab.training.setup import Setup


@torch.no_grad()
def encode_split(
    setup: Setup, split: str = "test", limit: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """Codes of a split: (mu (N, D), labels (N,), logvar (N, D) or None for a plain AE).

    For a VAE the code is the posterior mean mu(x) (the usual choice for t-SNE, probes and metrics)."""
    mus, logvars, labels = [], [], []
    seen = 0
    for x, y in setup.batches(split).epoch_with_labels(0):
        code = setup.model.encode(x)
        mu, logvar = code if isinstance(code, tuple) else (code, None)
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
def decode_means(setup: Setup, z: torch.Tensor | np.ndarray) -> torch.Tensor:
    """E[x|z] in [0, 1] for codes z (N, D)."""
    z = torch.as_tensor(np.asarray(z), dtype=torch.float32).to(setup.device)
    return setup.model.mean_image(setup.model.decode(z)).cpu()


def manifold_grid(setup: Setup, n: int = 20, codes: np.ndarray | None = None) -> torch.Tensor:
    """Decode a 2-D latent plane on an n x n grid: (n*n, C, H, W).

    By default the grid sits at the prior's 5%..95% quantiles (Kingma & Welling 2014, fig. 4); given the
    model's own codes (N, 2) it spans their 5th to 95th percentiles instead (for a plain AE, whose codes
    follow no prior)."""
    if codes is None:
        xs = ys = norm.ppf(np.linspace(0.05, 0.95, n))
    else:
        lo, hi = np.percentile(codes, 5, axis=0), np.percentile(codes, 95, axis=0)
        xs, ys = np.linspace(lo[0], hi[0], n), np.linspace(lo[1], hi[1], n)
    zz = np.array([[x, y] for y in ys[::-1] for x in xs], dtype=np.float32)
    return decode_means(setup, zz)


def interpolations(setup: Setup, pairs: int = 6, steps: int = 10, seed: int = 0) -> torch.Tensor:
    """Rows that walk in a straight line between the codes of two test images: (pairs*steps, C, H, W)."""
    mu, labels, _ = encode_split(setup, "test", limit=2000)
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(pairs):
        a, b = rng.choice(len(mu), size=2, replace=False)
        while labels[a] == labels[b] and labels[a] >= 0:  # different classes, where there are labels
            b = rng.integers(len(mu))
        alphas = np.linspace(0, 1, steps)[:, None]
        rows.append((1 - alphas) * mu[a] + alphas * mu[b])
    return decode_means(setup, np.concatenate(rows).astype(np.float32))
