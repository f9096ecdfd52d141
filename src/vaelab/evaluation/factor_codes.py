"""What the disentanglement metrics share: encoding samples, discretising codes, discrete information.

A `representation_fn` maps a batch of observations (a float32 tensor, first dim n) to the latent means
(n, d), as a numpy array (a tensor is accepted too). Codes are always (n, d) and factors (n, F) here
(samples along the first axis, like scikit-learn; disentanglement_lib stores them transposed).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from vaelab.data.factors import FactorDataset
from vaelab.errors import ConfigError

RepresentationFn = Callable[[torch.Tensor], np.ndarray]


def encode(representation_fn: RepresentationFn, observations: torch.Tensor, encode_batch: int) -> np.ndarray:
    """Codes (n, d) float64 of `observations`, `representation_fn` called on <= `encode_batch` at once."""
    parts = []
    for start in range(0, len(observations), encode_batch):
        batch = observations[start : start + encode_batch]
        with torch.no_grad():
            out = representation_fn(batch)
        if isinstance(out, torch.Tensor):
            out = out.detach().cpu().numpy()
        out = np.asarray(out, dtype=np.float64)
        if out.ndim != 2 or len(out) != len(batch):
            raise ConfigError(
                f"representation_fn must return an array (n, d) for n observations "
                f"(got shape {out.shape} for n = {len(batch)})"
            )
        parts.append(out)
    codes = np.concatenate(parts) if parts else np.zeros((0, 0))
    if not np.isfinite(codes).all():
        raise ConfigError("representation_fn returned NaN or infinity; the model that made the codes has diverged")
    return codes


def sample_factor_codes(
    data: FactorDataset,
    representation_fn: RepresentationFn,
    num_points: int,
    rng: np.random.Generator,
    encode_batch: int = 1024,
) -> tuple[np.ndarray, np.ndarray]:
    """`num_points` uniform factor draws and their codes: (codes (n, d), factors (n, F))."""
    check_positive("num_points", num_points)
    check_positive("encode_batch", encode_batch)
    codes, factors = [], []
    for start in range(0, num_points, encode_batch):
        f, x = data.sample(min(encode_batch, num_points - start), rng)
        factors.append(f)
        codes.append(encode(representation_fn, x, encode_batch))
    return np.concatenate(codes), np.concatenate(factors)


def sample_train_test(
    data: FactorDataset,
    representation_fn: RepresentationFn,
    rng: np.random.Generator,
    num_train: int,
    num_test: int,
    encode_batch: int = 1024,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Two independent samples for a metric that fits classifiers: codes and factors to fit them on
    (`num_train`), then to score them on (`num_test`)."""
    train = sample_factor_codes(data, representation_fn, num_train, rng, encode_batch)
    return (*train, *sample_factor_codes(data, representation_fn, num_test, rng, encode_batch))


def histogram_discretize(codes: np.ndarray, num_bins: int = 20) -> np.ndarray:
    """Each latent (column) cut into `num_bins` equal-width bins over its own range: (n, d) -> (n, d) int.

    Bin labels run 1..num_bins (np.digitize against the left edges); a constant latent falls in one bin.
    """
    check_positive("num_bins", num_bins)
    codes = np.asarray(codes, dtype=np.float64)
    out = np.empty(codes.shape, dtype=np.int64)
    for i in range(codes.shape[1]):
        left_edges = np.histogram_bin_edges(codes[:, i], bins=num_bins)[:-1]
        out[:, i] = np.digitize(codes[:, i], left_edges)
    return out


def discrete_mutual_info(a: np.ndarray, b: np.ndarray) -> float:
    """I(a; b) in nats of two discrete label arrays (n,), from their empirical joint distribution.

    I(a; b) = sum_{x,y} p(x, y) log(p(x, y) / (p(x) p(y)))
    """
    _, ia = np.unique(a, return_inverse=True)
    _, ib = np.unique(b, return_inverse=True)
    na, nb = ia.max(initial=-1) + 1, ib.max(initial=-1) + 1
    joint = np.bincount(ia * nb + ib, minlength=na * nb).reshape(na, nb) / len(a)  # (na, nb)
    pa, pb = joint.sum(axis=1, keepdims=True), joint.sum(axis=0, keepdims=True)
    nz = joint > 0
    return float(np.sum(joint[nz] * np.log(joint[nz] / (pa @ pb)[nz])))


def discrete_entropy(a: np.ndarray) -> float:
    """H(a) in nats of a discrete label array (n,): H(a) = I(a; a)."""
    _, counts = np.unique(a, return_counts=True)
    p = counts / counts.sum()
    return float(-np.sum(p * np.log(p)))


def mutual_info_matrix(discrete_codes: np.ndarray, factors: np.ndarray) -> np.ndarray:
    """I(z_i; v_k) for every latent i and factor k: (n, d), (n, F) -> (d, F)."""
    d, num_factors = discrete_codes.shape[1], factors.shape[1]
    return np.array(
        [[discrete_mutual_info(discrete_codes[:, i], factors[:, k]) for k in range(num_factors)] for i in range(d)]
    )


def check_codes(codes: np.ndarray, factors: np.ndarray, min_latents: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Codes (n, d) float64 and factors (n, F) int64 with matching n, or a one-line ConfigError."""
    codes, factors = np.asarray(codes, dtype=np.float64), np.asarray(factors)
    if codes.ndim != 2 or factors.ndim != 2 or len(codes) != len(factors) or len(codes) == 0:
        raise ConfigError(
            f"codes must be (n, d) and factors (n, F) with the same n > 0 (got {codes.shape} and {factors.shape})"
        )
    if codes.shape[1] < min_latents:
        raise ConfigError(f"this metric needs at least {min_latents} latent dimensions (got {codes.shape[1]})")
    if not np.issubdtype(factors.dtype, np.integer):
        raise ConfigError(f"factors must be integer indices (got dtype {factors.dtype})")
    return codes, factors.astype(np.int64)


def check_train_test(
    codes_train: np.ndarray, factors_train: np.ndarray, codes_test: np.ndarray, factors_test: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """`check_codes` on a training and a test sample, each with at least 2 latents."""
    return (*check_codes(codes_train, factors_train, 2), *check_codes(codes_test, factors_test, 2))


def check_positive(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{name} must be a whole number >= 1 (got {value!r})")


def check_sizes(**sizes: int) -> None:
    """`check_positive` on every keyword: a metric's protocol sizes."""
    for name, value in sizes.items():
        check_positive(name, value)


def seed_from(rng: np.random.Generator) -> int:
    """A seed for a scikit-learn estimator, drawn from the metric's generator."""
    return int(rng.integers(2**31 - 1))
