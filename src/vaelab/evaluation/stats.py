"""Confidence intervals for effects measured over a few seeds: pure functions of per-seed numbers.

- `t_interval`: the mean of n per-seed values (paired differences, or per-seed log-ratios) with the
  Student-t interval mean +- t_{1 - a/2, n-1} * sd / sqrt(n). Exact for normal per-seed effects; with 3-5
  seeds it is the interval that does not pretend to know the spread (a normal interval would be ~2x too
  narrow at n = 3).
- `bootstrap_interval`: a percentile bootstrap over seeds for a statistic that is not a mean of per-seed
  values (a ratio of spreads across seeds, say). Resamples whole seeds, so pairs stay paired.
- `t_test_p`: the t-test that matches `t_interval` (p < 0.05 exactly when the 95% interval excludes the null);
  `min_detectable_effect`: what a design of n seeds with that spread could detect; `holm`: Holm's adjustment
  of several p-values for the family-wise error.
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


def t_test_p(values, null: float = 0.0, alternative: str = "two-sided") -> float:
    """Student's one-sample t-test of mean(values) against `null`: "two-sided", "greater" (mean > null) or
    "less". The two-sided p is below 1 - confidence exactly when t_interval's interval excludes `null`.
    NaN for fewer than 2 values; 0 or 1 for values with no spread."""
    a = _finite(values)
    if a.size < 2:
        return math.nan
    sd = float(a.std(ddof=1))
    if sd == 0:
        side = {"two-sided": a.mean() != null, "greater": a.mean() > null, "less": a.mean() < null}[alternative]
        return 0.0 if side else 1.0
    t = (float(a.mean()) - null) / (sd / math.sqrt(a.size))
    upper = float(stats.t.sf(t, a.size - 1))  # P(T >= t)
    return {"two-sided": 2 * min(upper, 1 - upper), "greater": upper, "less": 1 - upper}[alternative]


def min_detectable_effect(sd: float, n: int, power: float = 0.8, confidence: float = CONFIDENCE) -> float:
    """The smallest true mean effect a two-sided t-test on n paired values with standard deviation `sd`
    detects with probability `power`: (t_{1-alpha/2, n-1} + t_{power, n-1}) * sd / sqrt(n). NaN below n = 2."""
    if n < 2:
        return math.nan
    df = n - 1
    return (float(stats.t.ppf(0.5 + confidence / 2, df)) + float(stats.t.ppf(power, df))) * sd / math.sqrt(n)


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment of p-values (family-wise error): the i-th smallest p times (m - i + 1),
    made monotone and capped at 1, in the input order. NaN stays NaN and is not counted in m."""
    finite = sorted((p, i) for i, p in enumerate(p_values) if not math.isnan(p))
    m, running, out = len(finite), 0.0, [math.nan] * len(p_values)
    for rank, (p, i) in enumerate(finite):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out
