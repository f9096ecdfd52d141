"""Train several runs at once: a local pool of worker processes, each training whole runs.

On a small CPU, two processes with one thread each train two small models faster than one process with
two threads trains them one after the other (the matrices of a 784-400-20 MLP at batch 128 are too small
to keep two threads busy; bench/sweep.py measured 1.56x). Each worker writes its own run folder; nothing is
shared but the file system. With one worker, runs train in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from pathlib import Path

import torch

from vaelab.config import from_dict, to_dict
from vaelab.progress import bar
from vaelab.training.config import RunConfig

# Two processes with one thread each trained a 6-run sweep 1.56x faster than one process with two threads
# on the 2-core machine here (bench/sweep.py); more workers than cores never helps.
DEFAULT_WORKERS = min(2, os.cpu_count() or 1)


def _init_worker(threads: int) -> None:
    torch.set_num_threads(threads)


def _train_one(job: tuple) -> str:
    from vaelab.experiments.runs import train_or_resume

    cfg_data, run_dir, argv, fresh, hook = job
    train_or_resume(from_dict(RunConfig, cfg_data), run_dir, argv=argv, quiet=True, fresh=fresh, hook=hook)
    return run_dir


def train_jobs(
    jobs: list[tuple[RunConfig, Path]],
    workers: int = 1,
    quiet: bool = False,
    argv: list[str] | None = None,
    fresh: bool = False,
    hook=None,
    desc: str = "training",
) -> None:
    """Train every (config, run folder) job; in `workers` processes when there are several jobs. A folder
    that holds an unfinished checkpoint of the same config is continued from it, unless `fresh`.
    `argv` is the command recorded in each run's argv.txt (default: this process's command line);
    `hook` (a picklable EpochHook, see runs.py) runs after every epoch of every job. On a terminal a bar
    counts the finished runs, `desc` before it; elsewhere each finished run gets a line."""
    argv = argv or list(sys.argv)  # the command the user ran; a spawned worker has its own sys.argv
    if not jobs:
        return
    runs = bar(quiet=quiet, total=len(jobs), desc=desc, unit="run")
    if workers <= 1 or len(jobs) == 1:
        from vaelab.experiments.runs import train_or_resume

        for cfg, run_dir in jobs:
            train_or_resume(cfg, run_dir, argv=argv, quiet=quiet, fresh=fresh, hook=hook)
            runs.update(1)
        runs.close()
        return
    threads = max(1, (os.cpu_count() or 1) // workers)
    payloads = [(to_dict(cfg), str(run_dir), argv, fresh, hook) for cfg, run_dir in jobs]
    spawn = multiprocessing.get_context("spawn")
    with spawn.Pool(min(workers, len(jobs)), initializer=_init_worker, initargs=(threads,)) as pool:
        for done, run_dir in enumerate(pool.imap_unordered(_train_one, payloads), start=1):
            runs.update(1)
            if not quiet and runs.disable:
                print(f"  trained {Path(run_dir).name} ({done}/{len(jobs)})", file=sys.stderr)
        pool.close()  # let the workers exit on their own (terminate() leaves their semaphores behind)
        pool.join()
    runs.close()
