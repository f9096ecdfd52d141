"""MNIST (shipped inside the package) and Fashion-MNIST (found on disk or downloaded), both in IDX format.

Files are checked by the sha256 of their decompressed bytes, so the re-gzipped MNIST shipped here and
the official gz files verify the same way. Fashion-MNIST downloads are also checked against the sha256
of the official gz files before they are kept.
"""

from __future__ import annotations

import functools
import os
from importlib import resources
from pathlib import Path

import torch

from vaelab.data.dataset import ImageDataset
from vaelab.data.download import download, fetch_or_refuse
from vaelab.data.files import candidate_dirs, check_sha256, read_bytes
from vaelab.data.idx import decompress, parse_idx
from vaelab.errors import DataError

PARTS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

MNIST_SHA256 = dict(
    zip(
        PARTS,
        (
            "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        ),
    )
)
FASHION_SHA256 = dict(
    zip(
        PARTS,
        (
            "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        ),
    )
)
FASHION_GZ_SHA256 = dict(
    zip(
        PARTS,
        (
            "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
            "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
            "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
            "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
        ),
    )
)
FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FASHION_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
FASHION_HOW = (
    "install Debian's dataset-fashion-mnist (apt install dataset-fashion-mnist) or put the four "
    "*-ubyte.gz files in data.data_dir; otherwise it is downloaded and checked on first use "
    "(not with VAELAB_OFFLINE=1)"
)


def idx_images_labels(raws: dict[str, bytes], where: str, sha: dict[str, str], name: str) -> ImageDataset:
    """Check and parse the four IDX files into an ImageDataset (images (N, 1, 28, 28) uint8)."""
    arrays = {}
    for part, raw in raws.items():
        data = decompress(raw, f"{where}/{part}")
        check_sha256(data, sha[part], f"{where}/{part} (decompressed)")
        is_images = "images" in part
        arrays[part] = parse_idx(data, f"{where}/{part}", 3 if is_images else 1, (28, 28) if is_images else ())
    for split in ("train", "t10k"):
        n_img, n_lab = len(arrays[f"{split}-images-idx3-ubyte"]), len(arrays[f"{split}-labels-idx1-ubyte"])
        if n_img != n_lab:
            raise DataError(f"{where}: {split} has {n_img} images but {n_lab} labels")
    images = {p: torch.from_numpy(arrays[p].copy()).unsqueeze(1) for p in PARTS if "images" in p}  # (N, 1, 28, 28)
    labels = {p: torch.from_numpy(arrays[p].astype("int64")) for p in PARTS if "labels" in p}
    classes = tuple(str(i) for i in range(10)) if name == "mnist" else FASHION_CLASSES
    return ImageDataset(name, images[PARTS[0]], labels[PARTS[1]], images[PARTS[2]], labels[PARTS[3]], classes, where)


@functools.lru_cache(maxsize=2)
def load_mnist() -> ImageDataset:
    """MNIST from the files shipped in the package: no network, no data folder."""
    folder = resources.files("vaelab.data") / "files" / "mnist"
    raws = {part: (folder / f"{part}.gz").read_bytes() for part in PARTS}
    return idx_images_labels(raws, "vaelab/data/files/mnist", MNIST_SHA256, "mnist")


def locate_fashion(data_dir: str | Path | None = None) -> Path | None:
    for folder in candidate_dirs("fashion-mnist", data_dir):
        if all((folder / f"{p}.gz").is_file() or (folder / p).is_file() for p in PARTS):
            return folder
    return None


def load_fashion_mnist(data_dir: str | Path | None = None, download_ok: bool = True) -> ImageDataset:
    folder = locate_fashion(data_dir) or fetch_or_refuse(
        "fashion-mnist",
        data_dir,
        download_ok,
        FASHION_HOW,
        lambda: fetch_fashion(os.environ.get("VAELAB_FASHION_MNIST_URL", FASHION_URL)),
    )
    return _load_fashion_cached(str(folder.resolve()))


@functools.lru_cache(maxsize=2)
def _load_fashion_cached(folder: str) -> ImageDataset:
    path = Path(folder)
    raws = {p: read_bytes(path / f"{p}.gz" if (path / f"{p}.gz").is_file() else path / p) for p in PARTS}
    return idx_images_labels(raws, folder, FASHION_SHA256, "fashion-mnist")


def fetch_fashion(base_url: str, quiet: bool = False) -> Path:
    from vaelab.data.files import cache_dir

    target = cache_dir() / "fashion-mnist"
    for part in PARTS:
        if not (target / f"{part}.gz").is_file():
            download(base_url.rstrip("/") + f"/{part}.gz", target / f"{part}.gz", FASHION_GZ_SHA256[part], quiet)
    return target
