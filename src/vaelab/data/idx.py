"""The IDX format of MNIST and Fashion-MNIST (LeCun et al.), parsed defensively.

    bytes 0-1  zero;  byte 2  data type (0x08 = unsigned byte);  byte 3  number of dimensions n
    then n big-endian uint32 sizes, then the data in row-major order

Every problem is a one-line DataError naming the file: bad magic, an unsupported type, the wrong number
of dimensions or image size, a truncated file, or a header claiming more items than the file holds. The
claimed size is checked against the actual byte count before anything is allocated.
"""

from __future__ import annotations

import gzip
import zlib

import numpy as np

from vaelab.errors import DataError

UBYTE = 0x08
MAX_BYTES = 256 << 20  # no dataset file here inflates beyond this; larger is refused, not allocated


def decompress(raw: bytes, name: str, limit: int = MAX_BYTES) -> bytes:
    """Gunzip `raw` if it is gzipped (else return it); a corrupt or truncated gzip is a DataError."""
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        d = zlib.decompressobj(wbits=31)
        out = d.decompress(raw, limit)
        if d.unconsumed_tail:
            raise DataError(f"{name}: the gzip data inflates to more than {limit} bytes; refusing it")
        if not d.eof:
            raise DataError(f"{name}: the gzip stream is truncated; delete the file and get it again")
        return out
    except (zlib.error, gzip.BadGzipFile, EOFError) as e:
        raise DataError(f"{name}: not a valid gzip file ({e}); delete it and get it again") from None


def parse_idx(data: bytes, name: str, ndim: int, item_shape: tuple[int, ...] | None = None) -> np.ndarray:
    """Parse IDX bytes into a uint8 array with `ndim` dimensions (item_shape: the required trailing sizes)."""
    if len(data) < 4:
        raise DataError(f"{name}: too short to be an IDX file ({len(data)} bytes)")
    if data[0] != 0 or data[1] != 0:
        raise DataError(f"{name}: bad IDX magic {data[:4].hex()} (expected 0000{UBYTE:02x}{ndim:02x}); not an IDX file")
    if data[2] != UBYTE:
        raise DataError(f"{name}: IDX data type 0x{data[2]:02x} is not supported (only unsigned bytes, 0x08)")
    if data[3] != ndim:
        raise DataError(f"{name}: has {data[3]} dimensions, expected {ndim}")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise DataError(f"{name}: truncated inside its header")
    dims = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if item_shape is not None and dims[1:] != tuple(item_shape):
        raise DataError(f"{name}: items have shape {dims[1:]}, expected {tuple(item_shape)}")
    claimed = 1
    for d in dims:  # Python ints: the product of four uint32 sizes overflows int64
        claimed *= d
    actual = len(data) - header
    if claimed > actual:
        raise DataError(
            f"{name}: the header claims {dims[0]} items ({claimed} bytes) but the file holds "
            f"{actual} bytes; it is truncated or corrupt"
        )
    if claimed < actual:
        raise DataError(f"{name}: {actual - claimed} bytes after the {dims[0]} items its header declares; corrupt file")
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims)
