"""The datasets vaelab knows, by name: a plain dict of small specs."""

from __future__ import annotations

import difflib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vaelab.data import cifar, dsprites, mnist
from vaelab.data.dataset import ImageDataset
from vaelab.errors import ConfigError


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    description: str
    load: Callable[..., ImageDataset]  # (data_dir, download_ok) -> ImageDataset
    locate: Callable[[str | Path | None], str | None]  # where it would be read from, without loading
    how_to_get: str


@functools.lru_cache(maxsize=1)
def load_digits(data_dir=None, download_ok=True) -> ImageDataset:
    """scikit-learn's 8x8 digits (values 0..16 scaled to 0..255): 1,500 training and 297 test images."""
    from sklearn.datasets import load_digits as sk_digits

    d = sk_digits()
    images = torch.from_numpy(np.round(d.images * (255 / 16)).astype(np.uint8)).unsqueeze(1)  # (N, 1, 8, 8)
    labels = torch.from_numpy(d.target.astype(np.int64))
    return ImageDataset(
        "digits",
        images[:1500],
        labels[:1500],
        images[1500:],
        labels[1500:],
        tuple(str(i) for i in range(10)),
        "scikit-learn",
    )


@functools.lru_cache(maxsize=2)
def _load_dsprites_cached(resolution: int, path: str | None) -> ImageDataset:
    name = "dsprites" if resolution == 64 else f"dsprites-{resolution}"
    return dsprites.as_image_dataset(dsprites.DSprites(resolution, path), name)


def load_dsprites(resolution: int):
    """dSprites at `resolution`: DeepMind's file when found (64x64 only), else rendered procedurally."""

    def load(data_dir=None, download_ok=True) -> ImageDataset:
        path = dsprites.locate_original(data_dir) if resolution == 64 else None
        return _load_dsprites_cached(resolution, None if path is None else str(path))

    return load


def _where(path) -> str | None:
    return None if path is None else str(path)


DATASETS = {
    "mnist": DatasetSpec(
        "mnist",
        "MNIST handwritten digits, 60,000 + 10,000 images 1x28x28 (in the package)",
        lambda data_dir=None, download_ok=True: mnist.load_mnist(),
        lambda data_dir=None: "inside the vaelab package",
        "always available",
    ),
    "fashion-mnist": DatasetSpec(
        "fashion-mnist",
        "Zalando's Fashion-MNIST, 60,000 + 10,000 images 1x28x28",
        mnist.load_fashion_mnist,
        lambda data_dir=None: _where(mnist.locate_fashion(data_dir)),
        mnist.FASHION_HOW,
    ),
    "cifar10": DatasetSpec(
        "cifar10",
        "CIFAR-10, 50,000 + 10,000 colour images 3x32x32",
        cifar.load_cifar10,
        lambda data_dir=None: _where(cifar.locate(data_dir)),
        cifar.HOW,
    ),
    "digits": DatasetSpec(
        "digits",
        "scikit-learn's digits, 1,500 + 297 images 1x8x8 (for instant tries)",
        load_digits,
        lambda data_dir=None: "scikit-learn",
        "always available",
    ),
    "dsprites": DatasetSpec(
        "dsprites",
        "dSprites, 737,280 factor combinations 1x64x64, rendered per batch (DeepMind's .npz used if found)",
        load_dsprites(64),
        lambda data_dir=None: _where(dsprites.locate_original(data_dir)) or "rendered procedurally",
        "always available",
    ),
    "dsprites-32": DatasetSpec(
        "dsprites-32",
        "dSprites rendered directly at 1x32x32, for CPU work",
        load_dsprites(32),
        lambda data_dir=None: "rendered procedurally",
        "always available",
    ),
}


def load_dataset(name: str, data_dir: str | Path | None = None, download: bool = True) -> ImageDataset:
    """Load dataset `name` (searching `data_dir` first); unknown names get a did-you-mean."""
    if name not in DATASETS:
        close = difflib.get_close_matches(name, DATASETS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown dataset {name!r}; choose one of: {', '.join(sorted(DATASETS))}{hint}")
    return DATASETS[name].load(data_dir, download)


def dataset_status(data_dir: str | Path | None = None) -> list[dict]:
    """For `vaelab datasets`: each dataset, where it was found, or how to get it."""
    rows = []
    for spec in DATASETS.values():
        where = spec.locate(data_dir)
        rows.append(
            {
                "name": spec.name,
                "description": spec.description,
                "where": where,
                "how_to_get": None if where else spec.how_to_get,
            }
        )
    return rows
