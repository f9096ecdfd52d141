"""The one rule that turns an effect's interval into a verdict, and what the page says beside it.

For an effect with predicted sign `direction` (+1 or -1) and smallest effect that matters m, on its 95%
Student-t interval over paired seeds:

- **inconclusive** with fewer than 2 seeds (no interval);
- **no effect** when the interval lies inside (-m, +m): whatever the effect is, it is too small to matter;
- **supported** when it lies above 0 (below, for -1) and is not inside (-m, +m);
- **contradicted** when it lies entirely on the other side of 0;
- **inconclusive** otherwise: the interval straddles 0.

`direction=0` predicts a difference of either sign: supported when the interval excludes 0 and is not
inside the band. `absent=True` predicts no effect: supported when the interval lies inside the band,
contradicted when it lies entirely outside it. Each verdict rests on one test whose p-value is below 0.05
exactly when the interval says so (`verdict_p`), so several claims on one page can be held to a family-wise
error with Holm's adjustment (`holm_verdicts`). Beside an inconclusive verdict stands the smallest effect the
design could have detected (`detectable`). `settles_at` reads a learning curve: from which length on the
verdict stays the same.
"""

from __future__ import annotations

import math

import numpy as np

from vaelab.evaluation.stats import holm, min_detectable_effect, t_interval, t_test_p

SUPPORTED, CONTRADICTED, NO_EFFECT = "supported", "contradicted", "no effect"
INCONCLUSIVE, DESCRIPTIVE = "inconclusive", "descriptive"
VERDICTS = (SUPPORTED, CONTRADICTED, NO_EFFECT, INCONCLUSIVE, DESCRIPTIVE)
ALPHA = 0.05  # the rule's 95% intervals, and the family-wise error Holm's adjustment keeps


def apply_rule(estimate: float, low: float, high: float, n: int, direction: int, min_effect: float, absent=False):
    """(verdict, reason) for one effect's estimate and 95% interval over n seeds, by the module's rule."""
    m = min_effect
    ci = f"95% CI [{low:.4g}, {high:.4g}]"
    if n < 2 or not (math.isfinite(low) and math.isfinite(high)):
        return INCONCLUSIVE, f"{n} seed(s): an interval needs at least 2"
    inside = -m < low and high < m
    if absent:
        if inside:
            return SUPPORTED, f"{ci} lies inside +-{m:g}: no effect that matters, as predicted"
        if low >= m or high <= -m:
            return CONTRADICTED, f"{ci} lies outside +-{m:g}: the effect is there"
        return INCONCLUSIVE, f"{ci} reaches beyond +-{m:g}"
    if inside:
        return NO_EFFECT, f"{ci} lies inside +-{m:g}: no effect that matters"
    if direction == 0:
        if low > 0 or high < 0:
            return SUPPORTED, f"{ci} excludes 0 ({'above' if low > 0 else 'below'}) and is not inside +-{m:g}"
        return INCONCLUSIVE, f"{ci} straddles 0"
    if direction * low > 0 and direction * high > 0:
        return SUPPORTED, f"{ci} lies on the predicted side of 0 and is not inside +-{m:g}"
    if direction * low < 0 and direction * high < 0:
        return CONTRADICTED, f"{ci} lies on the other side of 0 from the prediction"
    return INCONCLUSIVE, f"{ci} straddles 0"


def criterion_text(direction: int, min_effect: float, absent: bool = False) -> str:
    """The rule's condition for "supported", in the words `apply_rule` applies."""
    m = f"{min_effect:g}"
    if absent:
        return f"95% CI inside +-{m}"
    side = {1: "above 0", -1: "below 0", 0: "excludes 0"}[direction]
    return f"95% CI {side}, and not inside +-{m}"


def verdict_p(values, verdict: str, direction: int, min_effect: float, absent: bool = False) -> float:
    """The p-value of the test the verdict rests on, below ALPHA exactly when the 95% interval gives it: a
    difference from 0 (supported, contradicted), equivalence within +-m (no effect; supported when an absence
    is predicted), an effect beyond m (contradicted, when an absence is predicted). NaN when inconclusive."""
    m = min_effect
    if verdict in (INCONCLUSIVE, DESCRIPTIVE) or len(values) < 2:
        return math.nan
    if verdict == NO_EFFECT or (absent and verdict == SUPPORTED):  # two one-sided tests, at ALPHA / 2 each
        return min(1.0, 2 * max(t_test_p(values, -m, "greater"), t_test_p(values, m, "less")))
    if absent:  # contradicted: the whole interval beyond +m, or beyond -m
        beyond = t_test_p(values, m, "greater") if np.mean(values) > 0 else t_test_p(values, -m, "less")
        return min(1.0, 2 * beyond)
    return t_test_p(values, 0.0, "two-sided")


def detectable(values) -> float:
    """The smallest true effect this design (these seeds, with this spread) detects with 80% power."""
    values = np.asarray(values, dtype=np.float64)
    return min_detectable_effect(float(values.std(ddof=1)), len(values)) if len(values) > 1 else math.nan


def holm_verdicts(claims: list[dict]) -> list[str]:
    """Each judged claim's verdict after Holm's adjustment across all of them: a verdict whose adjusted
    p-value reaches ALPHA becomes inconclusive. An inconclusive claim was tested too and counts in the
    family, with p = 1 (it rejects nothing); pass descriptive claims, which test nothing, not at all."""
    ps = [c.get("p_value") if c.get("p_value") is not None else math.nan for c in claims]
    adjusted = holm([1.0 if math.isnan(float(p)) else float(p) for p in ps])
    return [c["verdict"] if math.isnan(a) or a < ALPHA else INCONCLUSIVE for c, a in zip(claims, adjusted)]


def settles_at(
    effects_by_length: dict[int, list[float]], direction: int, min_effect: float
) -> tuple[int | None, str | None]:
    """Where a learning curve's paired effect settles: the shortest length L such that the rule's verdict on
    the per-seed effects is the same, and not inconclusive, at L and at every longer length measured.
    (None, None) when the verdict at the longest length is inconclusive. Returns (L, that verdict)."""
    lengths = sorted(effects_by_length)
    verdicts = []
    for length in lengths:
        values = effects_by_length[length]
        estimate, low, high = t_interval(values) if values else (math.nan,) * 3
        verdicts.append(apply_rule(estimate, low, high, len(values), direction, min_effect)[0])
    if not verdicts or verdicts[-1] == INCONCLUSIVE:
        return None, None
    first = len(verdicts) - 1
    while first > 0 and verdicts[first - 1] == verdicts[-1]:
        first -= 1
    return lengths[first], verdicts[-1]
