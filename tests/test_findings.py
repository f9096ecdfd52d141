"""The 'what we saw' sentences that read the numbers: each says what the numbers given say, and changes or
disappears when they say otherwise."""

from __future__ import annotations

import math

from vaelab.tutorial.report.claims_view import forest_rows, glance_html
from vaelab.tutorial.report.findings import FINDINGS
from vaelab.tutorial.report.provenance import try_command
from vaelab.tutorial.report.words import verdict


def metrics(values: dict[str, float]) -> dict:
    return {"metrics": {key: {"mean": v} for key, v in values.items()}}


def blur_results(gaussian_log_ratio: float, gaussian_frechet: float) -> dict:
    return metrics(
        {
            "log_sharpness_real_over_samples[VAE Bernoulli, beta 1]": 1.0,
            "frechet_samples[VAE Bernoulli, beta 1]": 185.0,
            "log_sharpness_real_over_samples[VAE Gaussian sigma 0.1]": gaussian_log_ratio,
            "frechet_samples[VAE Gaussian sigma 0.1]": gaussian_frechet,
        }
    )


def test_noisy_gaussian_samples_are_called_noise_only_when_sharper_and_farther_from_digits():
    text = FINDINGS["blur"](blur_results(0.1, 394.0))
    assert "farthest from digits by the Frechet distance (394 against 185" in text and "1.1 times" in text
    assert (
        "sigma = 0.1 the squared error is weighted 50 times, as if the KL term had a weight of 2 sigma^2 = 0.02" in text
    )
    assert "speckle" not in FINDINGS["blur"](blur_results(1.2, 394.0))  # blurrier than the Bernoulli VAE's
    assert "speckle" not in FINDINGS["blur"](blur_results(0.1, 150.0))  # nearer to digits


def test_the_annealing_paragraph_says_whether_the_code_collapsed():
    def text(kl_none: float) -> str:
        return FINDINGS["kl-annealing"](metrics({"kl[none]": kl_none, "kl[linear warm-up]": 8.0}))

    assert "Neither arm collapsed: even without the warm-up the code kept 7.76 nats" in text(7.76)
    assert "the code collapsed: 0.300 nats" in text(0.3) and "Neither" not in text(0.3)


def test_the_annealing_paragraph_names_the_free_bits_floor_it_was_given():
    results = {
        **metrics({"kl[none]": 5.0, "kl[linear warm-up]": 6.0, "kl[cyclical]": 11.1, "kl[free bits]": 9.0}),
        "arms": {"free bits": {"objective": {"free_bits": 0.25}}},
    }
    assert "below 0.25 nats) with 9.00" in FINDINGS["kl-annealing"](results)


def test_the_beta_paragraph_names_beta_and_which_way_the_other_scores_went():
    lower = {"factor_vae": (0.48, 0.34), "beta_vae": (0.73, 0.66), "dci_d": (0.079, 0.047), "mig": (0.04, 0.03)}
    values = {f"{k}[beta = {b}]": v[i] for k, v in lower.items() for i, b in enumerate((1, 4))}
    text = FINDINGS["beta-disentangle"]({**metrics(values), "images_per_run": 262_144})
    assert "β = 1 and β = 4 were trained on dSprites, 262,144 freshly" in text and "both near 0" in text
    assert "Every other score was lower at β = 4 than at β = 1: FactorVAE score 0.48 → 0.34" in text
    mixed = FINDINGS["beta-disentangle"](metrics({**values, "dci_d[beta = 4]": 0.2, "mig[beta = 4]": 0.3}))
    assert "moved both ways from β = 1 to β = 4" in mixed and "both near 0" not in mixed


def test_try_it_suggests_more_seeds_than_the_page_used_in_its_profile():
    command, what = try_command({"experiment": "denoising", "seeds": 5, "profile": "full"})
    assert "--profile full --seeds 7" in command and what.startswith("7 seeds per arm instead of 5")
    command, _ = try_command({"experiment": "clusters", "seeds": 5, "profile": "quick"})
    assert "--profile quick --dataset fashion-mnist" in command


def test_a_log_ratio_verdict_is_also_said_as_times():
    effect = {"effect": "x, log(a / b)", "kind": "log_ratio", "estimate": math.log(3), "ci_low": 1.0, "ci_high": 1.2}
    text = verdict({"verdict": "supported", "effects": [effect]})
    assert "a natural-log ratio: 3.0 times" in text
    plain = verdict({"verdict": "supported", "effects": [{**effect, "kind": "difference", "effect": "x"}]})
    assert "times" not in plain


def claim(cid: str, direction: int, absent: bool = False, estimate: float = 0.5) -> dict:
    effect = {"effect": "e", "estimate": estimate, "ci_low": estimate - 0.1, "ci_high": estimate + 0.1}
    effect.update(direction=direction, absent=absent, min_effect=0.1, verdict="supported", decides=True)
    return {"id": cid, "claim": "c", "verdict": "supported", "effects": [effect], "p_value": 1e-6}


def test_the_forest_marks_effects_without_a_predicted_side():
    rows = forest_rows([claim("A", +1), claim("B", 0), claim("C", 0, absent=True), claim("D", -1)])
    assert [r["label"] for r in rows[1:3]] == ["B · e (either side)", "C · e (none predicted)"]
    assert rows[0]["label"] == "A · e" and rows[3]["estimate"] == -5.0  # a predicted fall points right


def test_the_summary_says_when_holms_correction_changes_no_verdict(tmp_path):
    claims = [claim("A", +1), claim("B", +1)]
    for c in claims:
        c["effects"][0]["p_value"] = c["p_value"]
    page = glance_html(claims, tmp_path, lambda *a: "")
    assert "Holm's correction across the page's 2 judged claims changes none of their verdicts" in page


def test_a_table_lists_what_its_measures_mean_once_each():
    from vaelab.tutorial.report.html import table_html

    table = {"columns": ["measure", "a"], "rows": [["hoyer", "0.3"], ["hoyer", "0.4"], ["not a measure", "1"]]}
    html = table_html(table)
    assert "What the rows measure" in html and html.count("<dt>hoyer</dt>") == 1 and "not a measure</dt>" not in html
    assert "glossary" not in table_html({"columns": ["x"], "rows": [["plain"]]})


def test_a_descriptive_claims_effects_carry_no_verdict():
    from vaelab.tutorial.report.claims_view import claim_markdown, claims_html

    shown = {**claim("C3", +1), "verdict": "descriptive", "reason": "descriptive: shown, not judged"}
    assert "supported" not in claims_html([shown]) and "supported" not in claim_markdown(shown)
    assert claims_html([claim("C1", +1)]).count("supported") == 2  # the effect's and the claim's


def test_a_long_forest_label_is_cut_at_a_word():
    from vaelab.tutorial.report.claims_view import shorten

    assert shorten("short label") == "short label"
    cut = shorten("C5 · is the blur the VAE's? reconstructions' blur, VAE - plain AE with the same network and seeds")
    assert cut.endswith("same network…") and len(cut) <= 91


def test_a_supported_verdict_whose_estimate_is_inside_the_band_says_so():
    e = {"effect": "kl", "estimate": 0.999, "ci_low": 0.3, "ci_high": 1.7, "min_effect": 1.0, "n": 6}
    assert "below the smallest effect that matters" in verdict({"verdict": "supported", "effects": [e]})
    assert "below the smallest" not in verdict({"verdict": "supported", "effects": [{**e, "estimate": 1.2}]})
    absent = verdict({"verdict": "supported", "effects": [{**e, "estimate": 0.01, "absent": True}]})
    assert "lies inside the band" in absent and "below the smallest" not in absent
