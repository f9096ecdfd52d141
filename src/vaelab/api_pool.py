"""vaelab from Python, many runs at once: a sweep, the tutorial, one of the tutorial's experiments.

    import vaelab
    summary = vaelab.sweep({"base": {...}, "grid": {"objective.beta": [1, 4]}}, out="sweeps/beta")
    results = vaelab.experiment("clusters", out="tutorial-out", profile="quick")
    page = vaelab.run_tutorial(out="tutorial-out", profile="quick")

Each is what its command does (`vaelab sweep`, `vaelab experiment`, `vaelab tutorial`), calling the same
function with the same arguments, named as the flags: their runs train in `workers` local processes, or
on Ray with `backend="ray"` (or a `vaelab.parallel.ray_backend.RayConfig` for --address, --cpus-per-run
and --gpus-per-run), and stream to the trackers named in `log` ("tensorboard", "mlflow"; or a TrackingConfig, which also
says where MLflow logs, as --mlflow-uri and --mlflow-experiment). Runs train in other processes, so these
take no callbacks (`vaelab.train` does).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from vaelab.config import check_choice
from vaelab.errors import ConfigError
from vaelab.parallel.pool import BACKENDS, DEFAULT_WORKERS
from vaelab.parallel.ray_backend import RayConfig
from vaelab.parallel.sweep import run_sweep
from vaelab.runs.tracking.config import TrackingConfig, tracking_for

Log = str | Sequence[str] | TrackingConfig


def sweep(
    spec: str | Path | dict,
    *,
    out: str | Path = "sweep-out",
    workers: int | None = None,
    force: bool = False,
    quiet: bool = False,
    backend: str | RayConfig = "local",
    log: Log = (),
) -> dict:
    """Train a grid of runs (`vaelab sweep FILE`) and return its summary (what OUT/summary.json holds).
    `spec`: a sweep file (YAML/JSON), or a dict of the same shape ({"base": ..., "grid": ..., "workers":
    ...}; see vaelab.parallel.sweep). Runs already finished in OUT/runs are reused unless `force`."""
    tracking = tracking_for(log)
    return run_sweep(spec, out, workers=workers, force=force, quiet=quiet, ray=_ray(backend), tracking=tracking)


def experiment(
    name: str,
    *,
    out: str | Path = "tutorial-out",
    profile: str = "quick",
    seeds: int | None = None,
    dataset: str = "mnist",
    data_dir: str | None = None,
    image_size: tuple[int, ...] = (),
    first_seed: int = 0,
    workers: int = 1,
    force: bool = False,
    quiet: bool = True,
    backend: str | RayConfig = "local",
    log: Log = (),
) -> dict:
    """Run one of the tutorial's experiments (`vaelab experiment NAME`) and return its results.json as a
    dict (with "folder", where its figures are). Runs already trained in OUT/runs are reused, so rerunning
    recomputes the measures, tables, claims and figures from the same models."""
    from vaelab.tutorial.registry import EXPERIMENTS
    from vaelab.tutorial.run import make_context, run_experiment

    if name not in EXPERIMENTS:
        raise ConfigError(f"unknown experiment {name!r}; choose one of: {', '.join(EXPERIMENTS)}")
    where = _where(backend, log)
    ctx = make_context(
        out,
        profile,
        seeds,
        dataset=dataset,
        data_dir=data_dir,
        quiet=quiet,
        force=force,
        first_seed=first_seed,
        workers=workers,
        image_size=tuple(image_size),
        **where,
    )
    path = run_experiment(name, ctx)
    return {**json.loads(Path(path).read_text()), "folder": str(Path(path).parent)}


def run_tutorial(
    *,
    out: str | Path = "tutorial-out",
    profile: str = "quick",
    seeds: int | None = None,
    data_dir: str | None = None,
    seed: int = 0,
    workers: int = DEFAULT_WORKERS,
    force: bool = False,
    quiet: bool = False,
    backend: str | RayConfig = "local",
    log: Log = (),
) -> Path:
    """Run every experiment of the tutorial and write its page (`vaelab tutorial`); returns the page's path,
    OUT/index.html (beside it OUT/tutorial.ipynb, with the notebook extra). `profile`: "quick", "full", or
    "tiny" (seconds; for tests). Named run_tutorial, as `vaelab.tutorial` is the tutorial's package."""
    from vaelab.tutorial import run

    where = _where(backend, log)
    return run.run_tutorial(
        out,
        profile=profile,
        data_dir=data_dir,
        seed=seed,
        quiet=quiet,
        force=force,
        seeds=seeds,
        workers=workers,
        **where,
    )


def _where(backend: str | RayConfig, log: Log) -> dict:
    """Where runs train and what they stream to: the `ray` and `tracking` arguments of the tutorial's runner."""
    return {"ray": _ray(backend), "tracking": tracking_for(log)}


def _ray(backend: str | RayConfig) -> RayConfig | None:
    """`--backend`: None for local workers; for "ray", Ray's defaults (a RayConfig: those settings)."""
    if isinstance(backend, RayConfig):
        return backend
    check_choice("backend", backend, BACKENDS)
    return RayConfig() if backend == "ray" else None
