"""Confidence intervals for effects measured over a few seeds: pure functions of per-seed numbers.

- `t_interval`: the mean of n per-seed values (paired differences, or per-seed log-ratios) with the
  Student-t interval mean +- t_{1 - a/2, n-1} * sd / sqrt(n). Exact for normal per-seed effects; with 3-5
  seeds it is the interval that does not pretend to know the spread (a normal interval would be ~2x too
  narrow at n = 3).
- `bootstrap_interval`: a percentile bootstrap over seeds for a statistic that is not a mean of per-seed
  values (a ratio of spreads across seeds, say). Resamples whole seeds, so pairs stay paired.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
from scipy import stats

from vaelab.errors import ConfigError

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 10_000


def _finite(values, name: str = "values") -> np.ndarray:
    a = np.asarray(values, dtype=np.float64).ravel()
    if not np.isfinite(a).all():
        raise ConfigError(f"{name} hold NaN or infinity: {a.tolist()}")
    return a


def t_interval(values, confidence: float = CONFIDENCE) -> tuple[float, float, float]:
    """(mean, low, high) of per-seed values; low and high are NaN for fewer than 2 values."""
    a = _finite(values)
    if a.size == 0:
        raise ConfigError("a confidence interval needs at least one value")
    mean = float(a.mean())
    if a.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + confidence / 2, a.size - 1)) * float(a.std(ddof=1)) / math.sqrt(a.size)
    return mean, mean - half, mean + half


def bootstrap_interval(
    statistic: Callable[[np.ndarray], float],
    rows,
    confidence: float = CONFIDENCE,
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = 0,
) -> tuple[float, float, float]:
    """(statistic(rows), low, high): percentile bootstrap, resampling the rows (seeds) with replacement.

    rows: (n, k), one row per seed (e.g. both arms' values of that seed). `statistic` maps an (n, k)
    array to a float. Low and high are NaN for fewer than 2 rows."""
    rows = np.asarray(rows, dtype=np.float64)
    rows = rows.reshape(len(rows), -1)
    _finite(rows, "rows")
    estimate = float(statistic(rows))
    if len(rows) < 2:
        return estimate, math.nan, math.nan
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(rows), size=(resamples, len(rows)))
    draws = np.array([statistic(rows[p]) for p in picks], dtype=np.float64)
    draws = draws[np.isfinite(draws)]
    alpha = (1 - confidence) / 2
    return estimate, float(np.quantile(draws, alpha)), float(np.quantile(draws, 1 - alpha))
