"""Train several runs at once: a local pool of worker processes, or tasks on a Ray cluster.

This is the one place that chooses where runs train; sweeps, the experiments and the tutorial all train
through `train_jobs`, and every worker trains its job as `vaelab.parallel.jobs` says.

Locally: on a small CPU, two processes with one thread each train two small models faster than one
process with two threads trains them one after the other (the matrices of a 784-400-20 MLP at batch 128
are too small to keep two threads busy; bench/sweep.py measured 1.56x). Each worker writes its own run
folder; nothing is shared but the file system. With one worker, runs train in this process. On a machine
with GPUs each worker trains on one of its own, round-robin (gpus.py).

On Ray (`ray=RayConfig(...)`): each run is one Ray task (ray_backend.py), the same work a pool worker
does, placed by Ray anywhere in the cluster.

On either backend a run that raises does not stop the others: when every run has ended, the failures are
raised together (RunsFailed, one line naming each failed run), the finished runs are kept, and the next
sweep continues a failed run from its last checkpoint. A single run raises its own error.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import sys
from pathlib import Path

import torch
from tqdm.auto import tqdm

from vaelab.config import to_dict
from vaelab.parallel.gpus import gpu_line, pool_gpus, take_gpu, train_pinned
from vaelab.parallel.jobs import Job, runs_failed, stopping_together, train_job, train_job_or_failure
from vaelab.parallel.ray_backend import RayConfig, train_on_ray
from vaelab.progress import Progress
from vaelab.training.config import RunConfig
from vaelab.training.sigint import follow

# Two processes with one thread each trained a 6-run sweep 1.56x faster than one process with two threads
# on the 2-core machine here (bench/sweep.py); more workers than cores never helps.
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)
BACKENDS = ("local", "ray")  # where runs train: worker processes here, or tasks on a Ray cluster


def _init_worker(threads: int, gpus: tuple[str, ...] = (), counter=None, stop=None) -> None:
    torch.set_num_threads(threads)
    take_gpu(gpus, counter)  # on a GPU machine: worker i -> cuda:(i mod GPUs), see gpus.py
    follow(stop)  # a stop signal to the pool stops this worker's run at its next step (jobs.stopping_together)


def train_jobs(
    jobs: list[tuple[RunConfig, Path]] | list[tuple[RunConfig, Path, object]],
    workers: int = 1,
    quiet: bool = False,
    argv: list[str] | None = None,
    fresh: bool = False,
    hook=None,
    ray: RayConfig | None = None,
    desc: str = "training",
) -> None:
    """Train every (config, run folder) job: as Ray tasks when `ray` is given, else in `workers` local
    processes when there are several jobs. A folder that holds an unfinished checkpoint of the same config
    is continued from it, unless `fresh`. `argv` is the command recorded in each run's argv.txt (default:
    this process's command line); `hook` (a picklable EpochHook, vaelab.runs.hooks) runs after every epoch of
    every job, unless a job brings its own as a third element (config, run folder, hook). Progress
    (unless `quiet`): on a terminal a bar named `desc` counts the finished runs, elsewhere each finished
    run gets a line; both estimate the time left from the finished runs' times."""
    argv = argv or list(sys.argv)  # the command the user ran; a spawned worker has its own sys.argv
    if not jobs:
        return
    progress = Progress(len(jobs), slots=max(1, min(workers, len(jobs))), quiet=quiet, desc=desc)
    payloads = [Job(to_dict(job[0]), str(job[1]), argv, fresh, job[2] if len(job) > 2 else hook) for job in jobs]
    if ray is not None:
        with progress:
            train_on_ray(payloads, ray, progress)
        return
    if len(jobs) == 1:
        with progress:
            progress.finished(*train_job(dataclasses.replace(payloads[0], quiet=quiet)))
        return
    failures = []
    with progress, stopping_together(payloads) as stop:
        for name, seconds, error in _train_all(payloads, workers, quiet, desc, stop):
            if error:
                failures.append(error)
            else:
                progress.finished(name, seconds)
    if failures:
        raise runs_failed(failures, len(jobs))


def _train_all(payloads: list[Job], workers: int, quiet: bool, desc: str = "training", stop=None):
    """train_job_or_failure on each job, in this process (one worker) or in `workers` spawned processes,
    each on a GPU of its own when there are GPUs (gpus.py), following `stop` (jobs.stopping_together);
    yields as each ends."""
    if workers <= 1:
        for job in payloads:
            yield train_job_or_failure(dataclasses.replace(job, quiet=quiet))
        return
    threads = threads_per_worker(workers)
    processes = min(workers, len(payloads))
    gpus = pool_gpus(processes, [job.cfg["train"]["device"] for job in payloads])
    if gpus and not quiet:
        tqdm.write(gpu_line(desc, gpus), file=sys.stderr)
    initargs = (threads, gpus, multiprocessing.get_context("spawn").Value("i", 0), stop)
    yield from in_processes(train_pinned, payloads, processes, _init_worker, initargs)


def threads_per_worker(workers: int) -> int:
    """Torch threads for each of `workers` processes sharing this machine's cores."""
    return max(1, (os.cpu_count() or 1) // workers)


def in_processes(fn, items: list, processes: int, initializer, initargs: tuple):
    """fn(item) for every item in `processes` spawned processes (each started with initializer(*initargs)),
    yielding results as they end. On an exception here (a failure, a second stop signal) the workers are
    killed at once: terminate()'s SIGTERM would be a stop signal they finish their step on."""
    with multiprocessing.get_context("spawn").Pool(processes, initializer=initializer, initargs=initargs) as pool:
        try:
            yield from pool.imap_unordered(fn, items)
        except BaseException:
            for process in pool._pool:
                process.kill()
            raise
        pool.close()  # let the workers exit on their own (terminate() leaves their semaphores behind)
        pool.join()
