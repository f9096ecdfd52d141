"""An experiment's results.json, and the aggregation over seeds its tables show.

An experiment writes `OUT/NAME/results.json`:

    {"name", "title", "profile", "seeds", "seed_list", "dataset",
     "metrics": {"measure[arm]": {"mean", "std", "values": [per seed]}},
     "per_seed": {arm: {seed: {measure: value}}},
     "tables": [{"title", "columns", "rows"}],
     "figures": [{"file", "caption"}],
     "claims": [{"id", "claim", "design", "criterion", "verdict", "reason", "evidence",
                 "estimate", "ci_low", "ci_high", "n", "direction", "min_effect", "values",
                 "effects": [one such record per effect]}],
     "arms": {arm: its run label and config sections},
     "configs": {run name: RunConfig as dict}, "environment": {...}, "seconds": float}

Verdicts are computed from the numbers by the one rule in `vaelab.tutorial.claims`; none is written by hand.
The report (`vaelab.tutorial.report`) reads these files and nothing else.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time
from pathlib import Path

import numpy as np

from vaelab.atomic import atomic_write_text
from vaelab.config import to_dict
from vaelab.runs.folder import environment
from vaelab.tutorial.context import Context


def aggregate(values: list[float]) -> dict:
    """Mean and spread (sample standard deviation; 0 for one seed) over seeds."""
    arr = np.asarray(values, dtype=float)
    std = float(arr.std(ddof=1)) if len(arr) > 1 else 0.0
    return {"mean": float(arr.mean()), "std": std, "values": [float(v) for v in arr]}


def fmt(stat: dict, digits: int = 3) -> str:
    """'mean ± std' for tables."""
    if stat["std"] == 0:
        return f"{stat['mean']:.{digits}f}"
    return f"{stat['mean']:.{digits}f} ± {stat['std']:.{digits}f}"


def write_results(ctx: Context, name: str, title: str, payload: dict, started: float) -> Path:
    """Write OUT/NAME/results.json; `started` is the experiment's time.perf_counter() at its start."""
    results = {
        "name": ctx.slug(name),
        "experiment": name,
        "title": title if ctx.dataset == "mnist" else f"{title} ({ctx.dataset_label})",
        "profile": ctx.profile,
        "seeds": ctx.seeds,
        "dataset": ctx.dataset,
        "metrics": {},
        "tables": [],
        "figures": [],
        "claims": [],
        "configs": {},
        **payload,
        "environment": environment(),
        "seconds": round(time.perf_counter() - started, 2),
    }
    path = ctx.folder(name) / "results.json"  # OUT/NAME or OUT/NAME-DATASET
    atomic_write_text(path, json.dumps(json_ready(results), indent=2, allow_nan=False) + "\n")
    return path


def json_ready(value):
    """JSON-ready data: numpy scalars and arrays to Python, NaN and infinity to None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return json_ready(to_dict(value))
    if isinstance(value, dict):
        return {str(k): json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v) for v in value]
    if isinstance(value, np.ndarray):
        return json_ready(value.tolist())
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
