"""Smoke tests: each experiment runs end to end in its tiny profile and writes what the report reads."""

import json

import pytest

from vaelab.cli import main
from vaelab.experiments.registry import EXPERIMENTS
from vaelab.report.content import EXPERIMENT_ORDER


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_experiment_runs_in_tiny_profile(name, tmp_path):
    assert (
        main(
            [
                "experiment",
                name,
                "--profile",
                "tiny",
                "--seeds",
                "1",
                "--out",
                str(tmp_path),
                "--quiet",
                "--workers",
                "1",
            ]
        )
        == 0
    )
    results = json.loads((tmp_path / name / "results.json").read_text())
    assert results["name"] == name and results["metrics"]
    for fig in results["figures"]:
        assert (tmp_path / name / fig["file"]).stat().st_size > 500, fig["file"]
    for c in results["claims"]:
        assert c["verdict"] in {"supported", "not supported", "inconclusive", "descriptive"}


def test_a_second_run_reuses_finished_runs(tmp_path):
    args = ["experiment", "generation", "--profile", "tiny", "--seeds", "1", "--out", str(tmp_path), "--quiet"]
    assert main(args) == 0
    model = next((tmp_path / "runs").glob("*/checkpoint/model.safetensors"))
    stamp = model.stat().st_mtime_ns
    assert main(args) == 0
    assert model.stat().st_mtime_ns == stamp
    assert main([*args, "--force"]) == 0
    assert model.stat().st_mtime_ns != stamp


def test_tutorial_writes_the_page(tiny_report):
    page = (tiny_report / "index.html").read_text()
    assert "evidence lower bound" in page and "generation/samples.png" in page
    assert page.count("has not run yet") == len([n for n in EXPERIMENT_ORDER if n not in EXPERIMENTS])
    for claim in ("C1", "C2", "C3", "C4", "C5", "C6a", "C6b", "C8", "C9"):
        assert f"<td>{claim}</td>" in page, claim
    assert (tiny_report / "tutorial.md").read_text().count("![") >= 10
