"""The verdict rule and its intervals, on synthetic per-seed numbers with known answers."""

import math

import numpy as np
import pytest

from vaelab.errors import ConfigError
from vaelab.evaluation.stats import bootstrap_interval, t_interval
from vaelab.tutorial.claims import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    Claim,
    Effect,
    apply_rule,
    combine,
    judge,
    judge_effect,
    settles_at,
)


def test_t_interval_matches_the_textbook_numbers():
    # mean 2, sd 1, n 3: half-width t_{0.975, 2} / sqrt(3) = 4.302653 / 1.732051 = 2.484138
    mean, low, high = t_interval([1.0, 2.0, 3.0])
    assert mean == 2.0
    assert low == pytest.approx(2 - 2.484138, abs=1e-6) and high == pytest.approx(2 + 2.484138, abs=1e-6)
    # n 5, sd sqrt(2.5): t_{0.975, 4} = 2.776445
    _, low, high = t_interval([1, 2, 3, 4, 5])
    assert high - 3 == pytest.approx(2.776445 * math.sqrt(2.5) / math.sqrt(5), abs=1e-6)


def test_t_interval_of_one_value_has_no_width_and_refuses_nan():
    mean, low, high = t_interval([0.7])
    assert mean == 0.7 and math.isnan(low) and math.isnan(high)
    with pytest.raises(ConfigError, match="NaN"):
        t_interval([1.0, float("nan")])


def test_bootstrap_of_the_mean_approaches_the_t_interval_on_many_seeds():
    values = np.random.default_rng(0).normal(1.0, 2.0, size=400)
    _, t_low, t_high = t_interval(values)
    est, b_low, b_high = bootstrap_interval(lambda r: r[:, 0].mean(), values[:, None], resamples=4000)
    assert est == pytest.approx(values.mean())
    assert b_low == pytest.approx(t_low, abs=0.05) and b_high == pytest.approx(t_high, abs=0.05)
    assert bootstrap_interval(lambda r: r.mean(), np.ones((5, 1))) == (1.0, 1.0, 1.0)  # no spread, no width


def test_bootstrap_is_seeded():
    rows = np.random.default_rng(1).normal(size=(6, 2))
    once, again = (bootstrap_interval(lambda r: r.mean(), rows, seed=3, resamples=200) for _ in range(2))
    other = bootstrap_interval(lambda r: r.mean(), rows, seed=4, resamples=200)
    assert once == again and once[1:] != other[1:]  # the seed, and only the seed, fixes the resamples
    assert once[0] == other[0] == rows.mean()  # the estimate itself is not resampled


def arms(**values):
    """{arm: {seed: {"m": value}}} from lists of per-seed values (seeds 0, 1, ...)."""
    return {arm: {s: {"m": v} for s, v in enumerate(vs)} for arm, vs in values.items()}


def verdict_of(values, **effect):
    e = Effect("m", "a", **effect)
    return judge_effect(e, arms(a=values))["verdict"]


@pytest.mark.parametrize(
    "values, effect, expected",
    [
        ([1.0, 1.1, 0.9], {"direction": 1, "min_effect": 0.1}, SUPPORTED),
        ([-1.0, -1.1, -0.9], {"direction": 1, "min_effect": 0.1}, NOT_SUPPORTED),  # the other side
        ([0.01, -0.01, 0.0], {"direction": 1, "min_effect": 0.1}, NOT_SUPPORTED),  # inside the band
        ([1.0, -1.0, 0.5], {"direction": 1, "min_effect": 0.1}, INCONCLUSIVE),  # straddles 0
        ([1.0], {"direction": 1, "min_effect": 0.1}, INCONCLUSIVE),  # one seed
        ([-1.0, -1.1, -0.9], {"direction": -1, "min_effect": 0.1}, SUPPORTED),
        ([1.0, 1.1, 0.9], {"direction": -1, "min_effect": 0.1}, NOT_SUPPORTED),
        ([-1.0, -1.1, -0.9], {"direction": 0, "min_effect": 0.1}, SUPPORTED),  # two-sided
        ([0.01, -0.01, 0.0], {"direction": 0, "min_effect": 0.1}, NOT_SUPPORTED),
        ([1.0, -1.0, 0.5], {"direction": 0, "min_effect": 0.1}, INCONCLUSIVE),
        ([0.01, -0.01, 0.0], {"direction": 0, "absent": True, "min_effect": 0.1}, SUPPORTED),  # predicted absent
        ([1.0, 1.1, 0.9], {"direction": 0, "absent": True, "min_effect": 0.1}, NOT_SUPPORTED),
        ([0.0, 0.5, -0.3], {"direction": 0, "absent": True, "min_effect": 0.1}, INCONCLUSIVE),
    ],
)
def test_the_rule_reaches_each_verdict(values, effect, expected):
    assert verdict_of(values, **effect) == expected


def test_a_significant_effect_inside_the_band_is_no_effect():
    # every seed positive, so the CI is above 0, but all of it lies below the smallest effect that matters
    assert verdict_of([0.020, 0.021, 0.022], direction=1, min_effect=0.05) == NOT_SUPPORTED
    assert verdict_of([0.020, 0.021, 0.022], direction=1, min_effect=0.01) == SUPPORTED


def test_rule_reasons_name_the_interval():
    verdict, reason = apply_rule(1.0, 0.5, 1.5, 3, 1, 0.1)
    assert verdict == SUPPORTED and "[0.5, 1.5]" in reason
    assert "at least 2" in apply_rule(1.0, math.nan, math.nan, 1, 1, 0.1)[1]


def test_effects_pair_arms_by_seed():
    per_seed = {"warm": {0: {"m": 5.0}, 1: {"m": 7.0}, 2: {"m": 9.0}}, "none": {1: {"m": 6.0}, 2: {"m": 6.0}}}
    out = judge_effect(Effect("m", "warm", "none", min_effect=0.5), per_seed)
    assert out["seeds"] == [1, 2] and out["values"] == [1.0, 3.0] and out["n"] == 2
    assert out["estimate"] == 2.0
    ratio = judge_effect(Effect("m", "warm", "none", kind="log_ratio"), per_seed)
    assert ratio["values"] == pytest.approx([math.log(7 / 6), math.log(9 / 6)])
    with pytest.raises(ConfigError, match="no arm 'nope'"):
        judge_effect(Effect("m", "warm", "nope"), per_seed)


def test_a_spread_effect_is_bootstrapped_and_needs_three_seeds():
    wide = [0.0, 4.0, -4.0, 3.0, -3.0, 5.0]
    narrow = [0.0, 0.1, -0.1, 0.2, -0.2, 0.1]
    out = judge_effect(Effect("m", "none", "warm", kind="log_sd_ratio", min_effect=0.1), arms(none=wide, warm=narrow))
    assert out["interval"] == "bootstrap" and out["verdict"] == SUPPORTED
    assert out["estimate"] == pytest.approx(math.log(np.std(wide, ddof=1) / np.std(narrow, ddof=1)))
    few = judge_effect(Effect("m", "none", "warm", kind="log_sd_ratio"), arms(none=wide[:2], warm=narrow[:2]))
    assert few["verdict"] == INCONCLUSIVE and "at least 3" in few["reason"]


def test_a_claim_is_the_conjunction_of_its_deciding_effects():
    e = {"decides": True, "effect": "x", "reason": "r"}
    assert combine([{**e, "verdict": SUPPORTED}, {**e, "verdict": SUPPORTED}])[0] == SUPPORTED
    assert combine([{**e, "verdict": SUPPORTED}, {**e, "verdict": NOT_SUPPORTED}])[0] == NOT_SUPPORTED
    assert combine([{**e, "verdict": SUPPORTED}, {**e, "verdict": INCONCLUSIVE}])[0] == INCONCLUSIVE
    ignored = {**e, "verdict": NOT_SUPPORTED, "decides": False}
    assert combine([{**e, "verdict": SUPPORTED}, ignored])[0] == SUPPORTED


def test_judge_writes_what_results_json_promises():
    claim = Claim("C0", "b beats a", (Effect("m", "b", "a", min_effect=0.1), Effect("m", "b", "a", decides=False)))
    out = judge(claim, arms(a=[1.0, 1.0, 1.0], b=[2.0, 2.1, 1.9]))
    for key in ("estimate", "ci_low", "ci_high", "n", "direction", "min_effect", "verdict", "reason", "values"):
        assert key in out, key
    assert out["verdict"] == SUPPORTED and out["n"] == 3 and out["values"] == pytest.approx([1.0, 1.1, 0.9])
    assert len(out["effects"]) == 2 and "> 0, beyond 0.1" in out["criterion"]
    assert judge(Claim("C3", "maps differ", descriptive=True), {})["verdict"] == "descriptive"


def test_bad_effects_are_refused():
    with pytest.raises(ConfigError, match="direction"):
        Effect("m", "a", direction=2)
    with pytest.raises(ConfigError, match="absence"):
        Effect("m", "a", direction=1, absent=True)
    with pytest.raises(ConfigError, match="baseline"):
        Effect("m", "a", kind="log_ratio")


UP, DOWN, STRADDLE, FLAT = [1.0, 1.1, 0.9], [-1.0, -1.1, -0.9], [1.0, -1.0, 0.5], [0.01, -0.01, 0.0]


@pytest.mark.parametrize(
    "curve, expected",
    [
        ({1: STRADDLE, 2: UP, 4: UP}, (2, SUPPORTED)),  # settles once the interval leaves 0
        ({1: UP, 2: STRADDLE, 4: UP, 8: UP}, (4, SUPPORTED)),  # a verdict that comes back counts from its return
        ({1: UP, 2: DOWN, 4: DOWN}, (2, NOT_SUPPORTED)),  # the sign turns: the later verdict stands
        ({1: UP, 2: UP, 4: FLAT}, (4, NOT_SUPPORTED)),  # the effect fades into the band
        ({1: UP, 2: UP, 4: STRADDLE}, (None, None)),  # not settled at the longest length
        ({4: UP, 1: UP, 2: UP}, (1, SUPPORTED)),  # lengths in any order
        ({1: UP, 2: [0.5]}, (None, None)),  # one seed at the end: no interval, nothing settled
        ({}, (None, None)),
    ],
)
def test_settles_at_finds_where_the_verdict_stops_changing(curve, expected):
    assert settles_at(curve, direction=1, min_effect=0.1) == expected


def test_an_undecidable_claim_is_inconclusive_but_keeps_its_numbers():
    effect = Effect("m", "b", "a", +1, 0.1)
    values = arms(a=[0.0, 0.0, 0.0], b=[1.0, 1.1, 0.9])
    decided = judge(Claim("C", "b beats a", (effect,)), values)
    held = judge(Claim("C", "b beats a", (effect,), undecidable="needs 2M images"), values)
    assert decided["verdict"] == SUPPORTED and held["verdict"] == INCONCLUSIVE
    assert held["reason"].startswith("needs 2M images") and "supported" in held["reason"]
    assert held["estimate"] == decided["estimate"] and held["effects"] == decided["effects"]


@pytest.mark.parametrize(
    "settled, reasons",
    [
        (None, {"quick": "had not settled by 2,097,152", "full": "had not settled by 2,097,152"}),
        (65_536, {"quick": "", "full": ""}),
        (524_288, {"quick": "needs the full profile's length", "full": ""}),
        (2_097_152, {"quick": "longer than any profile trains", "full": "longer than any profile trains"}),
    ],
)
def test_c7_is_decided_only_where_the_bench_settled(monkeypatch, settled, reasons):
    from vaelab.tutorial.experiments import beta_disentangle as bd

    monkeypatch.setattr(bd, "SETTLED_IMAGES", settled)
    assert bd.images_per_run("quick") == 65_536 and bd.images_per_run("full") == 1_048_576
    for profile, reason in reasons.items():
        said = bd.undecidable(profile)
        assert (reason in said) if reason else said == ""


def test_c7s_settling_constants_are_what_the_committed_bench_says():
    """SETTLED_IMAGES is the longer of the MIG and FactorVAE settling lengths of beta 4 - beta 1 in
    bench/results/disentangle-curve.json (None when either has not settled), recomputed here by the rule."""
    import json
    from pathlib import Path

    from vaelab.tutorial.claims import settles_at
    from vaelab.tutorial.experiments import beta_disentangle as bd

    bench = json.loads((Path(__file__).parents[1] / "bench/results/disentangle-curve.json").read_text())
    assert bench["images_per_run"] == bd.BENCH_IMAGES
    effects = bench["settling"]["beta 4 - beta 1"]
    assert set(effects) == {"mig", "factor_vae"}
    lengths = []
    for effect in effects.values():
        curve = {int(k): v for k, v in effect["curve"].items()}
        assert all(len(v) == 3 for v in curve.values()) and max(curve) == bd.BENCH_IMAGES  # every seed, to the end
        images, _ = settles_at(curve, direction=+1, min_effect=0.05)
        assert images == effect["images"]
        lengths.append(images)
        estimate, low, high = t_interval(curve[bd.BENCH_IMAGES])
        assert f"{estimate:.3f} [{low:.3f}, {high:.3f}] at 2,097,152" in bd.BENCH_FINDING  # the page's numbers
    assert bd.SETTLED_IMAGES == (None if None in lengths else max(lengths))
