"""Preemption and restarts, with real processes: SIGTERM and SIGUSR1 (a scheduler's signals) stop a run as
Ctrl-C does, with a checkpoint and the shell's exit code for the signal; `--resume`, or the same command
again, ends with weights bitwise equal to an uninterrupted run. `vaelab train --out` on a folder that holds
a run continues it, leaves it (finished), refuses it (other settings) or, with --force, retrains it."""

import json
import os
import random
import re
import shutil
import signal
import time

import pytest

from vaelab.cli import main
from vaelab.config import from_dict
from vaelab.errors import ConfigError, VaelabError
from vaelab.runs.state import RunState, run_state
from vaelab.training import sigint
from vaelab.training.config import RunConfig, TrainConfig
from vaelab.training.sigint import StopFlag, StopNow

from . import test_resume
from .builders import train_flags
from .test_resume import ARGS, KILL_SEED, start, vaelab, wait_for_checkpoint, weights

reference = test_resume.reference  # the fixture: an uninterrupted run's weights, trained once for this module
LOUD = [a for a in ARGS if a != "--quiet"]  # the same command, saying what it does
SMALL = train_flags(dataset="digits", subset=None, val_size=100, hidden=32, latent_dim=2, epochs=1, quiet=False)


def checkpoint_state(run) -> dict:
    return json.loads((run / "checkpoint" / "state.json").read_text())


@pytest.mark.parametrize("again", ["resume", "same command"])
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGUSR1], ids=["SIGTERM", "SIGUSR1"])
def test_a_stop_signal_saves_exits_128_plus_it_and_the_run_continues_bitwise(reference, tmp_path, signum, again):
    run = tmp_path / "run"
    proc = start(run)
    wait_for_checkpoint(run, proc)
    moment = random.Random(KILL_SEED + signum).uniform(0.0, 0.8)  # replay a failure with VAELAB_KILL_SEED
    time.sleep(moment)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    name, where = signal.Signals(signum).name, f"{moment:.3f} s after the first checkpoint (seed {KILL_SEED})"
    assert proc.returncode == 128 + signum, f"{where}: {err}"
    assert f"interrupted by {name}" in err and f"vaelab train --resume {run}" in err
    assert len(err.strip().splitlines()) == 1
    state = checkpoint_state(run)  # the checkpoint of the step the message names, mid-epoch, unfinished
    assert f"step {state['step']};" in err and state["batch"] > 0 and not state["finished"]
    command = ["--resume", str(run)] if again == "resume" else [*LOUD, "--out", str(run)]
    done = vaelab("train", *command)
    assert done.returncode == 0, done.stderr
    if again == "same command":
        assert f"{run} holds this run, unfinished: continuing it from step {state['step']}" in done.stderr
    assert weights(run) == reference, where
    assert len((run / "metrics.jsonl").read_text().splitlines()) == 4  # one line per epoch, none twice


def stamps(run) -> dict:
    files = ["metrics.jsonl", "config.json", "checkpoint/state.json", "checkpoint/model.safetensors"]
    return {name: os.stat(run / name).st_mtime_ns for name in files}


def test_the_same_command_on_a_finished_run_says_so_and_trains_nothing(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", *SMALL, "--out", str(run)]) == 0
    before, _ = stamps(run), capsys.readouterr()
    assert main(["train", *SMALL, "--out", str(run)]) == 0
    err = capsys.readouterr().err
    assert f"vaelab: {run} holds this run, finished: nothing to train (--force retrains it)" in err
    assert len(err.strip().splitlines()) == 1 and stamps(run) == before


def test_other_settings_are_refused_naming_them_and_force_retrains(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", *SMALL, "--out", str(run)]) == 0
    trained, before = weights(run), stamps(run)
    capsys.readouterr()
    assert main(["train", *SMALL, "--latent-dim", "3", "--out", str(run)]) == 1
    err = capsys.readouterr().err.strip()
    assert "already holds a run with other settings: --latent-dim 2 (here 3)" in err and "--force" in err
    assert len(err.splitlines()) == 1 and stamps(run) == before
    assert main(["train", *SMALL, "--force", "--out", str(run)]) == 0  # trained again, from scratch
    after = stamps(run)
    assert all(after[name] != before[name] for name in after) and weights(run) == trained  # the same seed
    assert len((run / "metrics.jsonl").read_text().splitlines()) == 1


def test_a_run_killed_before_its_first_checkpoint_starts_over_with_the_same_command(tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", *SMALL, "--out", str(run)]) == 0
    trained = weights(run)
    shutil.rmtree(run / "checkpoint")  # as a kill before the first checkpoint leaves it
    (run / "metrics.jsonl").unlink()
    capsys.readouterr()
    assert main(["train", *SMALL, "--out", str(run)]) == 0
    assert "has no checkpoint yet: starting it over" in capsys.readouterr().err and weights(run) == trained


def test_the_python_api_reuses_a_run_as_the_command_does(tmp_path, capsys):
    import vaelab

    settings = {"dataset": "digits", "val_size": 100, "hidden": [32], "latent_dim": 2, "epochs": 1}
    first = vaelab.train(out=tmp_path / "run", quiet=True, **settings)
    before = stamps(tmp_path / "run")
    again = vaelab.train(out=tmp_path / "run", **settings)  # finished: returned as it is
    assert "finished: nothing to train" in capsys.readouterr().err and stamps(tmp_path / "run") == before
    x = first.images("test", 4)
    assert (again.encode(x)[0] == first.encode(x)[0]).all()
    with pytest.raises(VaelabError, match=r"already holds a run with other settings: train.epochs 1"):
        vaelab.train(out=tmp_path / "run", quiet=True, **{**settings, "epochs": 2})


def test_stop_signals_are_a_checked_setting_outside_the_runs_identity(tmp_path):
    with pytest.raises(ConfigError, match=r"train.stop_signals must be one of SIGINT, SIGTERM, .* \(got 'SIGKILL'\)"):
        TrainConfig(stop_signals=("SIGTERM", "SIGKILL"))
    with pytest.raises(SystemExit) as exc:
        main(["train", "--stop-signals", "SIGKILL", "--out", str(tmp_path / "x")])
    assert exc.value.code == 2 and not (tmp_path / "x").exists()
    data = {"data": {"dataset": "digits", "val_size": 100}, "model": {"hidden": [32]}, "train": {"epochs": 1}}
    assert main(["train", "--config", _write(tmp_path, data), "--quiet", "--out", str(tmp_path / "run")]) == 0
    only_term = from_dict(RunConfig, {**data, "train": {"epochs": 1, "stop_signals": ["SIGTERM"]}})
    assert only_term.train.stop_signals == ("SIGTERM",)
    assert run_state(tmp_path / "run", only_term) is RunState.FINISHED  # how a run is stopped is not what it is


def _write(tmp_path, data: dict) -> str:
    (tmp_path / "c.json").write_text(json.dumps(data))
    return str(tmp_path / "c.json")


def test_the_flag_catches_only_its_signals_and_a_repeat_within_a_second_is_the_same_request(monkeypatch):
    untouched, before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGUSR1)
    with StopFlag(("SIGUSR1",)) as flag:
        assert signal.getsignal(signal.SIGTERM) is untouched and flag.signum == 0
        os.kill(os.getpid(), signal.SIGUSR1)
        os.kill(os.getpid(), signal.SIGUSR1)  # the same request again (torchrun, srun, Slurm): ignored
        assert flag.signum == signal.SIGUSR1 and flag.agreed() == signal.SIGUSR1  # one process: no collective
        monkeypatch.setattr(sigint, "DUPLICATE_SECONDS", 0.0)
        with pytest.raises(StopNow) as stop:  # a later one: stop at once
            os.kill(os.getpid(), signal.SIGUSR1)
            time.sleep(1)
    assert stop.value.exit_code == 138 and str(stop.value) == "SIGUSR1"
    assert signal.getsignal(signal.SIGUSR1) == before  # the handler before it, restored
    error = sigint.stopped(signal.SIGTERM, 2, 57, "runs/x")
    assert error.exit_code == 143 and re.fullmatch(r"interrupted by SIGTERM at epoch 2, step 57; .* runs/x", str(error))


def test_a_process_that_trains_nothing_itself_stops_at_the_first_signal():  # the driver of Ray tasks
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(StopNow) as stop, sigint.raising(("SIGTERM",)):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(1)
    assert stop.value.exit_code == 143 and signal.getsignal(signal.SIGTERM) == before
