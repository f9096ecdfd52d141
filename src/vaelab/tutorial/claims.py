"""Claims as hypotheses fixed before the runs, and the one rule that turns measurements into a verdict.

A claim names one or more **effects**. An effect is computed per seed from two arms that share the
seed (same initialisation, same data order): the paired difference `arm - baseline` of a measure, or
its log-ratio; or a measure that is itself already an effect within one arm (`baseline=None`), e.g. a
model's PSNR minus the noisy input's. The **estimate** is the mean over seeds with a 95% Student-t
interval on the per-seed values. The spread of a measure across seeds is not a mean of per-seed
values, so its effect (`kind="log_sd_ratio"`) gets a percentile bootstrap over seeds instead.

The rule, for an effect with predicted sign `direction` (+1 or -1) and smallest effect that matters m:

- **inconclusive** with fewer than 2 seeds (no interval);
- **not supported** when the interval lies inside (-m, +m): no effect that matters;
- **supported** when it lies entirely on the predicted side of 0;
- **not supported** when it lies entirely on the other side;
- **inconclusive** otherwise: the interval straddles 0.

`direction=0` predicts a difference of either sign (supported when the interval excludes 0 and is not
inside the band); `absent=True` predicts no effect (supported when the interval lies inside the band,
not supported when it lies entirely outside it). A claim's verdict is the conjunction of its deciding
effects: supported when every one is supported, not supported when any one is not, else inconclusive.
A claim declared `undecidable` in a profile (its training shorter than a pilot showed the effect needs,
fixed before the runs) is inconclusive with that reason; its effects are still measured and shown.
`settles_at` reads a learning curve: from which length on the rule's verdict stays the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vaelab.errors import ConfigError
from vaelab.evaluation.stats import bootstrap_interval, t_interval

SUPPORTED, NOT_SUPPORTED, INCONCLUSIVE, DESCRIPTIVE = "supported", "not supported", "inconclusive", "descriptive"
KINDS = ("difference", "log_ratio", "log_sd_ratio")


@dataclass(frozen=True)
class Effect:
    """measure[arm] - measure[baseline] per seed (or log(arm / baseline), or log(sd arm / sd baseline))."""

    measure: str
    arm: str
    baseline: str | None = None  # None: the measure of `arm` is itself the effect
    direction: int = 1  # the sign the claim predicts: +1, -1, or 0 (a difference of either sign)
    min_effect: float = 0.0  # the smallest effect that matters, in the effect's units
    kind: str = "difference"
    label: str = ""
    unit: str = ""
    absent: bool = False  # the claim predicts no effect: |effect| < min_effect
    decides: bool = True  # False: measured and shown, but not part of the claim's verdict

    def __post_init__(self) -> None:
        if self.direction not in (-1, 0, 1):
            raise ConfigError(f"effect {self.measure}: direction must be +1, -1 or 0 (got {self.direction})")
        if self.kind not in KINDS:
            raise ConfigError(f"effect {self.measure}: kind must be one of {', '.join(KINDS)} (got {self.kind!r})")
        if self.absent and self.direction != 0:
            raise ConfigError(f"effect {self.measure}: a predicted absence has direction 0")
        if self.baseline is None and self.kind != "difference":
            raise ConfigError(f"effect {self.measure}: {self.kind} needs a baseline arm")
        if not self.min_effect >= 0:
            raise ConfigError(f"effect {self.measure}: min_effect must be >= 0 (got {self.min_effect})")

    @property
    def name(self) -> str:
        if self.label:
            return self.label
        if self.baseline is None:
            return f"{self.measure} ({self.arm})"
        how = {"difference": "{a} - {b}", "log_ratio": "log({a} / {b})", "log_sd_ratio": "log(sd {a} / sd {b})"}
        return f"{self.measure}: " + how[self.kind].format(a=self.arm, b=self.baseline)


@dataclass(frozen=True)
class Claim:
    id: str
    text: str
    effects: tuple[Effect, ...] = ()
    design: str = ""  # why this design can show the effect, stated before the runs
    descriptive: bool = False  # shown, never judged (C3)
    # A reason, fixed before the runs, why this profile's design cannot decide the claim (a training shorter
    # than a pilot showed the effect needs): the effects are measured and shown, the verdict is inconclusive.
    undecidable: str = ""


def apply_rule(
    estimate: float, low: float, high: float, n: int, direction: int, min_effect: float, absent: bool = False
):
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
            return NOT_SUPPORTED, f"{ci} lies outside +-{m:g}: the effect is there"
        return INCONCLUSIVE, f"{ci} reaches beyond +-{m:g}"
    if inside:
        return NOT_SUPPORTED, f"{ci} lies inside +-{m:g}: no effect that matters"
    if direction == 0:
        if low > 0 or high < 0:
            return SUPPORTED, f"{ci} excludes 0 ({'above' if low > 0 else 'below'})"
        return INCONCLUSIVE, f"{ci} straddles 0"
    if direction * low > 0 and direction * high > 0:
        return SUPPORTED, f"{ci} lies on the predicted side of 0"
    if direction * low < 0 and direction * high < 0:
        return NOT_SUPPORTED, f"{ci} lies on the other side of 0 from the prediction"
    return INCONCLUSIVE, f"{ci} straddles 0"


def effect_values(effect: Effect, per_seed: dict[str, dict[int, dict[str, float]]]) -> tuple[list[int], np.ndarray]:
    """The seeds both arms share and, for a paired effect, the per-seed effect values; for log_sd_ratio the
    (seeds, 2) rows of (arm, baseline) values that the bootstrap resamples."""
    for name in (effect.arm, effect.baseline):
        if name is not None and name not in per_seed:
            raise ConfigError(f"effect {effect.name}: no arm {name!r} (arms: {', '.join(per_seed)})")
    arm = per_seed[effect.arm]
    base = per_seed[effect.baseline] if effect.baseline is not None else None
    seeds = sorted(s for s in arm if base is None or s in base)
    a = np.array([arm[s][effect.measure] for s in seeds], dtype=np.float64)
    if base is None:
        return seeds, a
    b = np.array([base[s][effect.measure] for s in seeds], dtype=np.float64)
    if effect.kind == "difference":
        return seeds, a - b
    if effect.kind == "log_ratio":
        if (a <= 0).any() or (b <= 0).any():
            raise ConfigError(f"effect {effect.name}: a log-ratio needs positive values (got {a}, {b})")
        return seeds, np.log(a) - np.log(b)
    return seeds, np.stack([a, b], axis=1)


def _log_sd_ratio(rows: np.ndarray) -> float:
    sd = rows.std(axis=0, ddof=1) if len(rows) > 1 else np.zeros(2)
    return float(np.log(sd[0] / sd[1])) if sd[0] > 0 and sd[1] > 0 else math.nan


def judge_effect(effect: Effect, per_seed: dict[str, dict[int, dict[str, float]]]) -> dict:
    """One effect's estimate, interval, verdict and per-seed values, as results.json stores them."""
    seeds, values = effect_values(effect, per_seed)
    if effect.kind == "log_sd_ratio":
        estimate, low, high = bootstrap_interval(_log_sd_ratio, values) if len(values) > 2 else (math.nan,) * 3
        interval, shown = "bootstrap", values.tolist()
    else:
        estimate, low, high = t_interval(values) if len(values) else (math.nan,) * 3
        interval, shown = "t", values.tolist()
    verdict, reason = apply_rule(estimate, low, high, len(seeds), effect.direction, effect.min_effect, effect.absent)
    if effect.kind == "log_sd_ratio" and len(seeds) <= 2:
        verdict, reason = INCONCLUSIVE, f"{len(seeds)} seed(s): a spread needs at least 3"
    record = {
        "effect": effect.name,
        "measure": effect.measure,
        "arm": effect.arm,
        "baseline": effect.baseline,
        "kind": effect.kind,
        "unit": effect.unit,
        "interval": interval,
        "estimate": estimate,
        "ci_low": low,
        "ci_high": high,
        "n": len(seeds),
        "direction": effect.direction,
        "absent": effect.absent,
        "min_effect": effect.min_effect,
        "decides": effect.decides,
        "verdict": verdict,
        "reason": reason,
        "seeds": seeds,
        "values": shown,
    }
    return {**record, "text": interval_text(record)}


def combine(effects: list[dict]) -> tuple[str, str]:
    """A claim's verdict from its deciding effects: all supported, any not supported, else inconclusive."""
    deciding = [e for e in effects if e["decides"]]
    if not deciding:
        return INCONCLUSIVE, "no deciding effect"
    verdicts = [e["verdict"] for e in deciding]
    if len(deciding) == 1:
        return verdicts[0], deciding[0]["reason"]
    listing = "; ".join(f"{e['effect']}: {e['verdict']}" for e in deciding)
    if all(v == SUPPORTED for v in verdicts):
        return SUPPORTED, f"every effect supported ({listing})"
    if NOT_SUPPORTED in verdicts:
        return NOT_SUPPORTED, f"an effect is not supported ({listing})"
    return INCONCLUSIVE, f"not every effect is settled ({listing})"


def judge(claim: Claim, per_seed: dict[str, dict[int, dict[str, float]]], evidence: str = "") -> dict:
    """The claim as results.json stores it: the verdict by the rule, its reason, every effect, and the
    first deciding effect's numbers at the top level (its headline)."""
    base = {"id": claim.id, "claim": claim.text, "design": claim.design, "criterion": criterion(claim)}
    effects = [judge_effect(e, per_seed) for e in claim.effects]
    evidence = evidence or summary(effects)
    if claim.descriptive:
        return {
            **base,
            "verdict": DESCRIPTIVE,
            "reason": "descriptive: shown, not judged",
            "evidence": evidence,
            "effects": effects,
        }
    verdict, reason = combine(effects)
    if claim.undecidable:
        verdict, reason = INCONCLUSIVE, f"{claim.undecidable}; at this length the rule alone would give: {verdict}"
    head = next((e for e in effects if e["decides"]), effects[0])
    headline = {k: head[k] for k in ("estimate", "ci_low", "ci_high", "n", "direction", "min_effect", "values")}
    return {**base, **headline, "verdict": verdict, "reason": reason, "evidence": evidence, "effects": effects}


def criterion(claim: Claim) -> str:
    """The claim's criterion in words: each deciding effect with its predicted sign and band."""
    if claim.descriptive:
        return "descriptive: shown side by side, not judged"
    parts = []
    for e in claim.effects:
        if not e.decides:
            continue
        if e.absent:
            want = f"inside +-{e.min_effect:g}"
        elif e.direction == 0:
            want = f"differs from 0 by more than {e.min_effect:g} (either sign)"
        else:
            want = f"{'> 0' if e.direction > 0 else '< 0'}, beyond {e.min_effect:g}"
        parts.append(f"{e.name} {want}{' ' + e.unit if e.unit else ''}")
    return "95% CI over paired seeds: " + "; ".join(parts)


def summary(effects: list[dict]) -> str:
    """'estimate [low, high], n' for each effect."""
    return "; ".join(f"{e['effect']}: {interval_text(e)}" for e in effects)


def interval_text(e: dict, digits: int = 3) -> str:
    if not math.isfinite(e["ci_low"]) or not math.isfinite(e["ci_high"]):
        return f"{_num(e['estimate'], digits)}, n = {e['n']}"
    return f"{_num(e['estimate'], digits)} [{_num(e['ci_low'], digits)}, {_num(e['ci_high'], digits)}], n = {e['n']}"


def _num(x: float, digits: int) -> str:
    """Three significant digits, or one decimal from 100 up (no exponents for numbers a page shows)."""
    if not math.isfinite(x):
        return "nan"
    return f"{x:.1f}" if abs(x) >= 100 else f"{x:.{digits}g}"


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


def judge_all(claims: list[Claim], per_seed: dict[str, dict[int, dict[str, float]]]) -> list[dict]:
    return [judge(c, per_seed) for c in claims]
