"""Data-parallel training: 2 processes over loopback (torchrun, gloo) give the parameters of 1 process with
the same global batch and seed, within 1e-6, reparameterization, binarization and corruption noise included."""

import subprocess
import sys

import pytest
import torch
from safetensors.torch import load_file

from vaelab.data.batches import Batches

from .builders import train_flags

ARGS = train_flags(subset=1000, batch_size=64, input_mode="dynamic", corruption="gaussian", noise=0.2)


def test_two_processes_match_one(tmp_path):
    one = subprocess.run(
        [sys.executable, "-m", "vaelab", "train", *ARGS, "--out", str(tmp_path / "one")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert one.returncode == 0, one.stderr
    two = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            "-m",
            "vaelab",
            "train",
            *ARGS,
            "--out",
            str(tmp_path / "two"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert two.returncode == 0, two.stderr
    a = load_file(tmp_path / "one" / "checkpoint" / "model.safetensors")
    b = load_file(tmp_path / "two" / "checkpoint" / "model.safetensors")
    assert a.keys() == b.keys()
    diff = max((a[k] - b[k]).abs().max().item() for k in a)
    assert diff < 1e-6
    assert any((a[k] != 0).any() for k in a)


@pytest.mark.parametrize("world", [2, 3])
def test_shards_partition_every_global_batch(world):
    images = torch.arange(70, dtype=torch.uint8).view(70, 1, 1, 1)
    whole = list(Batches(images, 16, seed=1).epoch(0))
    parts = [list(Batches(images, 16, seed=1, rank=r, world=world).epoch(0)) for r in range(world)]
    for i, batch in enumerate(whole):
        assert torch.equal(torch.cat([p[i] for p in parts]), batch)


@pytest.mark.parametrize("wait", [True, False])
def test_shutdown_leaves_the_process_group(wait):
    # a process that exits with its gloo group alive can abort in C++ teardown (SIGABRT under torchrun)
    import torch.distributed as dist

    from vaelab.training import distributed

    dist.init_process_group("gloo", store=dist.HashStore(), rank=0, world_size=1)
    assert distributed.info() == (0, 1)
    distributed.shutdown(wait=wait)
    assert not dist.is_initialized()
    distributed.shutdown()  # outside a group: nothing to do, no error
