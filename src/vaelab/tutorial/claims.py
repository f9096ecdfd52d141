"""Claims as hypotheses fixed before the runs, judged by the one rule (vaelab.tutorial.rule).

A claim names one or more **effects**. An effect is computed per seed from two arms that share the
seed (same initialisation, same data order): the paired difference `arm - baseline` of a measure, or
its log-ratio; or a measure that is itself already an effect within one arm (`baseline=None`), e.g. a
model's PSNR minus the noisy input's. The **estimate** is the mean over seeds with a 95% Student-t
interval on the per-seed values. The spread of a measure across seeds is not a mean of per-seed
values, so its effect (`kind="log_sd_ratio"`) gets a percentile bootstrap over seeds instead.

Each judged claim has exactly one **primary** effect (`decides=True`), fixed before the runs: the claim's
verdict is that effect's, by the rule, with the claim's `scope` (the setting it was tested in) beside it.
The other effects are measured and shown, each with its own verdict; "every_effect" records what the
conjunction of all of them would say (supported only when every one is), for comparison.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from vaelab.errors import ConfigError
from vaelab.evaluation.stats import bootstrap_interval, t_interval
from vaelab.tutorial.rule import (
    CONTRADICTED,
    DESCRIPTIVE,
    INCONCLUSIVE,
    NO_EFFECT,
    SUPPORTED,
    apply_rule,
    criterion_text,
    detectable,
    verdict_p,
)

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
    scope: str = ""  # the setting the verdict holds for: "32 px dSprites, an MLP, 65,536 images per run"

    def __post_init__(self) -> None:
        primary = [e for e in self.effects if e.decides]
        if not self.descriptive and len(primary) != 1:
            raise ConfigError(f"claim {self.id}: one primary effect (decides=True), not {len(primary)}")


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
    paired = effect.kind != "log_sd_ratio"  # a t-test and a power calculation apply to per-seed values
    p = verdict_p(values, verdict, effect.direction, effect.min_effect, effect.absent) if paired else math.nan
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
        "p_value": p,
        "detectable": detectable(values) if paired else math.nan,
        "seeds": seeds,
        "values": shown,
    }
    return {**record, "text": interval_text(record)}


def every_effect(effects: list[dict]) -> str:
    """What the conjunction of every effect would say: supported when each one is, contradicted or no
    effect when any one is that, else inconclusive (shown for comparison; the verdict is the primary's)."""
    verdicts = [e["verdict"] for e in effects]
    if verdicts and all(v == SUPPORTED for v in verdicts):
        return SUPPORTED
    for word in (CONTRADICTED, NO_EFFECT):
        if word in verdicts:
            return word
    return INCONCLUSIVE


def judge(claim: Claim, per_seed: dict[str, dict[int, dict[str, float]]], evidence: str = "") -> dict:
    """The claim as results.json stores it: its primary effect's verdict, reason, p-value and (when
    inconclusive) the smallest detectable effect at the top level, every effect below."""
    base = {
        "id": claim.id,
        "claim": claim.text,
        "design": claim.design,
        "scope": claim.scope,
        "criterion": criterion(claim),
    }
    effects = [judge_effect(e, per_seed) for e in claim.effects]
    evidence = evidence or summary(effects)
    if claim.descriptive:
        reason = "descriptive: shown, not judged"
        return {**base, "verdict": DESCRIPTIVE, "reason": reason, "evidence": evidence, "effects": effects}
    head = next(e for e in effects if e["decides"])
    keys = ("estimate", "ci_low", "ci_high", "n", "direction", "min_effect", "values", "p_value", "detectable")
    judged = {"verdict": head["verdict"], "reason": head["reason"], "every_effect": every_effect(effects)}
    return {**base, **{k: head[k] for k in keys}, **judged, "evidence": evidence, "effects": effects}


def criterion(claim: Claim) -> str:
    """The claim's criterion in words: each deciding effect with its predicted sign and band."""
    if claim.descriptive:
        return "descriptive: shown side by side, not judged"
    e = next(e for e in claim.effects if e.decides)
    unit = f" ({e.unit})" if e.unit else ""
    return f"{e.name}{unit}: {criterion_text(e.direction, e.min_effect, e.absent)}, over paired seeds"


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
