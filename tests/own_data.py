"""Small datasets of your own, written by tests: folders of images and .npz files."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def write_images(
    root: Path, classes=("cat", "dog"), n: int = 20, size=(12, 12), mode: str = "L", seed: int = 0, suffix=".png"
) -> Path:
    """`n` random images per class in ROOT/CLASS/ (or directly in ROOT when `classes` is empty)."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    shape = (*size, 3) if mode == "RGB" else size
    for c in classes or ("",):
        folder = root / c
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(folder / f"{i:03d}{suffix}")
    return root


def write_npz(path: Path, n: int = 60, shape=(12, 12), labels: bool = True, seed: int = 0) -> Path:
    rng = np.random.default_rng(seed)
    arrays = {"x": rng.integers(0, 256, (n, *shape), dtype=np.uint8)}
    if labels:
        arrays["y"] = rng.integers(0, 3, n)
    np.savez(path, **arrays)
    return path
