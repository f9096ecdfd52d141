"""The verdict rule and its intervals, on synthetic per-seed numbers with known answers."""

import math

import numpy as np
import pytest

from vaelab.errors import ConfigError
from vaelab.evaluation.stats import bootstrap_interval, holm, min_detectable_effect, t_interval, t_test_p
from vaelab.tutorial.claims import Claim, Effect, every_effect, judge, judge_effect
from vaelab.tutorial.rule import (
    CONTRADICTED,
    INCONCLUSIVE,
    NO_EFFECT,
    SUPPORTED,
    apply_rule,
    criterion_text,
    holm_verdicts,
    settles_at,
    verdict_p,
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
        ([-1.0, -1.1, -0.9], {"direction": 1, "min_effect": 0.1}, CONTRADICTED),  # the other side
        ([0.01, -0.01, 0.0], {"direction": 1, "min_effect": 0.1}, NO_EFFECT),  # inside the band
        ([1.0, -1.0, 0.5], {"direction": 1, "min_effect": 0.1}, INCONCLUSIVE),  # straddles 0
        ([1.0], {"direction": 1, "min_effect": 0.1}, INCONCLUSIVE),  # one seed
        ([-1.0, -1.1, -0.9], {"direction": -1, "min_effect": 0.1}, SUPPORTED),
        ([1.0, 1.1, 0.9], {"direction": -1, "min_effect": 0.1}, CONTRADICTED),
        ([-1.0, -1.1, -0.9], {"direction": 0, "min_effect": 0.1}, SUPPORTED),  # two-sided
        ([0.01, -0.01, 0.0], {"direction": 0, "min_effect": 0.1}, NO_EFFECT),
        ([1.0, -1.0, 0.5], {"direction": 0, "min_effect": 0.1}, INCONCLUSIVE),
        ([0.01, -0.01, 0.0], {"direction": 0, "absent": True, "min_effect": 0.1}, SUPPORTED),  # predicted absent
        ([1.0, 1.1, 0.9], {"direction": 0, "absent": True, "min_effect": 0.1}, CONTRADICTED),
        ([0.0, 0.5, -0.3], {"direction": 0, "absent": True, "min_effect": 0.1}, INCONCLUSIVE),
    ],
)
def test_the_rule_reaches_each_verdict(values, effect, expected):
    assert verdict_of(values, **effect) == expected


def test_a_significant_effect_inside_the_band_is_no_effect():
    # every seed positive, so the CI is above 0, but all of it lies below the smallest effect that matters
    assert verdict_of([0.020, 0.021, 0.022], direction=1, min_effect=0.05) == NO_EFFECT
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


def test_every_effect_is_the_conjunction_shown_beside_the_primary_verdict():
    def rows(*verdicts):
        return [{"verdict": v} for v in verdicts]

    assert every_effect(rows(SUPPORTED, SUPPORTED)) == SUPPORTED
    assert every_effect(rows(SUPPORTED, CONTRADICTED, NO_EFFECT)) == CONTRADICTED
    assert every_effect(rows(SUPPORTED, NO_EFFECT)) == NO_EFFECT
    assert every_effect(rows(SUPPORTED, INCONCLUSIVE)) == INCONCLUSIVE


def test_a_claims_verdict_is_its_primary_effects_and_a_claim_has_exactly_one():
    primary, other = Effect("m", "b", "a", +1, 0.1), Effect("m", "b", "a", -1, 0.1, decides=False)
    out = judge(
        Claim("C", "b beats a", (primary, other), scope="digits, 2 epochs"), arms(a=[0.0] * 3, b=[1.0, 1.1, 0.9])
    )
    assert out["verdict"] == SUPPORTED and out["effects"][1]["verdict"] == CONTRADICTED
    assert out["every_effect"] == CONTRADICTED and out["scope"] == "digits, 2 epochs"
    with pytest.raises(ConfigError, match="one primary effect"):
        Claim("C", "two primaries", (primary, primary))
    with pytest.raises(ConfigError, match="one primary effect"):
        Claim("C", "none", (other,))


def test_the_criterion_text_is_the_rule_at_its_boundary():
    # [0.01, 0.06] with m = 0.05: above 0 and not inside +-0.05, so supported, as the criterion says
    assert apply_rule(0.035, 0.01, 0.06, 3, +1, 0.05)[0] == SUPPORTED
    assert apply_rule(0.025, 0.01, 0.04, 3, +1, 0.05)[0] == NO_EFFECT
    assert criterion_text(+1, 0.05) == "95% CI above 0, and not inside +-0.05"
    assert criterion_text(0, 0.1, absent=True) == "95% CI inside +-0.1"
    claim = Claim("C", "b beats a", (Effect("m", "b", "a", +1, 0.05, label="m: b - a"),))
    assert judge(claim, arms(a=[0.0] * 3, b=[0.02, 0.03, 0.05]))["criterion"].startswith("m: b - a: 95% CI above 0")


@pytest.mark.parametrize("seed", range(40))
def test_each_verdicts_p_value_is_below_alpha_exactly_when_the_interval_gives_it(seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(rng.normal(0, 0.1), rng.uniform(0.01, 0.2), size=int(rng.integers(2, 8)))
    for direction, absent in ((1, False), (-1, False), (0, False), (0, True)):
        estimate, low, high = t_interval(values)
        verdict = apply_rule(estimate, low, high, len(values), direction, 0.05, absent)[0]
        p = verdict_p(values, verdict, direction, 0.05, absent)
        assert math.isnan(p) if verdict == INCONCLUSIVE else p < 0.05, (verdict, p, values)


def test_t_test_holm_and_detectable_effect_known_answers():
    # mean 2, sd 1, n 3: t = 2 sqrt(3) = 3.4641, two-sided p = 0.07418 (scipy.stats.ttest_1samp)
    assert t_test_p([1.0, 2.0, 3.0]) == pytest.approx(0.074180, abs=1e-6)
    assert t_test_p([1.0, 2.0, 3.0], alternative="greater") == pytest.approx(0.037090, abs=1e-6)
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])  # 3 x 0.01, 2 x 0.03, then monotone
    assert holm([0.2, math.nan])[0] == 0.2 and math.isnan(holm([0.2, math.nan])[1])
    # n 5, sd 1: (t_{0.975, 4} + t_{0.8, 4}) / sqrt(5) = (2.776445 + 0.940965) / 2.236068
    assert min_detectable_effect(1.0, 5) == pytest.approx((2.776445 + 0.940965) / math.sqrt(5), abs=1e-5)
    weak, weaker = {"verdict": SUPPORTED, "p_value": 0.03}, {"verdict": NO_EFFECT, "p_value": 0.04}
    strong = {"verdict": SUPPORTED, "p_value": 0.001}
    # 0.001 x 3 = 0.003; 0.03 x 2 = 0.06 and 0.04 x 1, raised to 0.06: only the strong verdict survives
    assert holm_verdicts([weak, strong, weaker]) == [INCONCLUSIVE, SUPPORTED, INCONCLUSIVE]
    assert holm_verdicts([weak, strong]) == [SUPPORTED, SUPPORTED]  # 0.03 x 1 after 0.001 x 2
    # an inconclusive claim counts in the family with p = 1: 0.03 x 2 = 0.06
    assert holm_verdicts([weak, {"verdict": INCONCLUSIVE, "p_value": None}]) == [INCONCLUSIVE, INCONCLUSIVE]
    assert holm_verdicts([strong, {"verdict": INCONCLUSIVE, "p_value": math.nan}]) == [SUPPORTED, INCONCLUSIVE]


def test_an_inconclusive_claim_says_what_its_seeds_could_detect():
    out = judge(Claim("C", "b beats a", (Effect("m", "b", "a", +1, 0.1),)), arms(a=[0.0] * 3, b=[1.0, -1.0, 0.5]))
    assert out["verdict"] == INCONCLUSIVE and math.isnan(out["p_value"])
    assert out["detectable"] == pytest.approx(min_detectable_effect(float(np.std([1.0, -1.0, 0.5], ddof=1)), 3))


def test_judge_writes_what_results_json_promises():
    claim = Claim("C0", "b beats a", (Effect("m", "b", "a", min_effect=0.1), Effect("m", "b", "a", decides=False)))
    out = judge(claim, arms(a=[1.0, 1.0, 1.0], b=[2.0, 2.1, 1.9]))
    for key in ("estimate", "ci_low", "ci_high", "n", "direction", "min_effect", "verdict", "reason", "values"):
        assert key in out, key
    assert out["verdict"] == SUPPORTED and out["n"] == 3 and out["values"] == pytest.approx([1.0, 1.1, 0.9])
    assert len(out["effects"]) == 2 and "95% CI above 0, and not inside +-0.1" in out["criterion"]
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
        ({1: UP, 2: DOWN, 4: DOWN}, (2, CONTRADICTED)),  # the sign turns: the later verdict stands
        ({1: UP, 2: UP, 4: FLAT}, (4, NO_EFFECT)),  # the effect fades into the band
        ({1: UP, 2: UP, 4: STRADDLE}, (None, None)),  # not settled at the longest length
        ({4: UP, 1: UP, 2: UP}, (1, SUPPORTED)),  # lengths in any order
        ({1: UP, 2: [0.5]}, (None, None)),  # one seed at the end: no interval, nothing settled
        ({}, (None, None)),
    ],
)
def test_settles_at_finds_where_the_verdict_stops_changing(curve, expected):
    assert settles_at(curve, direction=1, min_effect=0.1) == expected
