"""Sweeps as data: a grid of settings over a base config, trained by a local pool of worker processes or on Ray.

A sweep file (YAML or JSON):

    base:                       # RunConfig sections, as in `vaelab train --config`
      model: {latent_dim: 10}
      train: {epochs: 5}
    grid:                       # dotted keys -> lists of values; every combination is one run
      objective.beta: [1, 4]
      train.seed: [0, 1, 2]
    workers: 2                  # optional; --workers overrides
    disentanglement: quick      # optional; the sizes runs on factor data are scored at (tiny, quick, full; false: none)

Each run gets its own folder OUT/runs/NAME, NAME built from its grid values (e.g. beta4-seed0); a run
that already finished with the same config is skipped. Every config is checked before anything trains,
so a typo fails at once. At the end one table: the grid values, the test loss and the training time of
each run, also written to OUT/summary.json. Runs on factor data (dsprites, a .npz with `factors`) add MIG,
the FactorVAE score, DCI, SAP and the beta-VAE score (vaelab.runs.factor_report), at the "quick" sizes
unless the file says otherwise: half of disentanglement_lib's points for MIG, DCI and SAP and a tenth of its
votes for FactorVAE and beta-VAE (for a small MLP on dsprites-32, 3 s a run against 10 s for "full").
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

from vaelab.atomic import atomic_write_text
from vaelab.config import check_choice, from_dict, load_file, to_dict, unknown_key_error
from vaelab.errors import ConfigError
from vaelab.evaluation.protocols import REPORT_PROTOCOLS
from vaelab.markdown import markdown_table
from vaelab.parallel.pool import DEFAULT_WORKERS, RayConfig, train_jobs
from vaelab.runs.evaluate import evaluation_report
from vaelab.runs.factor_report import SCORE_KEYS
from vaelab.runs.load import load_run
from vaelab.runs.state import RunState, run_state
from vaelab.runs.tracking.config import TrackingConfig
from vaelab.runs.tracking.hook import tracking_hook
from vaelab.training.config import RunConfig
from vaelab.training.history import read_metrics

SWEEP_KEYS = ("base", "grid", "workers", "disentanglement")
SWEEP_PROTOCOL = "quick"  # the disentanglement metrics' sizes for runs on factor data, unless the file says
SWEEP_CHOICES = (*REPORT_PROTOCOLS, False)


def read_sweep(path: str | Path | dict) -> dict:
    """Load and check a sweep file (or, from Python, a dict of its shape): known top-level keys, a non-empty
    grid of lists."""
    spec, path = (path, "(a dict)") if isinstance(path, dict) else (load_file(path), path)
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
    check_choice(f"sweep file {path}: disentanglement", spec.get("disentanglement", SWEEP_PROTOCOL), SWEEP_CHOICES)
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
    path: str | Path | dict,
    out: str | Path,
    workers: int | None = None,
    force: bool = False,
    quiet: bool = False,
    ray: RayConfig | None = None,
    tracking: TrackingConfig | None = None,
    only: int | None = None,
) -> dict:
    """Train every grid point not yet finished (in local workers, or as Ray tasks when `ray` is given;
    streaming to the trackers of `tracking`), then evaluate all; returns the summary (also OUT/summary.json).
    With `only`, train grid point number `only` alone (an array job's share; see `grid_listing`) and return
    {"run", "index", "trained"}: `summarize_sweep` makes the summary once the points have finished."""
    spec = read_sweep(path)
    points = expand(spec)
    workers = workers or int(spec.get("workers", DEFAULT_WORKERS))
    hook = tracking_hook(tracking)  # refuses a tracker that is not installed before anything trains
    out = Path(out)
    chosen = points if only is None else [point_at(points, only)]
    todo = [
        (cfg, out / "runs" / name)
        for name, _, cfg in chosen
        if force or run_state(out / "runs" / name, cfg) is not RunState.FINISHED
    ]
    if not quiet:
        where = "on Ray" if ray is not None else f"{workers} worker(s)"
        print(f"sweep: {len(chosen)} runs, {len(chosen) - len(todo)} already finished, {where}")
    argv = None if isinstance(path, dict) else ["vaelab", "sweep", str(path)]  # None: this process's command
    train_jobs(todo, workers, quiet, argv=argv, fresh=force, hook=hook, ray=ray, desc="sweep")
    if only is not None:
        return {"run": chosen[0][0], "index": only, "trained": len(todo)}
    backend = {"backend": "ray" if ray is not None else "local", "workers": None if ray is not None else workers}
    return summarize_sweep(path, out, trained=len(todo), **backend)


def point_at(points: list, index: int) -> tuple[str, dict, RunConfig]:
    """Grid point number `index` (0-based, in `grid_listing`'s order), or one line saying the range."""
    if not 0 <= index < len(points):
        raise ConfigError(f"`only` must be a grid point's index, 0 to {len(points) - 1} (got {index})")
    return points[index]


def grid_listing(path: str | Path | dict, out: str | Path) -> list[dict]:
    """The grid without training: each point's index, run name and config, the config also written to
    OUT/configs/NAME.json (what `vaelab train --config` takes; an array job may train a point that way, or
    by `vaelab sweep FILE --only INDEX`, which keeps the sweep's folder layout)."""
    folder = Path(out) / "configs"
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for index, (name, point, cfg) in enumerate(expand(read_sweep(path))):
        atomic_write_text(folder / f"{name}.json", json.dumps(to_dict(cfg), indent=2) + "\n")
        rows.append({"index": index, "run": name, **point, "config": str(folder / f"{name}.json")})
    return rows


def summarize_sweep(
    path: str | Path | dict, out: str | Path, trained: int | None = None, backend: str = "local", workers=None
) -> dict:
    """Evaluate the finished grid points in OUT/runs and write OUT/summary.json; points not finished yet are
    named under "unfinished" (`trained`: how many this call trained, None when it trained nothing itself)."""
    spec, out = read_sweep(path), Path(out)
    points = expand(spec)
    rows, unfinished = [], []
    for name, point, cfg in points:
        run_dir = out / "runs" / name
        if run_state(run_dir, cfg) is not RunState.FINISHED:
            unfinished.append(name)
            continue
        result = evaluate_sweep_run(run_dir, spec.get("disentanglement", SWEEP_PROTOCOL))
        loss = result.get("negative_elbo", result.get("loss"))
        scores = {k: round(result[k], 4) for k in SCORE_KEYS if k in result}
        seconds = sum(r.get("seconds", 0.0) for r in read_metrics(run_dir))
        rows.append({"run": name, **point, "test_loss": loss, **scores, "train_seconds": round(seconds, 2)})
    summary = {
        "sweep": path if isinstance(path, dict) else str(path),
        "backend": backend,
        "workers": workers,
        "trained": trained,
        "runs": rows,
        "unfinished": unfinished,
        "configs": {name: to_dict(cfg) for name, _, cfg in points},
    }
    atomic_write_text(out / "summary.json", json.dumps(summary, indent=2) + "\n")
    return summary


def evaluate_sweep_run(run_dir: Path, protocol: str | bool) -> dict:
    """A run's evaluation report, with the disentanglement metrics at `protocol`'s sizes when it trained on
    factor data (`protocol` False: never)."""
    built = load_run(run_dir)
    scored = protocol is not False and built.dataset.factors is not None
    return evaluation_report(built, disentanglement=scored, disentanglement_protocol=protocol if scored else None)


def summary_table(summary: dict) -> str:
    """The summary as a Markdown table (a run off factor data leaves the disentanglement columns blank)."""
    columns = list(dict.fromkeys(c for r in summary["runs"] for c in r))
    return markdown_table(columns, [[r.get(c, "") for c in columns] for r in summary["runs"]])
