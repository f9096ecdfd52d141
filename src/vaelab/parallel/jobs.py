"""One run to train, as plain picklable data, and what a worker does with it (a pool process or a Ray task).

A job trains its run folder with `vaelab.runs.train.train_run(existing="continue")`: an unfinished run of
the same config continues from its checkpoint, anything else trains afresh (or, with `fresh`, everything
trains afresh). A failed job is reported by name; the failures of a pool are raised together.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from vaelab.config import from_dict
from vaelab.errors import VaelabError
from vaelab.runs.train import train_run
from vaelab.training.config import RunConfig


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


def train_job(job: Job) -> tuple[str, float]:
    """Train (or continue) one job's run; returns (run folder name, seconds it took)."""
    started = time.perf_counter()
    cfg = from_dict(RunConfig, job.cfg)
    existing = "replace" if job.fresh else "continue"
    train_run(cfg, job.run_dir, argv=job.argv, quiet=job.quiet, hook=job.hook, existing=existing)
    return Path(job.run_dir).name, time.perf_counter() - started


def train_job_or_failure(job: Job) -> tuple[str, float, str | None]:
    """train_job, with an error returned as its failure_line instead of raised (a pool keeps going)."""
    try:
        return (*train_job(job), None)
    except Exception as e:  # noqa: BLE001 (reported with the run's name when every run has ended)
        if not isinstance(e, VaelabError):  # a bug, not bad input: its traceback helps whoever reports it
            traceback.print_exc()
        name = Path(job.run_dir).name
        return name, 0.0, failure_line(name, e)


def failure_line(run: str, error: BaseException) -> str:
    """One failed run, as RunsFailed lists it: 'run: Type: message'."""
    return f"{run}: {type(error).__name__}: {error}"


def runs_failed(failures: list[str], total: int, where: str = "") -> RunsFailed:
    """One error for every 'run: error' in `failures`, out of `total` runs (`where`: " on Ray", say)."""
    return RunsFailed(
        f"{len(failures)} of {total} runs failed{where} (the others finished and are kept): " + "; ".join(failures)
    )
