"""A sweep's latent traversals side by side: one mosaic per model, its latents ordered by their KL.

`traversal_sweep({"beta = 1": (decode, z, kl), "beta = 4": ...})` decodes, for each model, one row per
latent (the most used first: the highest average KL to the prior) and one column per value in [-3, 3],
starting from the code `z` of one image, and lays the mosaics out in one row with `diagrams.side_by_side`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from vaelab.viz.diagrams import side_by_side
from vaelab.viz.traversals import traversal_grid

Decoder = Callable[[torch.Tensor], torch.Tensor]  # codes (n, D) -> images (n, C, H, W) in [0, 1]
GAP_GREY = 0.55  # the 1-pixel line between cells, so neighbouring images read as separate


def traversal_mosaic(
    decode: Decoder, z: torch.Tensor, dims: Sequence[int], num_values: int = 9, limit: float = 3.0
) -> np.ndarray:
    """Rows = `dims`, columns = values linspace(-limit, limit): one image (rows * (H+1), K * (W+1)), grey
    (or RGB (.., .., 3) for colour images) in [0, 1], with a grey line between cells."""
    grid = traversal_grid(decode, z, dims, torch.linspace(-limit, limit, num_values)).clamp(0, 1)
    grid = F.pad(grid, (0, 1, 0, 1), value=GAP_GREY)  # (rows, K, C, H+1, W+1)
    rows, k, c, h, w = grid.shape
    mosaic = grid.permute(0, 3, 1, 4, 2).reshape(rows * h, k * w, c).numpy()  # -> (rows*H, K*W, C)
    return mosaic[..., 0] if c == 1 else mosaic


def by_kl(kl: Sequence[float], rows: int | None = None) -> list[int]:
    """Latent indices from the highest KL down (the first `rows` of them)."""
    order = [int(d) for d in np.argsort(-np.asarray(kl, dtype=float), kind="stable")]
    return order[:rows] if rows else order


def traversal_sweep(
    models: dict[str, tuple[Decoder, torch.Tensor, Sequence[float]]], rows: int | None = None
) -> Figure:
    """Each model's traversal mosaic, latents by decreasing KL (the first `rows`), side by side and labelled."""
    mosaics = {name: traversal_mosaic(decode, z, by_kl(kl, rows)) for name, (decode, z, kl) in models.items()}
    return side_by_side(mosaics)
