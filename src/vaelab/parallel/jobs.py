"""One run to train, as plain picklable data, and what a worker does with it (a pool process or a Ray task).

A job trains its run folder with `vaelab.runs.train.train_run(existing="continue")`: an unfinished run of
the same config continues from its checkpoint, anything else trains afresh (or, with `fresh`, everything
trains afresh). A failed job is reported by name; the failures of a pool are raised together.

A stop signal (Ctrl-C, or the SIGTERM of a scheduler: train.stop_signals) to the pool's process or to any
worker stops every run at its next step with a checkpoint, and no worker starts another run
(`stopping_together`, vaelab.training.sigint); once every job has returned, `Interrupted` is raised, and the
same command continues the runs from their checkpoints.
"""

from __future__ import annotations

import contextlib
import signal
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from vaelab.config import from_dict
from vaelab.errors import VaelabError
from vaelab.runs.train import train_run
from vaelab.training.config import RunConfig
from vaelab.training.sigint import Interrupted, StopFlag, following, shared_request, stop_requested


class RunsFailed(VaelabError):
    """Some runs raised; the others finished and are kept."""


@dataclass(frozen=True)
class Job:
    """One run to train, as plain picklable data: what a worker process or a Ray task receives."""

    cfg: dict  # RunConfig as a dict
    run_dir: str
    argv: list[str]
    fresh: bool = False  # retrain even a finished or unfinished run of the same config
    hook: object = None  # an EpochHook (vaelab.runs.hooks)
    quiet: bool = True
    device: str | None = None  # where it trains in place of its train.device auto/cuda (a worker's GPU, gpus.py)


def train_job(job: Job) -> tuple[str, float]:
    """Train (or continue) one job's run; returns (run folder name, seconds it took)."""
    started = time.perf_counter()
    cfg = from_dict(RunConfig, job.cfg)
    existing = "replace" if job.fresh else "continue"
    train_run(cfg, job.run_dir, argv=job.argv, quiet=job.quiet, hook=job.hook, existing=existing, device=job.device)
    return Path(job.run_dir).name, time.perf_counter() - started


def train_job_or_failure(job: Job) -> tuple[str, float, str | None]:
    """train_job, with an error returned as its failure_line instead of raised (a pool keeps going); once the
    pool is stopping, a job returns at once, not started."""
    if stop_requested():
        name = Path(job.run_dir).name
        return name, 0.0, failure_line(name, Interrupted("not started: the pool is stopping"))
    try:
        return (*train_job(job), None)
    except Exception as e:  # noqa: BLE001 (reported with the run's name when every run has ended)
        if not isinstance(e, VaelabError):  # a bug, not bad input: its traceback helps whoever reports it
            traceback.print_exc()
        name = Path(job.run_dir).name
        return name, 0.0, failure_line(name, e)


@contextlib.contextmanager
def stopping_together(payloads: list[Job]) -> Iterator[tuple]:
    """Around a pool's jobs: a stop signal (the jobs' train.stop_signals) to this process, or to a worker
    that follows the (request, signal names) yielded (`sigint.follow`, as it starts), stops every run at its
    next step with a checkpoint and starts no other; once the jobs have returned, Interrupted is raised."""
    names = stop_names(payloads)
    request = shared_request()
    with StopFlag(names, request) as flag, following(request):
        yield request, names
    if flag.signum:
        raise Interrupted(
            f"stopped by {signal.Signals(flag.signum).name}: each run that was training saved a checkpoint; "
            "the same command continues them",
            None,
            flag.signum,
        )


def stop_names(payloads: list[Job]) -> tuple[str, ...]:
    """The signals that stop any of the jobs (their train.stop_signals), by name."""
    return tuple(sorted({name for job in payloads for name in job.cfg["train"]["stop_signals"]}))


def failure_line(run: str, error: BaseException) -> str:
    """One failed run, as RunsFailed lists it: 'run: Type: message'."""
    return f"{run}: {type(error).__name__}: {error}"


def runs_failed(failures: list[str], total: int, where: str = "") -> RunsFailed:
    """One error for every 'run: error' in `failures`, out of `total` runs (`where`: " on Ray", say)."""
    return RunsFailed(
        f"{len(failures)} of {total} runs failed{where} (the others finished and are kept): " + "; ".join(failures)
    )
