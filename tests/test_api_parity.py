"""Python parity with the CLI: `log=` streams as `--log` does, callbacks see every step and epoch and can stop
training, early stopping (`early_stop=`, `--early-stop`) stops on a plateau and keeps the best weights, and
vaelab.sweep / experiment / run_tutorial call what their commands call with the same arguments."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

import vaelab
from vaelab.cli import main
from vaelab.errors import CheckpointError, ConfigError
from vaelab.runs.callbacks import UserCallbacks
from vaelab.runs.state import RunState, run_state
from vaelab.runs.tracking.config import TrackingConfig
from vaelab.training.checkpoint import read_state
from vaelab.tutorial import run as tutorial_run

from .test_tracking import events, history, metrics, mlflow_runs

TINY = {"dataset": "digits", "hidden": (32,), "latent_dim": 2, "val_size": 100, "batch_size": 256, "quiet": True}
FLAT = {**TINY, "lr": 1e-30, "epochs": 5}  # lr > 0 is required; at 1e-30 no weight moves: val loss never improves


class Recorder(vaelab.Callback):
    """Every step and epoch it is called with; the weights after each epoch; stops after step `stop_at`."""

    def __init__(self, stop_at: int = 0):
        self.steps, self.terms, self.records, self.weights, self.stop_at = [], [], [], {}, stop_at

    def on_step_end(self, step, terms):
        self.steps.append(step)
        self.terms.append({k: tuple(v.shape) for k, v in terms.items()})
        return step == self.stop_at

    def on_epoch_end(self, run, record):
        self.records.append(record)
        self.weights[record["epoch"]] = {k: v.clone() for k, v in run.model.state_dict().items()}


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def python(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_import_vaelab_does_not_import_torch_and_type_checkers_see_the_api():
    names = ["Callback", "Run", "experiment", "load", "resume", "run_tutorial", "sweep", "train"]
    listed = python("import sys, vaelab; print('torch' in sys.modules, sorted(set(vaelab.__all__) - {'__version__'}))")
    assert listed == f"False {names}\n"
    # as a type checker reads it: the `if TYPE_CHECKING:` block's imports bind every name, as __getattr__ does
    tree = ast.parse(Path(vaelab.__file__).read_text())
    [block] = [n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]
    seen: dict = {}
    exec(compile(ast.Module(block.body, []), vaelab.__file__, "exec"), seen)  # noqa: S102 - vaelab's own imports
    assert {name: seen[name] for name in names} == {name: getattr(vaelab, name) for name in names}


def test_log_streams_to_tensorboard_and_mlflow_as_the_flag_does(tmp_path):
    mlruns = tmp_path / "mlruns"
    run = vaelab.train(
        out=tmp_path / "run", epochs=2, log=TrackingConfig(("tensorboard", "mlflow"), str(mlruns)), **TINY
    )
    written = metrics(run.path)
    assert [(s.step, s.value) for s in events(run.path).Scalars("train/loss")] == [
        (r["epoch"], pytest.approx(r["loss"])) for r in written
    ]
    [logged] = mlflow_runs(mlruns.as_uri())
    assert logged.info.run_name == "run" and logged.info.status == "FINISHED"
    assert history(mlruns.as_uri(), logged.info.run_id, "val/loss") == [
        (r["epoch"], pytest.approx(r["val_loss"])) for r in written
    ]
    with pytest.raises(ConfigError, match="tracking.log must be one of tensorboard, mlflow"):
        vaelab.train(out=tmp_path / "no", log="wandb", **TINY)
    assert not (tmp_path / "no").exists()


def test_callbacks_see_every_step_and_every_epoch_and_can_stop(tmp_path):
    seen = Recorder()
    run = vaelab.train(out=tmp_path / "run", epochs=2, callbacks=[seen], **TINY)
    written = metrics(run.path)
    assert seen.steps == list(range(1, written[-1]["step"] + 1)) and written[0]["step"] < written[-1]["step"]
    assert seen.records == written and [r["epoch"] for r in seen.records] == [1, 2]
    assert {"loss", "recon", "kl"} <= set(seen.terms[0]) and seen.terms[0]["loss"] == (256,)
    with pytest.raises(CheckpointError, match="has no best weights"):  # kept with early_stop only
        vaelab.load(run.path, best=True)
    stopper = Recorder(stop_at=2)  # asks at step 2: the epoch ends, then training
    stopped = vaelab.train(out=tmp_path / "stopped", epochs=3, callbacks=[stopper], **TINY)
    assert [r["epoch"] for r in stopped.metrics] == [1] and stopped.metrics[0]["step"] > 2
    assert stopper.steps == list(range(1, stopped.metrics[0]["step"] + 1))
    assert read_state(stopped.path)["finished"] and run_state(stopped.path, stopped.config) is RunState.FINISHED


def test_a_callback_without_on_step_end_costs_no_call_per_step(tmp_path):
    class EpochsOnly(vaelab.Callback):
        def on_epoch_end(self, run, record):
            return None

    assert UserCallbacks((EpochsOnly(),))(None, tmp_path).on_step is None  # the trainer's `on_step is None` check
    assert UserCallbacks((Recorder(),))(None, tmp_path).on_step is not None
    with pytest.raises(ConfigError, match="has neither on_step_end nor on_epoch_end"):
        vaelab.train(out=tmp_path / "bad", callbacks=[object()], **TINY)
    assert not (tmp_path / "bad").exists()


def test_early_stopping_stops_on_a_plateau_and_the_run_counts_as_finished(tmp_path, capsys):
    run = vaelab.train(out=tmp_path / "flat", early_stop=1, **FLAT)
    assert [r["epoch"] for r in metrics(run.path)] == [1, 2]  # epoch 2 did not beat epoch 1: patience 1 is out
    best = read_state(run.path, "best")
    assert best["epoch"] == 1 and best["val_loss"] == metrics(run.path)[0]["val_loss"]
    state = read_state(run.path)
    assert state["finished"] and state["epoch"] == 2 and run_state(run.path, run.config) is RunState.FINISHED
    again = vaelab.resume(run.path, quiet=True)  # nothing left to train
    assert [r["epoch"] for r in again.metrics] == [1, 2] and read_state(run.path)["sha256"] == state["sha256"]
    cli = tmp_path / "cli"
    flags = ["--dataset", "digits", "--val-size", "100", "--hidden", "32", "--latent-dim", "2", "--lr", "1e-30"]
    assert main(["train", *flags, "--epochs", "5", "--early-stop", "2", "--out", str(cli), "--quiet"]) == 0
    assert [r["epoch"] for r in metrics(cli)] == [1, 2, 3] and read_state(cli, "best")["epoch"] == 1
    assert main(["train", *flags, "--val-size", "0", "--early-stop", "2", "--out", str(tmp_path / "x")]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "vaelab: error: --early-stop watches the validation loss: it needs --val-size > 0"
    with pytest.raises(ConfigError, match=r"^train.early_stop watches the validation loss: it needs data.val_size"):
        vaelab.train(out=tmp_path / "y", early_stop=1, **{**TINY, "val_size": 0})


def test_early_stopping_keeps_the_best_epochs_weights(tmp_path):
    seen = Recorder()  # at lr 0.03 the validation loss turns up after a few epochs (on the CPU, bitwise)
    settings = {**TINY, "batch_size": 64, "hidden": (64,), "latent_dim": 4, "lr": 0.03, "epochs": 8}
    run = vaelab.train(out=tmp_path / "run", early_stop=2, callbacks=[seen], **settings)
    losses = [r["val_loss"] for r in metrics(run.path)]
    best, last = losses.index(min(losses)) + 1, len(losses)
    assert best < last == best + 2 < 8 and read_state(run.path, "best")["epoch"] == best
    assert same_weights(vaelab.load(run.path, best=True).model.state_dict(), seen.weights[best])
    assert same_weights(vaelab.load(run.path).model.state_dict(), seen.weights[last])
    assert not same_weights(seen.weights[best], seen.weights[last])
    # killed in the epoch after the best (before its checkpoint), then resumed: the same stop, the same best
    with pytest.raises(RuntimeError, match="killed"):
        vaelab.train(out=tmp_path / "again", early_stop=2, callbacks=[Killer(best + 1)], **settings)
    again = vaelab.resume(tmp_path / "again", quiet=True)
    assert [without_time(r) for r in again.metrics] == [without_time(r) for r in run.metrics]
    assert same_weights(vaelab.load(again.path, best=True).model.state_dict(), seen.weights[best])


class Killer(vaelab.Callback):
    def __init__(self, epoch: int):
        self.epoch = epoch

    def on_epoch_end(self, run, record):
        if record["epoch"] == self.epoch:
            raise RuntimeError("killed")


def without_time(record: dict) -> dict:
    return {k: v for k, v in record.items() if k not in ("seconds", "val_seconds")}


def test_sweep_returns_the_summary_the_command_writes(tmp_path):
    spec = {
        "base": {"data": {"dataset": "digits", "val_size": 100}, "model": {"hidden": [32], "latent_dim": 2}},
        "grid": {"train.seed": [0, 1]},
    }
    spec["base"]["train"] = {"epochs": 1, "batch_size": 256}
    summary = vaelab.sweep(spec, out=tmp_path / "sweep", workers=1, quiet=True)
    assert summary == json.loads((tmp_path / "sweep" / "summary.json").read_text())
    assert [r["run"] for r in summary["runs"]] == ["seed0", "seed1"] and summary["trained"] == 2
    assert summary["sweep"] == spec and all(r["test_loss"] > 0 for r in summary["runs"])
    with pytest.raises(ConfigError, match="backend must be one of local, ray"):
        vaelab.sweep(spec, out=tmp_path / "sweep", backend="slurm")


def test_experiment_and_tutorial_pass_what_their_commands_pass(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    calls = []

    def fake_experiment(name, ctx):
        calls.append((name, ctx))
        (tmp_path / "results.json").write_text('{"claims": []}')
        return tmp_path / "results.json"

    monkeypatch.setattr(tutorial_run, "run_experiment", fake_experiment)
    monkeypatch.setattr(tutorial_run, "run_tutorial", lambda out, **kw: calls.append((out, kw)) or Path(out))
    options = ["--backend", "ray", "--log", "tensorboard", "--log", "mlflow", "--mlflow-uri", "store", "--quiet"]
    out = str(tmp_path / "out")
    assert main(["experiment", "generation", "--out", out, "--workers", "1", *options]) == 0
    log = {"log": TrackingConfig(("tensorboard", "mlflow"), "store")}
    result = vaelab.experiment("generation", out=out, backend="ray", **log)
    assert result["claims"] == [] and calls[0] == calls[1] and calls[1][1].ray is not None
    assert calls[1][1].tracking.log == ("tensorboard", "mlflow")
    assert main(["tutorial", "--out", out, "--profile", "tiny", *options]) == 0
    assert vaelab.run_tutorial(out=out, profile="tiny", backend="ray", quiet=True, **log) == Path(out)
    assert calls[2] == calls[3] and calls[3][1]["ray"] is not None and calls[3][1]["tracking"].mlflow_uri == "store"
