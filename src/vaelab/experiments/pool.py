"""Train several runs at once: a local pool of worker processes, or tasks on a Ray cluster.

This is the one place that chooses how runs are trained; sweeps, the experiments and the tutorial all
train through `train_jobs`.

Locally: on a small CPU, two processes with one thread each train two small models faster than one
process with two threads trains them one after the other (the matrices of a 784-400-20 MLP at batch 128
are too small to keep two threads busy; bench/sweep.py measured 1.56x). Each worker writes its own run
folder; nothing is shared but the file system. With one worker, runs train in this process.

On Ray (`ray=RayConfig(...)`): each run is one Ray task (experiments/ray_pool.py), the same work a pool
worker does, placed by Ray anywhere in the cluster.

On either backend a run that raises does not stop the others: when every run has ended, the failures are
raised together (RunsFailed, one line naming each failed run), the finished runs are kept, and the next
sweep continues a failed run from its last checkpoint. A single run raises its own error.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import sys
import time
import traceback
from pathlib import Path

import torch

from vaelab.config import check_range, from_dict, to_dict
from vaelab.errors import VaelabError
from vaelab.progress import Progress
from vaelab.training.config import RunConfig

# Two processes with one thread each trained a 6-run sweep 1.56x faster than one process with two threads
# on the 2-core machine here (bench/sweep.py); more workers than cores never helps.
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)


@dataclasses.dataclass(frozen=True)
class RayConfig:
    """Where and with what each run trains on Ray."""

    # None: RAY_ADDRESS, else the cluster `ray start` began on this machine, else a new local one;
    # "auto": a running cluster (an error if none); "local": always a new one here; or HOST:PORT
    address: str | None = None
    cpus_per_run: float = 1.0  # CPUs Ray reserves for each run (its torch threads too)
    gpus_per_run: float = 0.0  # GPUs Ray reserves for each run (fractions share a GPU)

    def __post_init__(self):
        check_range("--cpus-per-run", self.cpus_per_run, low=0, low_open=True)
        check_range("--gpus-per-run", self.gpus_per_run, low=0)


class RunsFailed(VaelabError):
    """Some runs raised; the others finished and are kept."""


def failure(run: str, error: BaseException) -> str:
    """One failed run, as RunsFailed lists it: 'run: Type: message'."""
    return f"{run}: {type(error).__name__}: {error}"


def runs_failed(failures: list[str], total: int, where: str = "") -> RunsFailed:
    """One error for every 'run: error' in `failures`, out of `total` runs (`where`: " on Ray", say)."""
    return RunsFailed(
        f"{len(failures)} of {total} runs failed{where} (the others finished and are kept): " + "; ".join(failures)
    )


def _init_worker(threads: int) -> None:
    torch.set_num_threads(threads)


@dataclasses.dataclass(frozen=True)
class Job:
    """One run to train, as plain picklable data: what a worker process or a Ray task receives."""

    cfg: dict  # RunConfig as a dict
    run_dir: str
    argv: list[str]
    fresh: bool = False
    hook: object = None  # an EpochHook
    quiet: bool = True


def train_one(job: Job) -> tuple[str, float]:
    """Train (or continue) one job's run; returns (run folder name, seconds it took)."""
    from vaelab.experiments.runs import train_or_resume

    started = time.perf_counter()
    cfg = from_dict(RunConfig, job.cfg)
    train_or_resume(cfg, job.run_dir, argv=job.argv, quiet=job.quiet, fresh=job.fresh, hook=job.hook)
    return Path(job.run_dir).name, time.perf_counter() - started


def attempt(job: Job) -> tuple[str, float, str | None]:
    """train_one, with an error returned as its failure() line instead of raised (a pool keeps going)."""
    try:
        return (*train_one(job), None)
    except Exception as e:  # noqa: BLE001 (reported with the run's name when every run has ended)
        if not isinstance(e, VaelabError):  # a bug, not bad input: its traceback helps whoever reports it
            traceback.print_exc()
        name = Path(job.run_dir).name
        return name, 0.0, failure(name, e)


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
    this process's command line); `hook` (a picklable EpochHook, see runs.py) runs after every epoch of
    every job, unless a job brings its own as a third element (config, run folder, hook). Progress
    (unless `quiet`): on a terminal a bar named `desc` counts the finished runs, elsewhere each finished
    run gets a line; both estimate the time left from the finished runs' times."""
    argv = argv or list(sys.argv)  # the command the user ran; a spawned worker has its own sys.argv
    if not jobs:
        return
    progress = Progress(len(jobs), slots=max(1, min(workers, len(jobs))), quiet=quiet, desc=desc)
    payloads = [Job(to_dict(job[0]), str(job[1]), argv, fresh, job[2] if len(job) > 2 else hook) for job in jobs]
    if ray is not None:
        from vaelab.experiments.ray_pool import train_on_ray

        with progress:
            train_on_ray(payloads, ray, progress)
        return
    if len(jobs) == 1:
        with progress:
            progress.finished(*train_one(dataclasses.replace(payloads[0], quiet=quiet)))
        return
    failures = []
    with progress:
        for name, seconds, error in _attempt_all(payloads, workers, quiet):
            if error:
                failures.append(error)
            else:
                progress.finished(name, seconds)
    if failures:
        raise runs_failed(failures, len(jobs))


def _attempt_all(payloads: list[Job], workers: int, quiet: bool):
    """attempt() each job, in this process (one worker) or in `workers` spawned processes; yields as each ends."""
    if workers <= 1:
        for job in payloads:
            yield attempt(dataclasses.replace(job, quiet=quiet))
        return
    threads = max(1, (os.cpu_count() or 1) // workers)
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(min(workers, len(payloads)), initializer=_init_worker, initargs=(threads,)) as pool:
        yield from pool.imap_unordered(attempt, payloads)
        pool.close()  # let the workers exit on their own (terminate() leaves their semaphores behind)
        pool.join()
