"""The tutorial's experiments, run once in the tiny profile: every verdict follows the rule from the stored
per-seed numbers, paired arms differ only in what their claim is about, and the page shows it all."""

import html
import json
import shutil

import pytest
import torch
from PIL import Image

from vaelab.cli import main
from vaelab.tutorial.claims import judge
from vaelab.tutorial.context import Context
from vaelab.tutorial.profiles import DEFAULT_SEEDS
from vaelab.tutorial.registry import EXPERIMENTS
from vaelab.tutorial.report.html import page_order
from vaelab.tutorial.runner import context_for

# What each paired effect's two arms may differ in: the thing the claim is about, and nothing else.
DIFFERENCES = {
    "latent-kl": {"objective.beta"},
    "clusters": {"model.kind"},
    "blur": {"model.kind"},  # C5 compares the VAE with the real images, and its reconstructions with an AE's
    "kl-annealing": {"objective.kl_schedule", "objective.warmup_epochs"},
    "beta-disentangle": {"objective.beta"},
    "sparsity": {"objective.l1", "objective.sparsity_kl", "objective.sparsity_target"},
    "denoising": {"objective.corruption", "objective.noise"},
}


def results_of(folder):
    return {p.parent.name: json.loads(p.read_text()) for p in folder.glob("*/results.json")}


def flat(cfg: dict, prefix: str = "") -> dict:
    out = {}
    for k, v in cfg.items():
        out.update(flat(v, f"{prefix}{k}.") if isinstance(v, dict) else {f"{prefix}{k}": v})
    return out


def test_every_experiment_ran_with_paired_seeds(tiny_report):
    results = results_of(tiny_report)
    assert {r["experiment"] for r in results.values()} == set(EXPERIMENTS)
    for r in results.values():
        assert r["seeds"] == DEFAULT_SEEDS["tiny"] == len(r["seed_list"])
        deciding = {e[k] for c in r["claims"] for e in c["effects"] if e["decides"] for k in ("arm", "baseline")}
        for arm, seeds in r["per_seed"].items():
            got = sorted(map(int, seeds))
            assert got == r["seed_list"][: len(got)], (r["name"], arm)  # arms shown beside a claim: fewer
            if arm in deciding:
                assert got == r["seed_list"], (r["name"], arm)  # arms a verdict rests on: every seed


def test_every_verdict_follows_the_rule_from_the_stored_numbers(tiny_report):
    for r in results_of(tiny_report).values():
        ctx = context_for(EXPERIMENTS[r["experiment"]], Context(out=tiny_report, profile="tiny"))
        per_seed = {arm: {int(s): m for s, m in seeds.items()} for arm, seeds in r["per_seed"].items()}
        declared = EXPERIMENTS[r["experiment"]].claims(ctx)
        assert [c["id"] for c in r["claims"]] == [c.id for c in declared]
        for stored, claim in zip(r["claims"], declared):
            again = json.loads(json.dumps(judge(claim, per_seed), allow_nan=True).replace("NaN", "null"))
            assert stored["verdict"] == again["verdict"] and stored["reason"] == again["reason"], claim.id
            if stored["verdict"] != "descriptive":
                assert stored["n"] == r["seeds"] and stored["ci_low"] <= stored["estimate"] <= stored["ci_high"]


def test_paired_arms_differ_only_in_what_the_claim_is_about(tiny_report):
    for r in results_of(tiny_report).values():
        allowed = DIFFERENCES.get(r["experiment"])
        for claim in r["claims"]:
            for e in claim["effects"]:
                if e["baseline"] is None:
                    continue
                for a, b in zip(r["runs"][e["arm"]], r["runs"][e["baseline"]]):
                    fa, fb = flat(r["configs"][a]), flat(r["configs"][b])
                    differ = {k for k in fa if fa[k] != fb.get(k)}
                    assert differ and differ <= allowed, (r["name"], claim["id"], e["effect"], differ)


def test_figures_are_real_images(tiny_report):
    for r in results_of(tiny_report).values():
        assert r["figures"], r["name"]
        for fig in r["figures"]:
            with Image.open(tiny_report / r["name"] / fig["file"]) as img:
                assert img.format == "PNG" and min(img.size) >= 60, (r["name"], fig["file"], img.size)


def test_the_registry_order_is_the_claim_order_and_the_page_order(tiny_report):
    results = results_of(tiny_report)
    by_experiment = {r["experiment"]: name for name, r in results.items()}
    assert page_order(results) == [by_experiment[n] for n in EXPERIMENTS]
    ids = [c["id"] for n in EXPERIMENTS for c in results[by_experiment[n]]["claims"]]
    assert ids == ["C1", "C2", "C3", "C4", "C5", "C9a", "C9b", "C8", "C6a", "C6b", "C7"]


def test_an_experiment_keeps_its_own_seed_count_unless_the_user_gives_one(tmp_path):
    annealing = EXPERIMENTS["kl-annealing"]
    assert context_for(annealing, Context(out=tmp_path, profile="quick", seeds=3)).seeds == annealing.seeds["quick"]
    assert context_for(annealing, Context(out=tmp_path, profile="quick", seeds=2, seeds_given=True)).seeds == 2


def test_a_second_run_reuses_finished_runs(tmp_path):
    args = ["experiment", "generation", "--profile", "tiny", "--seeds", "1", "--out", str(tmp_path), "--quiet"]
    assert main(args) == 0
    model = next((tmp_path / "runs").glob("*/checkpoint/model.safetensors"))
    stamp = model.stat().st_mtime_ns
    assert main(args) == 0
    assert model.stat().st_mtime_ns == stamp
    assert main([*args, "--force"]) == 0
    assert model.stat().st_mtime_ns != stamp


@pytest.mark.parametrize("claim", ["C1", "C2", "C3", "C4", "C5", "C6a", "C6b", "C7", "C8", "C9a", "C9b"])
def test_the_page_shows_each_claim_with_its_interval(tiny_report, claim):
    page = (tiny_report / "index.html").read_text()
    assert f"<td>{claim}</td>" in page or f">{claim}</td>" in page
    assert "], n = 2" in page  # "estimate [low, high], n = seeds"
    stored = next(c for r in results_of(tiny_report).values() for c in r["claims"] if c["id"] == claim)
    start = page.index(f">{claim}</td>")
    first_row = page[start : page.index("</tr>", start)]
    assert f">{html.escape(stored['verdict'])}</span>" in first_row  # the claim's own verdict beside its id
    for e in stored["effects"]:
        assert html.escape(e["text"]) in page, (claim, e["effect"])  # "estimate [low, high], n = seeds"
        assert e["text"].endswith(f", n = {e['n']}"), e["text"]


def test_tutorial_writes_the_page(tiny_report):
    page = (tiny_report / "index.html").read_text()
    assert "evidence lower bound" in page and "generation/samples.png" in page
    assert 'src="assets/claims-effects.png"' in page
    with Image.open(tiny_report / "assets" / "claims-effects.png") as img:
        assert img.size[1] > 300  # one row per effect
    assert "outline" not in page.lower() and "draft" not in page.lower()
    md = (tiny_report / "tutorial.md").read_text()
    assert md.count("![") >= 10 and "], n = 2" in md
    for r in results_of(tiny_report).values():  # every figure an experiment made, on the page and in the text
        for fig in r["figures"]:
            assert f"{r['name']}/{fig['file']}" in page and f"{r['name']}/{fig['file']}" in md, fig["file"]


def test_beta_disentangle_scores_every_run_once_as_it_ends(tiny_report):
    from vaelab.runs.factor_scores import read_curve
    from vaelab.tutorial.experiments import beta_disentangle as bd

    r = results_of(tiny_report)["beta-disentangle-dsprites-32"]
    last = bd.EPOCHS["tiny"] * bd.EXAMPLES["tiny"]
    assert r["images_per_run"] == last and r["protocol"] == json.loads(json.dumps(bd.PROTOCOL["tiny"]))
    for arm, names in r["runs"].items():  # the verdict's measures are the one point scored as the run ended
        for name, seed in zip(names, r["seed_list"]):
            [end] = read_curve(tiny_report / "runs" / name)
            assert end["images"] == last and "mig_resolved" in end and "beta_vae" in end
            measured = r["per_seed"][arm][str(seed)]
            assert measured == {k: end[k] for k in measured}


def test_the_tutorial_trains_every_experiments_runs_in_one_pool_each_once(tmp_path, monkeypatch):
    from vaelab.runs.curve import Curve
    from vaelab.tutorial import run as tutorial

    calls = []
    monkeypatch.setattr(tutorial, "train_jobs", lambda jobs, *args, **kwargs: calls.append(jobs))
    ctx = tutorial.make_context(tmp_path, "tiny")
    tutorial.train_all([(name, ctx) for name in EXPERIMENTS], ctx)
    [jobs] = calls  # one pool for every experiment
    folders = [folder for _, folder, _ in jobs]
    assert len(folders) == len(set(folders))
    assert sum(f.name.startswith("vae-z20-seed0-") for f in folders) == 1  # four experiments share it
    hooks = {f.name.split("-seed")[0]: hook for _, f, hook in jobs}
    assert isinstance(hooks["dsprites-beta4"], Curve) and hooks["vae-z20"] is None  # hooks go with runs


def test_measuring_side_by_side_gives_what_measuring_in_turn_gives(tiny_report, tmp_path):
    """The tutorial measures its experiments in two processes (the page above was made so): measuring them
    one after the other in this process gives the same numbers and verdicts."""
    from vaelab.tutorial.run import make_context, measure_all

    out = tmp_path / "again"
    shutil.copytree(tiny_report, out)
    jobs = [(name, make_context(out, "tiny", quiet=True)) for name in ("generation", "sparsity", "denoising")]
    measure_all(jobs, quiet=True, workers=1)
    side_by_side, in_turn = results_of(tiny_report), results_of(out)
    for name, _ in jobs:
        assert in_turn[name]["claims"] == side_by_side[name]["claims"]
        for arm, seeds in side_by_side[name]["per_seed"].items():
            for seed, measures in seeds.items():
                assert in_turn[name]["per_seed"][arm][seed] == pytest.approx(measures, rel=1e-6, nan_ok=True)


def test_processes_asking_for_one_classifier_train_it_once(tiny_dataset, tmp_path, monkeypatch):
    """classifier_for holds a lock while it trains: a second caller waits and reads the first one's."""
    import threading
    import time

    from vaelab.evaluation import feature_classifier

    trained, real = [], feature_classifier.train_classifier

    def slow(*args, **kwargs):
        trained.append(1)
        time.sleep(0.5)  # the other caller arrives while this one trains
        return real(*args, **kwargs)

    monkeypatch.setattr(feature_classifier, "train_classifier", slow)
    got = []

    def ask():
        got.append(feature_classifier.classifier_for(tiny_dataset, torch.device("cpu"), tmp_path, epochs=1))

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(trained) == 1 and len(got) == 2
    assert got[0].test_accuracy == got[1].test_accuracy
