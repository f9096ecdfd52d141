"""Image grids saved as PNG."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from matplotlib.image import imsave


def image_grid(
    images: torch.Tensor | np.ndarray, nrow: int = 8, padding: int = 2, pad_value: float = 1.0
) -> np.ndarray:
    """Tile images (N, C, H, W) in [0, 1] into one (rows*H', nrow*W', C) array (C = 1 squeezed to 2-D)."""
    images = torch.as_tensor(images).detach().float().cpu().clamp(0, 1)
    n, c, h, w = images.shape
    rows = -(-n // nrow)
    grid = torch.full((c, rows * (h + padding) + padding, nrow * (w + padding) + padding), pad_value)
    for i in range(n):
        r, col = divmod(i, nrow)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        grid[:, top : top + h, left : left + w] = images[i]
    array = grid.permute(1, 2, 0).numpy()  # (C, H, W) -> (H, W, C)
    return array[..., 0] if c == 1 else array


def save_grid(path: str | Path, images: torch.Tensor | np.ndarray, nrow: int = 8, scale: int = 2) -> Path:
    """Write a PNG of the grid, each pixel drawn `scale` x `scale` so small images stay legible."""
    array = image_grid(images, nrow)
    if scale > 1:
        array = array.repeat(scale, axis=0).repeat(scale, axis=1)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if array.ndim == 2:
        imsave(path, array, cmap="gray", vmin=0.0, vmax=1.0)
    else:
        imsave(path, array)
    return path
