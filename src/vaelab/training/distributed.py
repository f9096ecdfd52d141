"""Data-parallel training with PyTorch's own engine (torch.distributed, launched by torchrun).

`torchrun --nproc_per_node N -m vaelab train ...` starts N processes with RANK, WORLD_SIZE and
LOCAL_RANK set; `init_from_env` joins them into a process group (gloo on the CPU, NCCL on GPUs: one GPU
per process, cuda:LOCAL_RANK, unless train.device is cpu, which trains on the CPU under gloo even on a GPU
node). Each process then takes a contiguous shard of every global batch (vaelab.data.batches), gradients
are averaged by DistributedDataParallel, and rank 0 alone logs and checkpoints. Multi-node runs use
torchrun's rendezvous flags (--nnodes, --node_rank, --rdzv_endpoint); see the README.
"""

from __future__ import annotations

import os
import sys

import torch
import torch.distributed as dist

from vaelab.errors import ConfigError

MULTI_RANK = "NCCL_MULTI_RANK_GPU_ENABLE"  # set to 1: ranks may share a GPU (NCCL 2.30+, experimental)


def info() -> tuple[int, int]:
    """(rank, world size); (0, 1) outside a process group."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def is_main() -> bool:
    return info()[0] == 0


def backend(device: str = "auto") -> str:
    """The process group's backend for a run whose train.device is `device`: NCCL when it trains on CUDA
    GPUs (auto or cuda with CUDA available), else gloo (--device cpu on a GPU node included)."""
    return "nccl" if device not in ("cpu", "mps") and torch.cuda.is_available() else "gloo"


def init_from_env(device: str = "auto") -> bool:
    """Join the process group torchrun describes in the environment, for a run whose train.device is `device`
    (see `backend`); False when not under torchrun."""
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or not dist.is_available():
        return False
    if not dist.is_initialized():
        chosen = backend(device)
        if chosen == "nccl":
            torch.cuda.set_device(own_gpu())
        dist.init_process_group(chosen)
    return True


def own_gpu() -> int:
    """This process's GPU under torchrun: LOCAL_RANK, or LOCAL_RANK mod the GPUs where NCCL is told that ranks
    may share one (NCCL_MULTI_RANK_GPU_ENABLE=1). Else a node with fewer GPUs than processes is refused in one
    line (NCCL before 2.30 fails two ranks on one GPU with "Duplicate GPU detected")."""
    local, gpus = int(os.environ.get("LOCAL_RANK", "0")), torch.cuda.device_count()
    if local < gpus:
        return local
    if gpus and os.environ.get(MULTI_RANK, "0") not in ("", "0"):
        return local % gpus
    raise ConfigError(
        f"torchrun: local rank {local} has no GPU of its own (torch sees {gpus}); NCCL needs one GPU per process: "
        f"start at most {gpus} per node (--nproc_per_node {gpus}), train with --device cpu (gloo), or let ranks "
        f"share GPUs with {MULTI_RANK}=1 (NCCL 2.30+)"
    )


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


def local_device(device: str = "auto") -> torch.device | None:
    """This process's GPU under torchrun (cuda:LOCAL_RANK, see own_gpu) for a run whose train.device is auto or cuda, in
    an NCCL process group; else None: the run trains where train.device says (cpu under gloo, cuda:N as given)."""
    if device in ("auto", "cuda") and dist.is_available() and dist.is_initialized() and dist.get_backend() == "nccl":
        return torch.device("cuda", own_gpu())
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


def host_group():
    """A group whose collectives run on the host, for small flags read every step without waiting for a GPU:
    the default group under gloo (None), a gloo group beside NCCL (made by every rank: call it on all of
    them, at the same point), None outside a process group of more than one."""
    if info()[1] <= 1 or dist.get_backend() == "gloo":
        return None
    return dist.new_group(backend="gloo")


def max_all(value: int, group=None) -> int:
    """The largest `value` over all processes (through `group`, see `host_group`); `value` in one process."""
    if info()[1] <= 1:
        return value
    flag = torch.tensor([value], dtype=torch.int64)
    dist.all_reduce(flag, op=dist.ReduceOp.MAX, group=group)
    return int(flag.item())
