"""Where dataset files are looked for, and how they are checked.

Search order for a dataset that is not shipped: the `data_dir` argument (`--data-dir`), `$VAELAB_DATA`,
the user cache (`$XDG_CACHE_HOME/vaelab`, default `~/.cache/vaelab`), then the system folders a package
manager fills (Debian's `dataset-fashion-mnist` installs `/usr/share/datasets/fashion-mnist`). In each
root both `ROOT/` and `ROOT/<dataset>/` are tried.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from vaelab.errors import DataError

SYSTEM_ROOTS = (Path("/usr/share/datasets"),)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vaelab"


def search_roots(data_dir: str | Path | None = None) -> list[Path]:
    roots = []
    if data_dir:
        roots.append(Path(data_dir).expanduser())
    if os.environ.get("VAELAB_DATA"):
        roots.append(Path(os.environ["VAELAB_DATA"]).expanduser())
    roots.append(cache_dir())
    roots.extend(SYSTEM_ROOTS)
    return roots


def candidate_dirs(dataset: str, data_dir: str | Path | None = None) -> list[Path]:
    return [d for root in search_roots(data_dir) for d in (root, root / dataset)]


def find_files(dataset: str, names: tuple[str, ...], data_dir: str | Path | None = None) -> Path | None:
    """The first candidate folder that holds every one of `names`, else None."""
    for folder in candidate_dirs(dataset, data_dir):
        if all((folder / n).is_file() for n in names):
            return folder
    return None


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_sha256(data: bytes, expected: str, name: str, fix: str = "delete it and get it again") -> None:
    actual = sha256(data)
    if actual != expected:
        raise DataError(f"checksum mismatch for {name}: expected sha256 {expected}, got {actual}; {fix}")


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise DataError(f"cannot read {path}: {e.strerror or e}") from None
