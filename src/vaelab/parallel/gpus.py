"""Each local pool worker on a GPU of its own: worker i trains on cuda:(i mod the number of GPUs torch sees).

A fresh process's "cuda" is cuda:0, so without this `vaelab sweep --workers 4` on a 4-GPU machine would
train all four runs on one GPU. A run whose train.device is auto or cuda trains on its worker's GPU; a run
that names its device (cpu, mps, or an explicit cuda:N) trains there, as given. The run's config is left
as it is (a continued run is the same run whichever worker takes it up); RUN/env.json records the device
it trained on. On Ray, Ray hands each task its own GPUs (`--gpus-per-run`) and none of this applies.
"""

from __future__ import annotations

import dataclasses

import torch

from vaelab.parallel.jobs import Job, train_job_or_failure
from vaelab.training.device import gpu_count

PINNED = ("auto", "cuda")  # the train.device values a worker's own GPU stands in for

_own_gpu: str | None = None  # in a pool worker: its GPU, once `take_gpu` has run


def worker_gpus(workers: int, gpus: int) -> tuple[str, ...]:
    """The GPU of each of `workers` pool workers, round-robin over `gpus` visible ones (worker i ->
    cuda:(i mod gpus)); () without a GPU."""
    return tuple(f"cuda:{i % gpus}" for i in range(workers)) if gpus > 0 else ()


def job_device(device: str, gpu: str | None) -> str | None:
    """Where a job whose train.device is `device` trains in a worker holding `gpu`: that GPU for auto and
    cuda; None (the config's own device) for cpu, mps and an explicit cuda:N, or in a worker without one."""
    return gpu if gpu is not None and device in PINNED else None


def pool_gpus(workers: int, devices: list[str]) -> tuple[str, ...]:
    """The GPUs of `workers` pool workers training jobs whose train.device values are `devices`: round-robin
    over the GPUs torch sees when some job would train on CUDA (auto or cuda, with CUDA available); else ()."""
    return worker_gpus(workers, gpu_count()) if any(d in PINNED for d in devices) else ()


def gpu_line(desc: str, gpus: tuple[str, ...]) -> str:
    """The line a pool says when its workers hold GPUs: 'sweep: 4 workers over 2 GPUs (cuda:0, cuda:1)'."""
    used = sorted(set(gpus), key=lambda gpu: int(gpu.split(":")[1]))
    return f"{desc}: {len(gpus)} workers over {len(used)} GPU{'s' if len(used) != 1 else ''} ({', '.join(used)})"


def take_gpu(gpus: tuple[str, ...], counter) -> None:
    """In a new pool worker: take the GPU of the next worker in `gpus` (`counter`, a shared multiprocessing
    Value, numbers the workers as they start) and make it this process's current CUDA device."""
    global _own_gpu
    if not gpus:
        return
    with counter.get_lock():
        index = counter.value
        counter.value += 1
    _own_gpu = gpus[index % len(gpus)]
    torch.cuda.set_device(_own_gpu)  # anything allocated on plain "cuda" lands here too, not on cuda:0


def train_pinned(job: Job) -> tuple[str, float, str | None]:
    """train_job_or_failure in a pool worker, on the worker's own GPU when the job's train.device is auto or cuda."""
    device = job_device(job.cfg["train"]["device"], _own_gpu)
    return train_job_or_failure(dataclasses.replace(job, device=device))
