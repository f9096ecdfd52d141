"""Reading an experiment's results.json for the page's plain-words paragraphs, defensively: every helper returns
None when a key, a claim or a measure is missing (experiments change), and `sentences` drops the missing ones.

A claim record has "id", "verdict", "reason", "scope", "estimate", "ci_low", "ci_high", "n", "detectable" and
"effects" (each with "effect", "measure", "arm", "baseline", "estimate", "ci_low", "ci_high", "decides");
"metrics" maps "measure[arm]" to {"mean", "std", "values"}.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable


def claim(results: dict, cid: str) -> dict | None:
    """The claim with id `cid` ("C1"), else None."""
    return next((c for c in results.get("claims") or [] if str(c.get("id", "")).split(" ")[0] == cid), None)


def effect(c: dict | None, measure: str | None = None) -> dict | None:
    """The claim's effect on `measure`, or its primary effect (the one that decides) when no measure is named."""
    effects = (c or {}).get("effects") or []
    if measure is not None:
        return next((e for e in effects if e.get("measure") == measure), None)
    return next((e for e in effects if e.get("decides")), effects[0] if effects else None)


def finite(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def metric(results: dict, measure: str, arm: str | Callable[[str], bool] | None) -> float | None:
    """The mean of `measure` over seeds for the arm named `arm` (or the first arm `arm(name)` accepts), else None
    (and None for no arm: a caller that found no arm gets no number)."""
    if arm is None:
        return None
    for key, value in (results.get("metrics") or {}).items():
        name, _, arm_name = key.partition("[")
        arm_name = arm_name.removesuffix("]")
        accepts = arm(arm_name) if callable(arm) else arm_name == arm
        if name == measure and accepts:
            mean = value.get("mean") if isinstance(value, dict) else value
            return mean if finite(mean) else None
    return None


def arm_names(results: dict) -> list[str]:
    return list(results.get("arms") or {}) or sorted({k.partition("[")[2][:-1] for k in results.get("metrics") or {}})


def number(x, digits: int = 3) -> str | None:
    """x with `digits` significant figures (plain notation for ordinary sizes), None for a missing value."""
    if not finite(x):
        return None
    if x != 0 and (abs(x) >= 10**digits or abs(x) < 1e-3):
        return f"{x:.{digits}g}"
    decimals = max(0, digits - 1 - int(math.floor(math.log10(abs(x))))) if x else 0
    return f"{x:,.{decimals}f}"


def percent(x, digits: int = 0) -> str | None:
    return f"{100 * x:.{digits}f}%" if finite(x) else None


def interval(e: dict | None) -> str | None:
    """'0.57 (95% interval 0.20 to 0.94, 3 seeds)' for an effect or claim record."""
    if not e or not finite(e.get("estimate")):
        return None
    seeds = f", {e['n']} seeds" if e.get("n") else ""
    if finite(e.get("ci_low")) and finite(e.get("ci_high")):
        return f"{number(e['estimate'])} (95% interval {number(e['ci_low'])} to {number(e['ci_high'])}{seeds})"
    return f"{number(e['estimate'])} (no interval{seeds})"


VERDICTS = {
    "supported": "**supported**: the 95% interval lies on the side of 0 the claim predicts and reaches beyond the "
    "smallest effect that matters",
    "contradicted": "**contradicted**: the whole 95% interval goes against what the claim predicts and reaches "
    "beyond the smallest effect that matters",
    "no effect": "**no effect**: the whole 95% interval lies inside the band of differences too small to matter",
    "inconclusive": "**inconclusive**: the 95% interval is too wide to decide either way",
}


# A claim that predicts no effect (an "absent" primary effect) is supported and contradicted the other way round.
ABSENT_VERDICTS = {
    "supported": "**supported**: the whole 95% interval lies inside the band of differences too small to matter, "
    "as the claim predicts",
    "contradicted": "**contradicted**: the whole 95% interval lies outside the band of differences too small to "
    "matter: the effect the claim says is absent is there",
}


def verdict(c: dict | None, what: str = "") -> str | None:
    """The claim's verdict in plain words, with its primary effect's estimate, the effect the seeds could have
    detected when inconclusive, and its scope."""
    if not c or c.get("verdict") not in VERDICTS:
        return None
    e = effect(c)
    label = f" (estimate {interval(e)})" if interval(e) else ""
    if label and is_log_ratio(e):
        label = f" (estimate {interval(e)}, a natural-log ratio: {number(ratio(e['estimate']), 2)} times)"
    words = ABSENT_VERDICTS if (e or {}).get("absent") and c["verdict"] in ABSENT_VERDICTS else VERDICTS
    text = f"The verdict on the claim{f' that {what}' if what else ''} is {words[c['verdict']]}{label}"
    small = finite((e or {}).get("estimate")) and abs(e["estimate"]) < (e.get("min_effect") or 0)
    if c["verdict"] == "supported" and small and not e.get("absent"):
        text += "; the estimate itself is below the smallest effect that matters, so the effect may be small"
    if c["verdict"] == "inconclusive" and finite(c.get("detectable")):
        text += f"; these seeds would have detected an effect of about {number(c['detectable'])} or more"
    if c.get("scope"):
        text += f". It holds for the setting tested: {c['scope']}"
    return text + "."


def is_log_ratio(e: dict | None) -> bool:
    """An effect measured as the log of a ratio (its kind, or a 'log(a / b)' in its label)."""
    return bool(e) and (e.get("kind") == "log_ratio" or "log(" in str(e.get("effect", "")))


def ratio(log_ratio) -> float | None:
    """exp(log_ratio): how many times as large, for an effect measured as a log-ratio."""
    return math.exp(log_ratio) if finite(log_ratio) else None


def first_number(text: str) -> float | None:
    """The first number in a label ('KL to rate 0.05' -> 0.05), else None."""
    match = re.search(r"\d+(?:\.\d+)?", text or "")
    return float(match.group()) if match else None


def pair(template: str, results: dict, measure: str, first, second, show=None) -> str | None:
    """`template` with {a} and {b} filled by `measure` of the arms `first` and `second` (see `metric`),
    shown by `show` (default: `number`); None when either is missing."""
    show = show or number
    return fill(template, a=show(metric(results, measure, first)), b=show(metric(results, measure, second)))


def sentences(parts: Iterable[str | None]) -> str:
    """The parts that exist, as one paragraph."""
    return " ".join(p.strip() for p in parts if p and p.strip())


def fill(template: str, **values) -> str | None:
    """template.format(**values), or None when any value is missing (None)."""
    return None if any(v is None for v in values.values()) else template.format(**values)
