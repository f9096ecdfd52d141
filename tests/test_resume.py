"""Crash safety with real processes: SIGKILL at a random moment, or Ctrl-C, then --resume, ends with
weights bitwise equal to an uninterrupted run with the same seed."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .builders import train_flags

ARGS = train_flags(
    subset=3000,
    val_size=200,
    hidden=128,
    latent_dim=8,
    epochs=4,
    batch_size=32,
    input_mode="dynamic",
    checkpoint_every=7,
)

KILL_SEED = int(os.environ.get("VAELAB_KILL_SEED", random.SystemRandom().randrange(2**32)))


def vaelab(*args, **kw):
    return subprocess.run([sys.executable, "-m", "vaelab", *args], capture_output=True, text=True, timeout=300, **kw)


def start(out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "vaelab", "train", *ARGS, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_checkpoint(run: Path, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while not (run / "checkpoint" / "state.json").exists():
        assert proc.poll() is None, proc.communicate()
        assert time.time() < deadline, "no checkpoint appeared"
        time.sleep(0.02)


def weights(run: Path) -> bytes:
    return (run / "checkpoint" / "model.safetensors").read_bytes()


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> bytes:
    run = tmp_path_factory.mktemp("ref") / "run"
    done = vaelab("train", *ARGS, "--out", str(run))
    assert done.returncode == 0, done.stderr
    return weights(run)


def test_sigkill_at_a_random_moment_then_resume_is_bitwise_equal(reference, tmp_path):
    run = tmp_path / "run"
    proc = start(run)
    wait_for_checkpoint(run, proc)
    moment = random.Random(KILL_SEED).uniform(0.0, 0.8)  # replay a failure with VAELAB_KILL_SEED
    time.sleep(moment)
    proc.kill()
    proc.communicate()
    done = vaelab("train", "--resume", str(run))
    assert done.returncode == 0, done.stderr
    assert weights(run) == reference, f"killed {moment:.3f} s after the first checkpoint (seed {KILL_SEED})"
    epochs = [line for line in (run / "metrics.jsonl").read_text().splitlines() if line.strip()]
    assert len(epochs) == 4


def test_ctrl_c_saves_and_says_how_to_resume(reference, tmp_path):
    run = tmp_path / "run"
    proc = start(run)
    wait_for_checkpoint(run, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert f"vaelab train --resume {run}" in err and len(err.strip().splitlines()) == 1
    done = vaelab("train", "--resume", str(run))
    assert done.returncode == 0, done.stderr
    assert weights(run) == reference


def test_resume_refuses_other_settings_and_a_damaged_checkpoint(reference, tmp_path):
    run = tmp_path / "run"
    assert vaelab("train", *ARGS, "--epochs", "1", "--out", str(run)).returncode == 0
    bad = vaelab("train", "--resume", str(run), "--epochs", "3")
    assert bad.returncode == 2 and "drop epochs" in bad.stderr
    state = run / "checkpoint" / "optimizer.safetensors"
    state.write_bytes(state.read_bytes()[:-10] + b"0123456789")
    bad = vaelab("train", "--resume", str(run))
    assert bad.returncode == 1 and "is corrupt" in bad.stderr and "Traceback" not in bad.stderr


def test_a_run_written_before_a_config_field_existed_is_still_the_same_finished_run(tmp_path):
    import json

    from vaelab.config import from_dict
    from vaelab.runs.state import RunState, run_state
    from vaelab.runs.train import train_run
    from vaelab.training.config import RunConfig

    cfg = from_dict(RunConfig, {"data": {"dataset": "digits", "val_size": 100}, "train": {"epochs": 1}})
    train_run(cfg, tmp_path / "run", quiet=True)
    path = tmp_path / "run" / "config.json"
    old = json.loads(path.read_text())
    del old["data"]["test_fraction"], old["data"]["image_size"]  # as an older vaelab wrote it
    path.write_text(json.dumps(old))
    assert run_state(tmp_path / "run", cfg) is RunState.FINISHED
    other = from_dict(RunConfig, {"data": {"dataset": "digits", "val_size": 100}, "train": {"epochs": 2}})
    assert run_state(tmp_path / "run", other) is RunState.FOREIGN
    assert run_state(tmp_path / "nothing", cfg) is RunState.EMPTY
