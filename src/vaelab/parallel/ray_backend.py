"""Runs as Ray tasks: the local pool's jobs, placed by Ray on any node of a cluster.

Each job is one task that trains one run folder (jobs.train_job, exactly what a local worker does),
asking Ray for `cpus_per_run` CPUs (its torch threads) and `gpus_per_run` GPUs. Tasks are not retried
by Ray: a run that raises is reported, and the next sweep continues it from its checkpoint.

Where the run folders live: on a file system every node mounts at the same path (NFS and the like), as
Ray Train and Tune also require for multi-node runs. The alternative, a task returning its folder as an
archive for the driver to unpack, was rejected: a run writes its checkpoint every epoch and every ten
minutes so that a killed run continues where it stopped; an archive exists only once a task has
finished, so a task lost mid-way would lose all of its run, and a resumed run would have to be shipped
back to whichever node Ray picks. Paths are made absolute on the driver; once a task finishes, the
driver checks that its finished run is visible, and stops the sweep with a clear error if it is not
(OUT was on a node's own disk).

A failing task does not stop the others: when every task has ended, the failures are raised together,
each named by its run, and every run that finished is kept (a rerun skips it). Ctrl-C (or another of the
runs' train.stop_signals, exiting 128 + its number) cancels the tasks still running, after letting those
that are returning return (each cancelled run keeps its last checkpoint; a rerun continues it from there).
"""

from __future__ import annotations

import dataclasses
import logging
import socket
from pathlib import Path

import torch

from vaelab.config import check_range
from vaelab.errors import VaelabError
from vaelab.parallel.jobs import Job, failure_line, runs_failed, stop_names, train_job
from vaelab.progress import Progress
from vaelab.training.checkpoint import read_state
from vaelab.training.sigint import raising

INSTALL_HINT = "the ray backend needs Ray: pip install 'vaelab[ray]'"
CANCEL_WAIT_SECONDS = 30  # how long an interrupted sweep waits for its cancelled tasks to end
# Before cancelling, an interrupted sweep lets tasks that are returning finish: Ray 2.60 aborts the driver
# ("Tried to complete task that was not pending") when a cancel races with a task's reply (ray#54798).
RETURNING_WAIT_SECONDS = 0.5


@dataclasses.dataclass(frozen=True)
class RayConfig:
    """Where and with what each run trains on Ray."""

    # None: RAY_ADDRESS, else the cluster `ray start` began on this machine, else a new local one;
    # "auto": a running cluster (an error if none); "local": always a new one here; or HOST:PORT
    address: str | None = None
    cpus_per_run: float = 1.0  # CPUs Ray reserves for each run (its torch threads too)
    gpus_per_run: float = 0.0  # GPUs Ray reserves for each run (fractions share a GPU)

    def __post_init__(self):
        check_range("ray.cpus_per_run", self.cpus_per_run, low=0, low_open=True)
        check_range("ray.gpus_per_run", self.gpus_per_run, low=0)


def import_ray():
    try:
        import ray
    except ImportError:
        raise VaelabError(INSTALL_HINT) from None
    return ray


def run_task(job: Job, threads: int) -> tuple[str, float, str]:
    """The body of one Ray task: (run name, seconds, the node's host name)."""
    torch.set_num_threads(threads)
    name, seconds = train_job(job)
    return name, seconds, socket.gethostname()


def train_on_ray(jobs: list[Job], cfg: RayConfig, progress: Progress) -> None:
    """Train every job as a Ray task (connecting to, or starting, the cluster `cfg.address` names unless
    Ray is already initialized in this process); raise RunsFailed naming each run that failed."""
    ray = import_ray()
    started_here = not ray.is_initialized()
    if started_here:
        _connect(ray, cfg.address)
    try:
        progress.slots = _slots(ray.cluster_resources(), cfg)
        task = ray.remote(run_task).options(num_cpus=cfg.cpus_per_run, num_gpus=cfg.gpus_per_run, max_retries=0)
        threads = max(1, int(cfg.cpus_per_run))
        pending = {task.remote(_absolute(job), threads): job for job in jobs}
        try:
            with raising(stop_names(jobs)):  # SIGTERM, SIGUSR1 (train.stop_signals) as Ctrl-C: exit 128 + signal
                failures = _collect(ray, pending, progress)
        except BaseException:  # Ctrl-C, or run folders the driver cannot see: stop the runs still training
            _cancel(ray, list(pending))
            raise
    finally:
        if started_here:
            ray.shutdown()
    if failures:
        raise runs_failed(failures, len(jobs), " on Ray")


def _connect(ray, address: str | None) -> None:
    try:
        ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING)
    except ConnectionError as e:
        raise VaelabError(
            f"cannot reach the Ray cluster at {address or 'RAY_ADDRESS'}: {e}; is it up (`ray status` on the head)? "
            "A cluster with token authentication (recent `ray start` turns it on) needs RAY_AUTH_MODE=token "
            "and its token (~/.ray/auth_token) here too"
        ) from None


def _collect(ray, pending: dict, progress: Progress) -> list[str]:
    """Wait for every task; report each finished run, return 'run: error' for each failed one."""
    failures = []
    while pending:
        [ref], _ = ray.wait(list(pending), num_returns=1)
        job = pending.pop(ref)
        name = Path(job.run_dir).name
        try:
            _, seconds, node = ray.get(ref)
        except ray.exceptions.RayError as e:
            cause = getattr(e, "cause", None) or e
            failures.append(failure_line(name, cause))
            continue
        if not _finished(job.run_dir):
            raise VaelabError(
                f"run {name} finished on node {node}, but {job.run_dir} holds no finished run on this machine: "
                "the sweep's `out` folder must be on a file system that every node mounts at the same path"
            )
        progress.finished(name, seconds)
    return failures


def _cancel(ray, refs: list) -> list:
    """Stop the tasks that are still running (their runs keep their last checkpoint) and wait until they
    have ended, so that a rerun never trains a run folder that a dying task still writes. Tasks that end
    within RETURNING_WAIT_SECONDS are left to return, not cancelled. Returns the cancelled ones."""
    if not refs:
        return []
    _, running = ray.wait(refs, num_returns=len(refs), timeout=RETURNING_WAIT_SECONDS)
    for ref in running:
        ray.cancel(ref, force=True)
    if running:
        ray.wait(running, num_returns=len(running), timeout=CANCEL_WAIT_SECONDS)
    return running


def _slots(resources: dict, cfg: RayConfig) -> int:
    """How many runs the cluster trains at once: its CPUs (and GPUs) divided by each run's share."""
    fits = resources.get("CPU", 1) / cfg.cpus_per_run
    if cfg.gpus_per_run > 0:
        fits = min(fits, resources.get("GPU", 0) / cfg.gpus_per_run)
    return max(1, int(fits))


def _absolute(job: Job) -> Job:
    """Ray workers do not start in the driver's folder: give them absolute run folders."""
    return dataclasses.replace(job, run_dir=str(Path(job.run_dir).absolute()))


def _finished(run_dir: str) -> bool:
    try:
        return bool(read_state(run_dir).get("finished"))
    except VaelabError:
        return False
