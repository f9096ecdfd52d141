"""Data-parallel training with PyTorch's own engine (torch.distributed, launched by torchrun).

`torchrun --nproc_per_node N -m vaelab train ...` starts N processes with RANK, WORLD_SIZE and
LOCAL_RANK set; `init_from_env` joins them into a process group (gloo on the CPU, NCCL on GPUs). Each
process then takes a contiguous shard of every global batch (vaelab.data.batches), gradients are
averaged by DistributedDataParallel, and rank 0 alone logs and checkpoints. Multi-node runs use
torchrun's rendezvous flags (--nnodes, --node_rank, --rdzv_endpoint); see the README.
"""

from __future__ import annotations

import os
import sys

import torch
import torch.distributed as dist


def info() -> tuple[int, int]:
    """(rank, world size); (0, 1) outside a process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main() -> bool:
    return info()[0] == 0


def init_from_env() -> bool:
    """Join the process group torchrun describes in the environment; False when not under torchrun."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or not dist.is_available():
        return False
    if not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        if backend == "nccl":
            torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", "0")))
        dist.init_process_group(backend)
    return True


def shutdown(wait: bool = True) -> None:
    """Leave the process group: wait for every rank (so none exits while rank 0 still writes), then destroy it.

    A process that exits with its group alive leaves gloo's threads to C++ static teardown, which can
    abort ("terminate called without an active exception", SIGABRT) and fail the whole torchrun job.
    Pass wait=False on an error path, where the other ranks may never reach the barrier.
    """
    if not (dist.is_available() and dist.is_initialized()):
        return
    if wait and dist.get_world_size() > 1:
        dist.barrier()
    dist.destroy_process_group()


def exit_process(code: int) -> None:
    """End this process with `code`. Under torchrun (WORLD_SIZE > 1): flush Python's streams and leave by
    os._exit, skipping C++ static teardown, where c10d/gloo threads still alive can abort the process
    ("terminate called without an active exception", SIGABRT) even after `shutdown`: a rank that aborts at
    exit fails the whole torchrun job after its work is done and saved. Elsewhere: sys.exit(code)."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def local_device() -> torch.device | None:
    """This process's GPU under torchrun (cuda:LOCAL_RANK), else None."""
    if dist.is_available() and dist.is_initialized() and torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return None


def wrap(model: torch.nn.Module) -> torch.nn.Module:
    """DistributedDataParallel around `model` in a process group of more than one; else the model itself."""
    if info()[1] <= 1:
        return model
    device = next(model.parameters()).device
    ids = [device.index] if device.type == "cuda" else None
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=ids)


def sum_all(values: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Sum each value over all processes (one collective for the lot)."""
    if info()[1] <= 1 or not values:
        return values
    keys = sorted(values)
    stacked = torch.stack([torch.as_tensor(values[k], dtype=torch.float64) for k in keys])
    dist.all_reduce(stacked)
    return dict(zip(keys, stacked))
