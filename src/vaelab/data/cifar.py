"""CIFAR-10 (Krizhevsky 2009) from the official python archive, read without trusting pickle.

The archive's batches are pickled dicts ({data: uint8 (10000, 3072), labels: [int]}). They are read by
an unpickler that can build only plain containers and numpy arrays: any other global (os.system, say)
is refused, so a malicious file cannot run code. The archive is checked against its pinned sha256 and
extracted with tarfile's `data` filter, which refuses members that would land outside the target.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np
import torch

from vaelab.data.dataset import ImageDataset
from vaelab.data.download import download, fetch_or_refuse
from vaelab.data.files import cache_dir, candidate_dirs, check_sha256, read_bytes
from vaelab.errors import DataError

ARCHIVE = "cifar-10-python.tar.gz"
ARCHIVE_SHA256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
FOLDER = "cifar-10-batches-py"
# The md5 of each batch file (the digests torchvision checks): verified before a file is unpickled.
FILE_MD5 = {
    "data_batch_1": "c99cafc152244af753f735de768cd75f",
    "data_batch_2": "d4bba439e000b95fd0a9bffe97cbabec",
    "data_batch_3": "54ebc095f3ab1f0389bbae665268c751",
    "data_batch_4": "634d18415352ddfa80567beed471001a",
    "data_batch_5": "482c414d41f54cd18b22e5b47cb7c3cb",
    "test_batch": "40351d587109b95175f43aff81a1287e",
}
TRAIN = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST = ("test_batch",)
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
HOW = (
    f"put {ARCHIVE} or its extracted {FOLDER}/ in data.data_dir, $VAELAB_DATA or ~/.cache/vaelab; otherwise "
    "it is downloaded and checked on first use (not with VAELAB_OFFLINE=1)"
)
ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "scalar"),
    ("numpy._core.multiarray", "scalar"),
    ("_codecs", "encode"),
}


class SafeUnpickler(pickle.Unpickler):
    """Builds dicts, lists, strings, numbers and numpy arrays; refuses every other global."""

    def find_class(self, module: str, name: str):
        if (module, name) in ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"global {module}.{name} is not allowed in a CIFAR batch")


def read_batch(raw: bytes, name: str) -> tuple[np.ndarray, np.ndarray]:
    """One batch file -> (images (N, 3, 32, 32) uint8, labels (N,) int64)."""
    try:
        obj = SafeUnpickler(io.BytesIO(raw), encoding="latin1").load()
    except Exception as e:  # noqa: BLE001 - any unpickling failure is a bad file
        raise DataError(f"{name}: not a readable CIFAR batch ({type(e).__name__}: {str(e)[:120]})") from None
    if not isinstance(obj, dict):
        raise DataError(f"{name}: a CIFAR batch must hold a dict, found {type(obj).__name__}")
    obj = {k.decode("latin1") if isinstance(k, bytes) else k: v for k, v in obj.items()}
    data, labels = obj.get("data"), obj.get("labels")
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3072:
        shape = getattr(data, "shape", None)
        raise DataError(f"{name}: 'data' must be a uint8 array of shape (N, 3072), found {shape}")
    if not isinstance(labels, (list, np.ndarray)) or len(labels) != len(data):
        raise DataError(f"{name}: 'labels' must list one label per image ({len(data)})")
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DataError(f"{name}: labels must be in 0..9")
    return data.reshape(-1, 3, 32, 32), labels  # rows are R (1024), G, B planes of 32x32


def safe_extract(archive: Path, target: Path) -> None:
    """Extract `archive` into `target`; no member may escape it (tarfile's data filter)."""
    try:
        with tarfile.open(archive, "r:gz") as tar:
            if hasattr(tarfile, "data_filter"):
                tar.extractall(target, filter="data")
            else:  # Python < 3.11.4: refuse links and paths leaving the target ourselves
                root = target.resolve()
                for m in tar.getmembers():
                    dest = (target / m.name).resolve()
                    if m.issym() or m.islnk() or not str(dest).startswith(str(root) + os.sep):
                        raise DataError(f"{archive}: member {m.name!r} would be written outside {target}; refused")
                tar.extractall(target)
    except tarfile.FilterError as e:
        raise DataError(f"{archive}: refused member: {e}") from None
    except (tarfile.TarError, EOFError, OSError) as e:
        raise DataError(f"{archive}: cannot extract ({e}); delete it and get it again") from None


def locate(data_dir: str | Path | None = None) -> Path | None:
    """The extracted batch folder, else the archive, in the search order; None when neither is found."""
    dirs = candidate_dirs("cifar10", data_dir)
    for d in dirs:
        if all((d / FOLDER / f).is_file() for f in TRAIN + TEST):
            return d / FOLDER
    for d in dirs:
        if (d / ARCHIVE).is_file():
            return d / ARCHIVE
    return None


def load_cifar10(data_dir: str | Path | None = None, download_ok: bool = True) -> ImageDataset:
    found = locate(data_dir) or fetch_or_refuse(
        "cifar10",
        data_dir,
        download_ok,
        HOW,
        lambda: download(os.environ.get("VAELAB_CIFAR10_URL", URL), cache_dir() / "cifar10" / ARCHIVE, ARCHIVE_SHA256),
    )
    if found.name == ARCHIVE:
        check_sha256(read_bytes(found), ARCHIVE_SHA256, str(found))
        target = cache_dir() / "cifar10"
        target.mkdir(parents=True, exist_ok=True)
        safe_extract(found, target)
        found = target / FOLDER
    return _load_folder(str(found.resolve()))


def verified(path: Path) -> bytes:
    """A batch file's bytes, after its md5 matched the official one."""
    data = read_bytes(path)
    actual = hashlib.md5(data).hexdigest()
    if FILE_MD5.get(path.name) != actual:
        raise DataError(
            f"checksum mismatch for {path}: expected md5 {FILE_MD5.get(path.name)}, got {actual}; "
            "delete the folder and get the archive again"
        )
    return data


@functools.lru_cache(maxsize=2)
def _load_folder(folder: str) -> ImageDataset:
    def read(names):
        parts = [read_batch(verified(Path(folder) / n), f"{folder}/{n}") for n in names]
        return torch.from_numpy(np.concatenate([p[0] for p in parts])), torch.from_numpy(
            np.concatenate([p[1] for p in parts])
        )

    train_x, train_y = read(TRAIN)
    test_x, test_y = read(TEST)
    return ImageDataset("cifar10", train_x, train_y, test_x, test_y, CLASSES, folder)
