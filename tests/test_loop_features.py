"""The training loop's newer duties: time-based checkpoints, starting over a run killed before its first
checkpoint, the bf16 warning, epoch hooks that score a learning curve without changing the training."""

import subprocess
import sys
import time

import pytest
import torch

from vaelab.config import from_dict
from vaelab.evaluation.protocols import PROTOCOLS
from vaelab.objectives import OBJECTIVES
from vaelab.objectives.config import OBJECTIVES as OBJECTIVE_CHOICES
from vaelab.runs.build import build
from vaelab.runs.factor_scores import curve_scorer, log_spaced_epochs, read_curve
from vaelab.runs.train import train_run
from vaelab.training import trainer
from vaelab.training.checkpoint import read_state
from vaelab.training.config import RunConfig
from vaelab.training.device import precision_warning

from .builders import resume, train_flags


def test_the_objective_table_has_every_choice():
    assert set(OBJECTIVES) == set(OBJECTIVE_CHOICES) - {"auto"}


def test_bf16_on_a_cpu_without_bf16_instructions_gets_one_warning_line():
    cpu = torch.device("cpu")
    warning = precision_warning(cpu, "bf16", flags={"avx2", "avx512f"})
    assert warning and "no bf16 instructions" in warning and "\n" not in warning
    assert precision_warning(cpu, "bf16", flags={"avx512_bf16"}) is None
    assert precision_warning(cpu, "bf16", flags={"amx_bf16"}) is None
    assert precision_warning(cpu, "fp32", flags=set()) is None
    assert precision_warning(torch.device("cuda"), "bf16", flags=set()) is None


def _cfg(**train) -> RunConfig:
    return from_dict(
        RunConfig,
        {
            "data": {"dataset": "digits", "val_size": 100},
            "model": {"hidden": [32], "latent_dim": 4},
            "train": {"epochs": 2, "batch_size": 16, **train},
        },
    )


def test_time_based_checkpoints_fall_inside_epochs(tmp_path, monkeypatch):
    saved = []
    real = trainer.save

    def spy(run_dir, model, optimizer, pos, finished, *parts):  # parts: the auxiliary network, the fp16 scaler
        saved.append(pos.batch)
        real(run_dir, model, optimizer, pos, finished, *parts)

    monkeypatch.setattr(trainer, "save", spy)
    train_run(_cfg(checkpoint_minutes=1e-6), tmp_path / "often", quiet=True)  # every step is past the deadline
    assert any(b > 0 for b in saved)  # mid-epoch positions
    saved.clear()
    train_run(_cfg(checkpoint_minutes=0.0), tmp_path / "off", quiet=True)
    assert saved == [0, 0]  # the two epoch ends only


ARGS = train_flags(subset=20000, batch_size=16, checkpoint_minutes=0)


def test_resume_of_a_run_killed_before_its_first_checkpoint_starts_it_over(tmp_path):
    ref = tmp_path / "ref"
    assert (
        subprocess.run([sys.executable, "-m", "vaelab", "train", *ARGS, "--out", str(ref)], timeout=300).returncode == 0
    )
    run = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "vaelab", "train", *ARGS, "--out", str(run)])
    deadline = time.time() + 120
    while not (run / "config.json").exists():
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.005)
    proc.kill()
    proc.wait()
    assert not (run / "checkpoint").exists(), "the kill came after the first checkpoint; the test needs it before"
    done = subprocess.run(
        [sys.executable, "-m", "vaelab", "train", "--resume", str(run)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert "has no checkpoint yet: starting it over" in done.stderr
    model = "checkpoint/model.safetensors"
    assert (run / model).read_bytes() == (ref / model).read_bytes()


def test_scoring_a_learning_curve_does_not_change_the_training(tmp_path):
    cfg = from_dict(
        RunConfig,
        {
            "data": {"dataset": "dsprites-32", "subset": 256, "val_size": 64},
            "model": {"hidden": [32], "latent_dim": 4},
            "train": {"epochs": 4, "batch_size": 32, "eval_batch_size": 256},
        },
    )
    epochs = log_spaced_epochs(4, 3)
    assert epochs == (1, 2, 4)
    train_run(cfg, tmp_path / "plain", quiet=True)
    train_run(cfg, tmp_path / "scored", quiet=True, hook=curve_scorer(epochs, PROTOCOLS["tiny"], 256))
    model = "checkpoint/model.safetensors"
    assert (tmp_path / "plain" / model).read_bytes() == (tmp_path / "scored" / model).read_bytes()
    curve = read_curve(tmp_path / "scored")
    assert [p["epoch"] for p in curve] == [1, 2, 4] and [p["images"] for p in curve] == [256, 512, 1024]
    for key in ("mig", "mig_chen", "factor_vae", "dci_d", "recon", "beta_vae"):
        assert all(key in p for p in curve), key
    # a resumed run keeps the points up to its checkpoint and scores the rest again
    scorer = curve_scorer(epochs, PROTOCOLS["tiny"], 256)
    setup = build(cfg)
    scorer(setup, tmp_path / "scored")  # the checkpoint is at epoch 4: every point is kept
    assert [p["epoch"] for p in read_curve(tmp_path / "scored")] == [1, 2, 4]


class _Killed(Exception):
    pass


def test_a_run_killed_while_scoring_an_epoch_redoes_that_epoch_and_its_point(tmp_path):
    cfg = from_dict(
        RunConfig,
        {
            "data": {"dataset": "dsprites-32", "subset": 256, "val_size": 64},
            "model": {"hidden": [32], "latent_dim": 4},
            "train": {"epochs": 2, "batch_size": 32, "eval_batch_size": 256, "checkpoint_minutes": 0},
        },
    )
    scorer = curve_scorer((1, 2), PROTOCOLS["tiny"], 256)

    def dies_at_epoch_2(setup, run_dir):  # scores epoch 1, then dies while "scoring" epoch 2
        inner = scorer(setup, run_dir)

        def on_epoch(record):
            if record["epoch"] == 2:
                raise _Killed
            inner(record)

        return on_epoch

    run = tmp_path / "run"
    with pytest.raises(_Killed):
        train_run(cfg, run, quiet=True, hook=dies_at_epoch_2)
    assert read_state(run)["epoch"] == 1 and not read_state(run)["finished"]  # epoch 2 was never checkpointed
    resume(run, quiet=True, hook=scorer)
    assert [p["epoch"] for p in read_curve(run)] == [1, 2] and read_state(run)["finished"]
    train_run(cfg, tmp_path / "plain", quiet=True)
    model = "checkpoint/model.safetensors"
    assert (run / model).read_bytes() == (tmp_path / "plain" / model).read_bytes()


@pytest.mark.parametrize("epochs, points", [(6, 6), (16, 6), (32, 6), (100, 7), (3, 6)])
def test_curve_epochs_are_distinct_log_spaced_and_end_at_the_last_epoch(epochs, points):
    grid = log_spaced_epochs(epochs, points)
    assert len(grid) == min(epochs, points) and len(set(grid)) == len(grid)
    assert grid[0] == 1 and grid[-1] == epochs and list(grid) == sorted(grid)
    assert log_spaced_epochs(32, 6) == (1, 2, 4, 8, 16, 32)  # exact powers where the grid allows
