"""A fixed-seed `vaelab train` gives the same losses to the last bit as the vaelab that recorded them.

The numbers below were recorded by `vaelab train` and `vaelab evaluate` at commit 8e8045a, before the code
moved into runs/, parallel/ and tutorial/; a change that alters what a run computes (an operation's order, an
extra random draw) changes them. The kernels are pinned to portable code paths (MKL's conditional numerical
reproducibility, ATen without vector extensions, one thread) so that the same bits come out on any x86 CPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys

RECORDED = {"loss": "0x1.7689d70a3d70ap+8", "val_loss": "0x1.3d4a435333333p+8", "negative_elbo": "0x1.36ec32b361134p+8"}
PORTABLE = {"ATEN_CPU_CAPABILITY": "default", "MKL_CBWR": "COMPATIBLE", "OMP_NUM_THREADS": "1"}
FLAGS = ["--dataset", "mnist", "--subset", "2000", "--val-size", "200", "--hidden", "64", "--latent-dim", "4"]
FLAGS += ["--epochs", "2", "--seed", "3", "--threads", "1", "--checkpoint-minutes", "0", "--quiet"]


def vaelab(*args: str) -> str:
    env = {**os.environ, **PORTABLE}
    done = subprocess.run([sys.executable, "-m", "vaelab", *args], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_a_fixed_seed_run_gives_the_recorded_losses_to_the_last_bit(tmp_path):
    run = tmp_path / "run"
    vaelab("train", *FLAGS, "--out", str(run))
    last = json.loads((run / "metrics.jsonl").read_text().splitlines()[-1])
    evaluated = json.loads(vaelab("evaluate", str(run)))
    got = {"loss": last["loss"], "val_loss": last["val_loss"], "negative_elbo": evaluated["negative_elbo"]}
    assert {k: v.hex() for k, v in got.items()} == RECORDED
