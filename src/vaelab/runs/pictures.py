"""Pictures of a trained run: its inputs over their reconstructions, and walks through its latent space."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from scipy.stats import norm

from vaelab.runs.build import BuiltRun
from vaelab.runs.codes import decode_means, encode_split, prior_samples, reconstruct
from vaelab.training.validate import evaluating
from vaelab.viz.grid import save_grid


@torch.no_grad()
def reconstruction_rows(built: BuiltRun, n: int = 16, split: str = "test", seed: int = 0) -> torch.Tensor:
    """The first n images of a split as the model sees them, over their reconstructions (and, for a denoising
    model, over the clean images; `seed` draws the corruption): (2n or 3n, C, H, W) on the CPU."""
    x = next(built.batches(split, batch_size=n).epoch(0))
    x_in = built.objective.corrupt(x, generator=torch.Generator(device=x.device).manual_seed(seed))
    rows = [x_in, reconstruct(built, x_in)] if x_in is x else [x_in, reconstruct(built, x_in), x]
    return torch.cat([r.cpu() for r in rows])


def write_run_figures(run_dir: str | Path, built: BuiltRun) -> None:
    """RUN/reconstructions.png and RUN/samples.png, drawn as a run ends."""
    run_dir = Path(run_dir)
    with evaluating(built.model):
        save_grid(run_dir / "reconstructions.png", reconstruction_rows(built, 16), nrow=16)
        save_grid(run_dir / "samples.png", prior_samples(built, 64), nrow=8)


def manifold_grid(built: BuiltRun, n: int = 20, codes: np.ndarray | None = None) -> torch.Tensor:
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
    return decode_means(built, zz)


def interpolations(built: BuiltRun, pairs: int = 6, steps: int = 10, seed: int = 0) -> torch.Tensor:
    """Rows that walk in a straight line between the codes of two test images: (pairs*steps, C, H, W)."""
    mu, labels, _ = encode_split(built, "test", limit=2000)
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(pairs):
        a, b = rng.choice(len(mu), size=2, replace=False)
        while labels[a] == labels[b] and labels[a] >= 0:  # different classes, where there are labels
            b = rng.integers(len(mu))
        alphas = np.linspace(0, 1, steps)[:, None]
        rows.append((1 - alphas) * mu[a] + alphas * mu[b])
    return decode_means(built, np.concatenate(rows).astype(np.float32))
