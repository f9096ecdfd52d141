"""Sweeps as data: a grid of settings over a base config, trained by a local pool of worker processes or on Ray.

A sweep file (YAML or JSON):

    base:                       # RunConfig sections, as in `vaelab train --config`
      model: {latent_dim: 10}
      train: {epochs: 5}
    grid:                       # dotted keys -> lists of values; every combination is one run
      objective.beta: [1, 4]
      train.seed: [0, 1, 2]
    workers: 2                  # optional; --workers overrides

Each run gets its own folder OUT/runs/NAME, NAME built from its grid values (e.g. beta4-seed0); a run
that already finished with the same config is skipped. Every config is checked before anything trains,
so a typo fails at once. At the end one table: the grid values, the test loss and the training time of
each run, also written to OUT/summary.json.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from vaelab.atomic import atomic_write_text
from vaelab.config import from_dict, load_file, to_dict, unknown_key_error
from vaelab.errors import ConfigError
from vaelab.markdown import markdown_table
from vaelab.parallel.pool import DEFAULT_WORKERS, RayConfig, train_jobs
from vaelab.runs.evaluate import evaluate_run
from vaelab.runs.state import RunState, run_state
from vaelab.runs.tracking.config import TrackingConfig
from vaelab.runs.tracking.hook import tracking_hook
from vaelab.training.config import RunConfig
from vaelab.training.history import read_metrics

SWEEP_KEYS = ("base", "grid", "workers")


def read_sweep(path: str | Path) -> dict:
    """Load and check a sweep file: known top-level keys, a non-empty grid of lists."""
    spec = load_file(path)
    for key in spec:
        if key not in SWEEP_KEYS:
            raise unknown_key_error(f"sweep file {path}", key, SWEEP_KEYS)
    grid = spec.get("grid")
    if not isinstance(grid, dict) or not grid:
        raise ConfigError(f"sweep file {path}: 'grid' must map dotted keys to lists, e.g. objective.beta: [1, 4]")
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"sweep file {path}: grid.{key} must be a non-empty list (got {values!r})")
    if not isinstance(spec.get("base", {}), dict):
        raise ConfigError(f"sweep file {path}: 'base' must be a mapping of config sections")
    return spec


def expand(spec: dict) -> list[tuple[str, dict, RunConfig]]:
    """Every combination of the grid: (name, {dotted key: value}, RunConfig), checked."""
    keys = list(spec["grid"])
    out, names = [], set()
    for values in itertools.product(*(spec["grid"][k] for k in keys)):
        point = dict(zip(keys, values))
        data = json.loads(json.dumps(spec.get("base", {})))  # a deep copy of plain data
        for key, value in point.items():
            set_dotted(data, key, value)
        cfg = from_dict(RunConfig, data)
        name = run_name(point)
        if name in names:
            raise ConfigError(f"two grid points share the run name {name!r}; make the grid values distinct")
        names.add(name)
        out.append((name, point, cfg))
    return out


def set_dotted(data: dict, key: str, value) -> None:
    """data["a"]["b"] = value for key "a.b" (a config section and a field)."""
    parts = key.split(".")
    if len(parts) != 2:
        raise ConfigError(f"grid key {key!r} must be SECTION.FIELD, e.g. objective.beta or train.seed")
    section = data.setdefault(parts[0], {})
    if not isinstance(section, dict):
        raise ConfigError(f"base.{parts[0]} must be a mapping")
    section[parts[1]] = value


def run_name(point: dict) -> str:
    """'objective.beta': 4, 'train.seed': 0 -> 'beta4-seed0'; lists join with x (hidden64x32); filesystem-safe."""
    parts = [
        f"{key.split('.')[-1].replace('_', '')}{'x'.join(map(str, v)) if isinstance(v, list) else v}"
        for key, v in point.items()
    ]
    return re.sub(r"[^A-Za-z0-9.+-]", "_", "-".join(parts))


def run_sweep(
    path: str | Path,
    out: str | Path,
    workers: int | None = None,
    force: bool = False,
    quiet: bool = False,
    ray: RayConfig | None = None,
    tracking: TrackingConfig | None = None,
) -> dict:
    """Train every grid point not yet finished (in local workers, or as Ray tasks when `ray` is given;
    streaming to the trackers of `tracking`), then evaluate all; returns the summary (also OUT/summary.json)."""
    spec = read_sweep(path)
    points = expand(spec)
    workers = workers or int(spec.get("workers", DEFAULT_WORKERS))
    hook = tracking_hook(tracking)  # refuses a tracker that is not installed before anything trains
    out = Path(out)
    todo = [
        (cfg, out / "runs" / name)
        for name, _, cfg in points
        if force or run_state(out / "runs" / name, cfg) is not RunState.FINISHED
    ]
    if not quiet:
        where = "on Ray" if ray is not None else f"{workers} worker(s)"
        print(f"sweep: {len(points)} runs, {len(points) - len(todo)} already finished, {where}")
    train_jobs(todo, workers, quiet, argv=["vaelab", "sweep", str(path)], fresh=force, hook=hook, ray=ray)
    rows = []
    for name, point, _ in points:
        run_dir = out / "runs" / name
        result = evaluate_run(run_dir)
        loss = result.get("negative_elbo", result.get("loss"))
        seconds = sum(r.get("seconds", 0.0) for r in read_metrics(run_dir))
        rows.append({"run": name, **point, "test_loss": loss, "train_seconds": round(seconds, 2)})
    summary = {
        "sweep": str(path),
        "backend": "ray" if ray is not None else "local",
        "workers": None if ray is not None else workers,
        "trained": len(todo),
        "runs": rows,
        "configs": {name: to_dict(cfg) for name, _, cfg in points},
    }
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    return summary


def summary_table(summary: dict) -> str:
    """The summary as a Markdown table."""
    columns = list(summary["runs"][0])
    return markdown_table(columns, [[r[c] for c in columns] for r in summary["runs"]])
