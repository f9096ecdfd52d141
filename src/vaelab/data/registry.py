"""The datasets vaelab knows, by name (a plain dict of small specs), and your own data, by path."""

from __future__ import annotations

import difflib
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vaelab.data import cifar, dsprites, mnist
from vaelab.data.arrays import IN_MEMORY, load_array_file
from vaelab.data.config import DataConfig
from vaelab.data.dataset import ImageDataset
from vaelab.data.folders import load_image_folder
from vaelab.errors import ConfigError, DataError

OWN_DATA = "a folder of images, a .npz or a .npy"


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
        raise ConfigError(
            f"unknown dataset {name!r}; choose one of: {', '.join(sorted(DATASETS))}, or a path to {OWN_DATA}{hint}"
        )
    return DATASETS[name].load(data_dir, download)


def is_path(name: str) -> bool:
    """True when `dataset` names your own data rather than a built-in set."""
    suffix = Path(name).suffix.lower()
    return name not in DATASETS and ("/" in name or os.sep in name or suffix in (".npz", ".npy") or Path(name).exists())


def load_data(cfg: DataConfig, download: bool = True) -> ImageDataset:
    """The data a run's config names: a built-in dataset by name, or your own by path."""
    if cfg.dataset == IN_MEMORY:
        raise DataError(
            "this run's images were passed from Python (an array, tensor or Dataset); pass them again with "
            "dataset=, e.g. vaelab.load(RUN, dataset=images)"
        )
    if not is_path(cfg.dataset):
        if cfg.image_size:
            raise ConfigError(f"data.image_size applies to a folder of images ({cfg.dataset} is a built-in dataset)")
        if cfg.test_fraction != DataConfig.test_fraction:
            raise ConfigError(f"data.test_fraction applies to your own data ({cfg.dataset} has its own test set)")
        return load_dataset(cfg.dataset, cfg.data_dir, download)
    path = Path(cfg.dataset).expanduser()
    if not path.exists():
        raise DataError(f"no such file or folder: {path} (a dataset is a name from `vaelab datasets`, or {OWN_DATA})")
    if not path.is_dir() and cfg.image_size:
        raise ConfigError(f"data.image_size applies to a folder of images, not to {path}")
    if not path.is_dir() and path.suffix.lower() not in (".npz", ".npy"):
        raise DataError(f"{path}: vaelab reads {OWN_DATA} (not a {path.suffix or 'file without a suffix'})")
    path = path.resolve()
    return _load_own(str(path), cfg.image_size, cfg.test_fraction, _signature(path))


def _signature(path: Path) -> tuple:
    """Sizes and modification times of the files behind `path`: a changed file makes a new cache entry."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files)


@functools.lru_cache(maxsize=2)
def _load_own(path: str, image_size: tuple[int, ...], test_fraction: float, signature: tuple) -> ImageDataset:
    """Your own data, read once per process while its files are unchanged (an experiment loads it per run)."""
    if Path(path).is_dir():
        return load_image_folder(Path(path), image_size, test_fraction)
    return load_array_file(Path(path), test_fraction)


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
