"""Preemption with more than one process: every torchrun rank stops at the same step (a signal to one rank
reaches all; Slurm's SIGTERM to every process, passed on again by torchrun, is one request), and a stopped
pool (a sweep's workers, or its runs trained in this process) leaves each run that was training with a
checkpoint, starts no other run, and the same command finishes them; a stopped torchrun run resumes on every
rank to the weights of a run never stopped."""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from vaelab.config import from_dict
from vaelab.parallel.pool import train_jobs
from vaelab.runs.state import RunState, run_state
from vaelab.training.config import RunConfig
from vaelab.training.history import read_metrics
from vaelab.training.sigint import Interrupted, stop_requested

from .builders import SignalAfterEpoch, train_flags
from .test_resume import wait_for_checkpoint, weights

# only epoch ends checkpoint on their own, so a checkpoint in the middle of an epoch is a stop's
NO_TIMED = {"checkpoint_minutes": 0, "threads": 1}
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "vaelab"]
DDP = train_flags(subset=3000, val_size=200, hidden=128, latent_dim=8, epochs=3, batch_size=32, **NO_TIMED)


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc: Linux)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(stat.parent.name))
    return found


def rank_pids(torchrun: int) -> dict[int, int]:
    """{rank: pid} of torchrun's two worker processes."""
    ranks = {}
    for pid in children(torchrun):
        env = dict(v.split(b"=", 1) for v in Path(f"/proc/{pid}/environ").read_bytes().split(b"\0") if b"=" in v)
        if b"RANK" in env:
            ranks[int(env[b"RANK"])] = pid
    assert sorted(ranks) == [0, 1], ranks
    return ranks


def state(run: Path) -> dict:
    return json.loads((run / "checkpoint" / "state.json").read_text())


def stop_torchrun(run: Path, to: str) -> tuple[signal.Signals, str]:
    """Start a two-rank run, signal `to` in its second epoch, and wait for it to stop: (signal, stderr)."""
    proc = subprocess.Popen([*TORCHRUN, "train", *DDP, "--out", str(run)], stderr=subprocess.PIPE, text=True)
    wait_for_checkpoint(run, proc, timeout=180)  # the end of the first epoch: the second has begun
    ranks = rank_pids(proc.pid)
    if to == "rank 1 alone":  # rank 0, which writes the checkpoint, hears of it only from rank 1
        signum, pids = signal.SIGUSR1, [ranks[1]]
    else:  # as Slurm does; torchrun passes it on again (here within a millisecond: sigint's own test has the gap)
        signum, pids = signal.SIGTERM, [proc.pid, *ranks.values()]
    for pid in pids:
        os.kill(pid, signum)
    _, err = proc.communicate(timeout=180)
    return signal.Signals(signum), err


@pytest.mark.parametrize("to", ["rank 1 alone", "every process"])
def test_every_rank_stops_at_the_same_step_with_rank_zeros_checkpoint(tmp_path, to):
    run = tmp_path / "run"
    signum, err = stop_torchrun(run, to)
    steps = set(re.findall(rf"interrupted by {signum.name} at epoch 2, step (\d+)", err))
    saved = state(run)  # rank 0's checkpoint is the step where every rank stopped, mid-epoch
    assert steps == {str(saved["step"])} and saved["batch"] > 0 and not saved["finished"], err
    if to == "every process":  # both ranks stopped on their own, neither at once
        assert len(re.findall(rf"interrupted by {signum.name} at", err)) == 2, err


def test_a_stopped_torchrun_resumes_on_every_rank_to_the_weights_of_a_run_never_stopped(tmp_path):
    run, straight = tmp_path / "run", tmp_path / "straight"
    stop_torchrun(run, "every process")
    assert state(run)["batch"] > 0 and not state(run)["finished"]
    for command in (["--resume", str(run)], [*DDP, "--out", str(straight)]):  # every rank reads the checkpoint
        done = subprocess.run([*TORCHRUN, "train", *command, "--quiet"], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-3000:]
    assert state(run)["finished"] and len(read_metrics(run)) == 3
    assert weights(run) == weights(straight)


def test_a_stopped_pool_in_this_process_checkpoints_its_run_and_starts_no_other(tmp_path):
    cfg = from_dict(
        RunConfig, {"data": {"dataset": "digits", "val_size": 100}, "model": {"hidden": [32]}, "train": {"epochs": 2}}
    )
    runs = [tmp_path / "a", tmp_path / "b"]
    with pytest.raises(Interrupted) as stop:
        train_jobs([(cfg, run, SignalAfterEpoch(signal.SIGTERM)) for run in runs], workers=1, quiet=True)
    assert stop.value.exit_code == 143 and str(stop.value).startswith("stopped by SIGTERM")
    assert (state(runs[0])["epoch"], state(runs[0])["batch"]) == (1, 1)  # the first step after the signal
    assert not runs[1].exists() and stop_requested() == 0  # b never started; this process follows no pool now
    train_jobs([(cfg, run) for run in runs], workers=1, quiet=True)
    assert all(run_state(run, cfg) is RunState.FINISHED for run in runs)


@pytest.mark.parametrize("to", ["the sweep alone", "its process group"])
def test_a_stopped_sweep_keeps_a_checkpoint_of_each_run_and_the_same_command_finishes_them(tmp_path, to):
    base = {
        "data": {"dataset": "mnist", "subset": 3000, "val_size": 200},
        "model": {"hidden": [128], "latent_dim": 8},
        "train": {"epochs": 6, "batch_size": 32, **NO_TIMED},
    }
    (tmp_path / "sweep.json").write_text(json.dumps({"base": base, "grid": {"train.seed": [0, 1, 2]}, "workers": 2}))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "vaelab", "sweep", str(tmp_path / "sweep.json"), "--out", str(out), "--quiet"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True, start_new_session=True)
    training = [out / "runs" / "seed0", out / "runs" / "seed1"]
    for run in training:
        wait_for_checkpoint(run, proc, timeout=180)
    if to == "the sweep alone":  # its workers hear of it from the sweep
        signum = signal.SIGTERM
        os.kill(proc.pid, signum)
    else:  # Ctrl-C at a terminal: the sweep and each worker
        signum = signal.SIGINT
        os.killpg(proc.pid, signum)
    _, err = proc.communicate(timeout=180)
    assert proc.returncode == 128 + signum and f"stopped by {signal.Signals(signum).name}" in err, err
    for run in training:
        assert state(run)["batch"] > 0 and not state(run)["finished"], run
    assert not (out / "runs" / "seed2").exists()  # not started once the sweep was stopping
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["trained"] == 3 and not summary["unfinished"] and len(summary["runs"]) == 3
