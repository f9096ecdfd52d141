"""Datasets generated from known, discrete factors of variation (the ground truth of disentanglement).

A factor dataset has `num_factors` independent factors; factor i takes the values 0 .. factor_sizes[i] - 1
(indices into its grid of real values). The disentanglement metrics (`vaelab.evaluation.disentanglement`)
see a dataset only through the `FactorDataset` protocol below, like disentanglement_lib's
`GroundTruthData`:

    factors = data.sample_factors(n, rng)                        # (n, num_factors) int64
    x = data.sample_observations_from_factors(factors, rng)      # torch.Tensor, first dim n
    factors, x = data.sample(n, rng)

Observations are float32 tensors; image datasets return (n, C, H, W) with values in [0, 1] (binary images
such as dSprites hold exactly 0.0 and 1.0), ready for an encoder. `FactorGrid` is the small base that
implements everything except the observations: uniform sampling and the flat index of a factor combination
in row-major ("odometer") order, the last factor varying fastest:

    index = sum_i factors[i] * prod(factor_sizes[i+1:])
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import torch

from vaelab.errors import ConfigError


@runtime_checkable
class FactorDataset(Protocol):
    """What the disentanglement metrics need from a dataset with known factors."""

    @property
    def num_factors(self) -> int: ...

    @property
    def factor_sizes(self) -> tuple[int, ...]: ...

    @property
    def factor_names(self) -> tuple[str, ...]: ...

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """(n, num_factors) int64 factor indices, each uniform over its values."""
        ...

    def sample_observations_from_factors(self, factors: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        """float32 observations (n, ...) rendered from factor indices (n, num_factors)."""
        ...

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, torch.Tensor]:
        """(factors, observations) for n independent uniform factor draws."""
        ...


class FactorGrid:
    """The part of a factor dataset that does not depend on the observations.

    Subclasses set the grid with `super().__init__(sizes, names)` and implement
    `sample_observations_from_factors`.
    """

    def __init__(self, factor_sizes: tuple[int, ...], factor_names: tuple[str, ...]):
        factor_sizes = tuple(int(s) for s in factor_sizes)
        if len(factor_sizes) == 0 or any(s < 1 for s in factor_sizes):
            raise ConfigError(f"factor sizes must be positive whole numbers (got {factor_sizes})")
        if len(factor_names) != len(factor_sizes):
            raise ConfigError(f"{len(factor_names)} factor names for {len(factor_sizes)} factors")
        self._sizes = factor_sizes
        self._names = tuple(factor_names)
        # place value of each factor in the flat index: prod(factor_sizes[i+1:])
        self._strides = np.array(
            [int(np.prod(factor_sizes[i + 1 :])) for i in range(len(factor_sizes))], dtype=np.int64
        )

    @property
    def num_factors(self) -> int:
        return len(self._sizes)

    @property
    def factor_sizes(self) -> tuple[int, ...]:
        return self._sizes

    @property
    def factor_names(self) -> tuple[str, ...]:
        return self._names

    @property
    def num_combinations(self) -> int:
        return int(np.prod(self._sizes))

    def sample_factors(self, n: int, rng: np.random.Generator) -> np.ndarray:
        if n < 0:
            raise ConfigError(f"number of samples must be >= 0 (got {n})")
        # (n, num_factors): column i uniform over 0 .. factor_sizes[i] - 1
        return rng.integers(0, self._sizes, size=(n, self.num_factors), dtype=np.int64)

    def sample_observations_from_factors(self, factors: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        raise NotImplementedError

    def sample(self, n: int, rng: np.random.Generator) -> tuple[np.ndarray, torch.Tensor]:
        factors = self.sample_factors(n, rng)
        return factors, self.sample_observations_from_factors(factors, rng)

    def check_factors(self, factors: np.ndarray) -> np.ndarray:
        """`factors` as an (n, num_factors) int64 array, refusing out-of-grid values."""
        factors = np.asarray(factors)
        if factors.ndim != 2 or factors.shape[1] != self.num_factors:
            raise ConfigError(f"factors must have shape (n, {self.num_factors}) (got {factors.shape})")
        if factors.size and not np.issubdtype(factors.dtype, np.integer):
            raise ConfigError(f"factors must be integer indices (got dtype {factors.dtype})")
        factors = factors.astype(np.int64, copy=False)
        bad = (factors < 0) | (factors >= np.array(self._sizes))
        if bad.any():
            column = int(np.nonzero(bad.any(axis=0))[0][0])
            raise ConfigError(
                f"factor {self._names[column]!r} must be in 0..{self._sizes[column] - 1} "
                f"(got {int(factors[bad.any(axis=1)][0, column])})"
            )
        return factors

    def factor_index(self, factors: np.ndarray) -> np.ndarray:
        """Flat index (n,) of each factor combination: sum_i factors[:, i] * prod(factor_sizes[i+1:])."""
        return self.check_factors(factors) @ self._strides

    def factors_from_index(self, index: np.ndarray) -> np.ndarray:
        """Inverse of `factor_index`: (n,) flat indices -> (n, num_factors) factor indices."""
        index = np.asarray(index, dtype=np.int64).reshape(-1)
        if ((index < 0) | (index >= self.num_combinations)).any():
            raise ConfigError(f"factor index must be in 0..{self.num_combinations - 1}")
        # (n,) -> (n, num_factors): digit i of the mixed-radix number
        return (index[:, None] // self._strides) % np.array(self._sizes)
