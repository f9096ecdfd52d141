"""Your own images labelled with their factors of variation: a .npz holding `factors` (N, K) beside `x`.

`factors[i, k]` is the value of factor k in image i, any integers (e.g. 0, 45, 90 degrees); each factor's
values are re-indexed 0 .. size-1 in sorted order, and `factor_names` (K strings), if saved, names them.
`ImageFactors` is the FactorDataset the disentanglement metrics sample: a combination of factor values is
observed as one of the images that hold it, picked by the caller's generator, from all the file's images
(training and test alike, as disentanglement_lib samples its whole dataset). The metrics draw arbitrary
combinations, so every combination of the values must hold at least one image; a file that misses some
still trains (the factors only label the images), and the metrics then refuse in one line.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from vaelab.data.factors import FactorGrid
from vaelab.errors import DataError

FACTOR_ARRAYS = ("factors", "factor_names")  # what a .npz may hold beside x and y


def image_factors(images: torch.Tensor, arrays: dict, where: str) -> ImageFactors | None:
    """The factors a .npz's `arrays` (those of FACTOR_ARRAYS it holds) give its uint8 images (N, C, H, W),
    or None without `factors`."""
    if "factors" not in arrays:
        if "factor_names" in arrays:
            raise DataError(f"{where}: factor_names without factors; save factors (N, K) beside x")
        return None
    values, names = read_factors(arrays["factors"], arrays.get("factor_names"), len(images), where)
    return ImageFactors(images, values, names, where)


def read_factors(factors, factor_names, n: int, where: str) -> tuple[np.ndarray, tuple[str, ...]]:
    """A .npz's `factors` (N, K) integer values and optional `factor_names` (K,) -> (values (N, K) int64,
    names), or one line naming what is wrong."""
    factors = np.asarray(factors)
    if factors.ndim != 2 or len(factors) != n or factors.shape[1] == 0:
        raise DataError(
            f"{where}: factors must be one row of factor values per image, shape ({n}, K) (got {factors.shape}); "
            "a single factor is factors.reshape(-1, 1)"
        )
    if not (np.issubdtype(factors.dtype, np.integer) or factors.dtype == np.bool_):
        raise DataError(f"{where}: factors must hold integer factor values (got {factors.dtype})")
    if factor_names is None:
        return factors.astype(np.int64), tuple(f"factor{k}" for k in range(factors.shape[1]))
    names = np.asarray(factor_names).reshape(-1)
    if len(names) != factors.shape[1] or names.dtype.kind not in "US" or len(set(names.tolist())) != len(names):
        raise DataError(f"{where}: factor_names must be {factors.shape[1]} distinct strings, one per factor column")
    return factors.astype(np.int64), tuple(str(s) for s in names)


class ImageFactors(FactorGrid):
    """The FactorDataset of labelled images: observations of a factor combination are its stored images.

    Also `values[k]`, the original value behind each index of factor k, and `missing`, how many
    combinations hold no image (the metrics need 0)."""

    def __init__(self, images: torch.Tensor, factors: np.ndarray, names: tuple[str, ...], where: str):
        columns = [np.unique(factors[:, k], return_inverse=True) for k in range(factors.shape[1])]
        self.values = tuple(values for values, _ in columns)
        index = np.stack([inverse.reshape(-1) for _, inverse in columns], axis=1)  # (N, K) in 0..size-1
        super().__init__(tuple(len(v) for v in self.values), names)
        total = math.prod(self.factor_sizes)  # exact (a Python int), however many values there are
        self.missing = total - len(np.unique(index, axis=0))
        self._images, self._where, self._index = images, where, index  # (N, C, H, W) uint8; (N, K)
        if self.missing == 0:  # then total <= N, and the flat index fits
            flat = index @ self._strides  # (N,)
            self._order = np.argsort(flat, kind="stable")  # image rows grouped by combination
            self._counts = np.bincount(flat, minlength=total)  # images per combination
            self._starts = np.cumsum(self._counts) - self._counts  # where each combination's rows begin

    def fingerprint(self) -> bytes:
        """The factor labels as bytes, for the data's digest: a run refuses data whose factors changed."""
        values = repr((self.factor_names, [v.tolist() for v in self.values])).encode()
        return values + np.ascontiguousarray(self._index, dtype=np.int64).tobytes()

    def check_full_grid(self) -> None:
        if self.missing:
            total = math.prod(self.factor_sizes)
            sizes = " x ".join(map(str, self.factor_sizes))
            raise DataError(
                f"{self._where}: {self.missing} of the {total} combinations of the factor values ({sizes}) have no "
                "image; the disentanglement metrics draw images for any combination, so factors must cover the "
                "full grid (every combination at least once)"
            )

    def sample_observations_from_factors(self, factors: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        """(n, C, H, W) float32 in [0, 1]: for each row of factor indices, one of its images drawn by `rng`."""
        self.check_full_grid()
        flat = self.factor_index(factors)  # (n,)
        rows = self._order[self._starts[flat] + rng.integers(self._counts[flat])]
        return self._images[torch.from_numpy(rows)].float().div_(255)
