"""Files in the datasets' exact formats, written by tests."""

import gzip

import numpy as np

from vaelab.data import mnist


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_fashion(folder, tamper: bool = False, n: int = 5):
    """Fashion-MNIST-format files with a few images (their checksums will not match the real ones)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for part in mnist.PARTS:
        arr = rng.integers(0, 10, n) if "labels" in part else rng.integers(0, 256, (n, 28, 28))
        (folder / f"{part}.gz").write_bytes(gzip.compress(idx_bytes(arr)))
    return folder
