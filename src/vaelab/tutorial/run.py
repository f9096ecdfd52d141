"""`vaelab tutorial` and `vaelab experiment NAME`: run the experiments, then write the report."""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path

import torch

from vaelab.parallel.pool import RayConfig, in_processes, threads_per_worker, train_jobs
from vaelab.runs.tracking.config import TrackingConfig
from vaelab.tutorial import runner
from vaelab.tutorial.context import Context
from vaelab.tutorial.profiles import DEFAULT_SEEDS
from vaelab.tutorial.registry import EXPERIMENTS
from vaelab.tutorial.report.html import write_report
from vaelab.tutorial.report.notebook import write_notebook


def run_experiment(name: str, ctx: Context) -> Path:
    return runner.run(EXPERIMENTS[name], ctx)["path"]


def make_context(out: str | Path, profile: str = "quick", seeds: int | None = None, **fields) -> Context:
    """Where and how experiments run: the profile's seed count unless `seeds` is given; `fields` are the
    other fields of Context (dataset, data_dir, first_seed, workers, ...)."""
    return Context(
        out=Path(out),
        profile=profile,
        seeds=seeds or DEFAULT_SEEDS[profile],
        seeds_given=seeds is not None,
        **fields,
    )


def train_all(jobs: list[tuple[str, Context]], ctx: Context) -> None:
    """Train every experiment's runs first, in one pool: the workers stay busy from the first run to the
    last, instead of idling at the end of each experiment while its last run finishes; runs that several
    experiments share train once. The experiments then find their runs finished and only measure."""
    todo, seen = [], set()
    for name, job_ctx in jobs:
        for job in runner.runs_to_train(EXPERIMENTS[name], job_ctx):
            if job[1] not in seen:
                todo.append(job)
                seen.add(job[1])
    train_jobs(todo, ctx.workers, ctx.quiet, fresh=ctx.force, desc="tutorial: training", ray=ctx.ray)


# The slowest to measure (two t-SNE maps each, the IWAE NLL of the autoregressive decoder's runs), started first
# so that the processes measuring side by side end close together.
MEASURED_FIRST = ("latent-kl", "clusters", "kl-annealing")


def measure_all(jobs: list[tuple[str, Context]], quiet: bool, workers: int = 1) -> None:
    """Run each experiment (its runs already trained): in turn, or in `workers` processes of one thread
    each, since an experiment's measuring is mostly single-threaded (t-SNE, scikit-learn, small batches);
    a line per experiment with the time left."""
    started = time.perf_counter()

    def line(done: int, name: str, job_ctx: Context, verb: str) -> None:  # `done` experiments have ended
        elapsed = time.perf_counter() - started
        eta = f", about {elapsed / done * (len(jobs) - done) / 60:.1f} min left" if done else ""
        number = done if verb == "measured" else done + 1
        if not quiet:
            print(f"[{number}/{len(jobs)}] {job_ctx.slug(name)}: {verb} ({elapsed / 60:.1f} min{eta})", file=sys.stderr)

    if workers <= 1 or len(jobs) <= 1:
        for i, (name, job_ctx) in enumerate(jobs):
            line(i, name, job_ctx, "measuring")
            run_experiment(name, job_ctx)
        return
    ordered = sorted(jobs, key=lambda job: job[0] not in MEASURED_FIRST)
    quietly = [(name, dataclasses.replace(job_ctx, quiet=True)) for name, job_ctx in ordered]
    measured = in_processes(
        _measure_one, quietly, min(workers, len(jobs)), torch.set_num_threads, (threads_per_worker(workers),)
    )
    for i, (name, job_ctx) in enumerate(measured):
        line(i + 1, name, job_ctx, "measured")


def _measure_one(job: tuple[str, Context]) -> tuple[str, Context]:
    """One experiment, in a pool's worker: scikit-learn's parallel loops run in this process (a daemonic
    worker cannot start its own, and joblib would warn on every call that it falls back to one job)."""
    from joblib import parallel_config

    with parallel_config(backend="sequential"):
        run_experiment(*job)
    return job


def run_tutorial(
    out: str | Path,
    profile: str = "quick",
    data_dir: str | None = None,
    seed: int = 0,
    quiet: bool = False,
    force: bool = False,
    seeds: int | None = None,
    only: list[str] | None = None,
    workers: int = 1,
    ray: RayConfig | None = None,
    tracking: TrackingConfig | None = None,
) -> Path:
    """Run the experiments (all, or `only`) on MNIST into `out`, then write out/index.html (and
    out/tutorial.ipynb, when nbformat is installed); their runs train in `workers` local processes, or on Ray
    when `ray` is given, streaming to the trackers of `tracking`."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    settings = {"data_dir": data_dir, "quiet": quiet, "force": force, "workers": workers, "ray": ray}
    ctx = make_context(out, profile, seeds, first_seed=seed, tracking=tracking, **settings)
    jobs = [(name, ctx) for name in EXPERIMENTS if not only or name in only]
    started = time.perf_counter()
    train_all(jobs, ctx)
    measuring = time.perf_counter()
    trained = [(name, dataclasses.replace(job_ctx, force=False)) for name, job_ctx in jobs]
    measure_all(trained, quiet, workers if ray is None else 1)
    info = {
        "profile": profile,
        "seeds per arm (where an experiment sets none of its own)": ctx.seeds,
        "experiments": len(jobs),
        "minutes": round((time.perf_counter() - started) / 60, 1),
        "minutes training": round((measuring - started) / 60, 1),  # all runs, in one pool
    }
    page = write_report(out, info)
    if write_notebook(out, profile, seeds, seed) is None and not quiet:
        print("vaelab: tutorial.ipynb not written: pip install 'vaelab[notebook]' for it", file=sys.stderr)
    return page
