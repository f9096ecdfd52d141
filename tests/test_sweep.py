"""vaelab sweep: a grid file expands to checked configs, trains in worker processes, skips finished runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from vaelab.cli import main
from vaelab.errors import ConfigError
from vaelab.parallel.sweep import expand, read_sweep, run_name, summary_table
from vaelab.runs.factor_report import SCORE_KEYS
from vaelab.runs.state import RunState, run_state

BASE = {
    "data": {"dataset": "digits", "val_size": 100},
    "model": {"hidden": [32], "latent_dim": 2},
    "train": {"epochs": 1, "batch_size": 256},
}


def write(tmp_path, spec) -> str:
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(spec))
    return str(path)


def test_the_grid_expands_to_every_combination(tmp_path):
    spec = read_sweep(write(tmp_path, {"base": BASE, "grid": {"objective.beta": [1, 4], "train.seed": [0, 1, 2]}}))
    points = expand(spec)
    assert [name for name, _, _ in points][:2] == ["beta1-seed0", "beta1-seed1"] and len(points) == 6
    assert {(c.objective.beta, c.train.seed) for _, _, c in points} == {(b, s) for b in (1, 4) for s in (0, 1, 2)}
    assert all(c.model.latent_dim == 2 for _, _, c in points)  # the base applies to every point
    assert run_name({"model.hidden": [64, 32]}) == "hidden64x32"


@pytest.mark.parametrize(
    "spec, message",
    [
        ({"base": BASE, "grid": {"objective.betta": [1]}}, "did you mean 'beta'"),
        ({"base": BASE, "grid": {"objective.beta": 4}}, "must be a non-empty list"),
        ({"base": BASE, "grdi": {}}, "did you mean 'grid'"),
        ({"base": BASE, "grid": {"beta": [1]}}, "SECTION.FIELD"),
        ({"base": BASE, "grid": {"objective.beta": [-1]}}, "objective.beta"),
        ({"base": BASE, "grid": {"objective.beta": [1]}, "disentanglement": "huge"}, "tiny, quick, full, False"),
    ],
)
def test_a_bad_sweep_file_fails_before_anything_trains(tmp_path, spec, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        expand(read_sweep(write(tmp_path, spec)))
    assert not (tmp_path / "out").exists()


def test_sweep_trains_in_two_workers_then_skips_finished_runs(tmp_path, capsys):
    path = write(tmp_path, {"base": BASE, "grid": {"objective.beta": [0.5, 2.0]}, "workers": 2})
    out = tmp_path / "out"
    assert main(["sweep", path, "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trained"] == 2 and summary["workers"] == 2
    assert [r["run"] for r in summary["runs"]] == ["beta0.5", "beta2.0"]
    assert {r["objective.beta"] for r in summary["runs"]} == {0.5, 2.0}
    assert all(r["test_loss"] > 0 and (out / "runs" / r["run"] / "checkpoint").is_dir() for r in summary["runs"])
    assert "| run" in capsys.readouterr().out
    assert main(["sweep", path, "--out", str(out), "--quiet"]) == 0
    assert json.loads((out / "summary.json").read_text())["trained"] == 0  # finished runs are reused


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_run_names_itself_and_the_others_train_and_are_kept(tmp_path, capsys, workers):
    # digits has 1,500 training images: val_size 5000 passes the config check but fails as the run starts
    grid = {"data.val_size": [5000, 100], "train.seed": [0, 1]}
    path = write(tmp_path, {"base": BASE, "grid": grid, "workers": workers})
    out = tmp_path / "out"
    assert main(["sweep", path, "--out", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "2 of 4 runs failed (the others finished and are kept)" in err
    assert "valsize5000-seed0: ConfigError: --val-size" in err and "Traceback" not in err
    for name, _, cfg in expand(read_sweep(path)):  # the failing runs came first; the good ones still trained
        assert (run_state(out / "runs" / name, cfg) is RunState.FINISHED) == name.startswith("valsize100")


def test_a_sweep_on_factor_data_adds_the_disentanglement_scores(tmp_path):
    base = {
        "data": {"dataset": "dsprites-32", "subset": 256, "val_size": 50},
        "model": {"hidden": [32], "latent_dim": 3},
        "train": {"epochs": 1, "batch_size": 64},
    }
    path = write(tmp_path, {"base": base, "grid": {"objective.beta": [1]}, "workers": 1, "disentanglement": "tiny"})
    out = tmp_path / "out"
    assert main(["sweep", path, "--out", str(out), "--quiet"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    row = summary["runs"][0]
    assert all(isinstance(row[k], float) and 0 <= row[k] <= 1 for k in SCORE_KEYS), row
    header = summary_table(summary).splitlines()[0]
    assert all(k in header for k in SCORE_KEYS)


def test_the_summary_table_leaves_scores_blank_for_runs_off_factor_data():
    runs = [{"run": "digits", "test_loss": 1.5}, {"run": "dsprites", "test_loss": 2.5, "mig": 0.25}]
    lines = summary_table({"runs": runs}).splitlines()
    header, _, first, second = ([c.strip() for c in line.split("|")[1:-1]] for line in lines)
    assert header == ["run", "test_loss", "mig"]
    assert first == ["digits", "1.500", ""] and second == ["dsprites", "2.500", "0.250"]


def test_four_array_jobs_give_the_summary_of_one_sweep(tmp_path, capsys):
    """--list names the points, --only K trains one (K from $SLURM_ARRAY_TASK_ID when not given), --summarize
    builds the summary from what has finished: four such jobs give one `vaelab sweep`'s runs and losses."""
    path = write(tmp_path, {"base": BASE, "grid": {"objective.beta": [1, 4], "train.seed": [0, 1]}})
    whole, parts = tmp_path / "whole", tmp_path / "parts"
    assert main(["sweep", path, "--out", str(whole), "--workers", "1", "--quiet"]) == 0
    assert main(["sweep", path, "--out", str(parts), "--list"]) == 0
    listing = capsys.readouterr().out
    assert "| 3     | beta4-seed1 |" in listing and (parts / "configs" / "beta4-seed1.json").exists()
    assert not (parts / "runs").exists()  # listing trains nothing
    for index in range(4):  # each point in a process of its own, as an array job's task
        env = {**os.environ, "SLURM_ARRAY_TASK_ID": str(index)}
        args = ["--only"] if index == 2 else ["--only", str(index)]  # --only alone: the task id
        command = [sys.executable, "-m", "vaelab", "sweep", path, "--out", str(parts), "--quiet", *args]
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        if index == 1:  # half-way: the summary names what is not finished yet
            assert main(["sweep", path, "--out", str(parts), "--summarize"]) == 0
            assert "not finished yet: beta4-seed0, beta4-seed1" in capsys.readouterr().out
    assert main(["sweep", path, "--out", str(parts), "--summarize"]) == 0
    ours, theirs = (json.loads((d / "summary.json").read_text()) for d in (parts, whole))
    drop = lambda rows: [{k: v for k, v in r.items() if k != "train_seconds"} for r in rows]  # noqa: E731
    assert drop(ours["runs"]) == drop(theirs["runs"]) and ours["unfinished"] == [] and len(ours["runs"]) == 4
    assert main(["sweep", path, "--out", str(parts), "--only", "4"]) == 2
    assert "0 to 3 (got 4)" in capsys.readouterr().err
