"""What every experiment shares: its context, cached runs, aggregation over seeds, results.json.

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

Verdicts are computed from the numbers by the one rule in `vaelab.experiments.claims`; none is written
by hand.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vaelab.atomic import atomic_write_text
from vaelab.config import to_dict
from vaelab.data import ImageDataset, load_data
from vaelab.data.registry import is_path
from vaelab.experiments.pool import RayConfig, train_jobs
from vaelab.experiments.runs import chain_hooks, load_trained, run_state
from vaelab.experiments.tracking import TrackingConfig, tracking_hook
from vaelab.training.config import RunConfig
from vaelab.training.setup import Setup

# (epochs, training images) of the feature classifier by profile; one epoch reaches 98.0% test accuracy on
# MNIST, two 98.2% (2026-12-02), for 2.6x the time
CLASSIFIER = {"tiny": (1, 2000), "quick": (1, None), "full": (3, None)}


@dataclass
class Context:
    """Where and how an experiment runs."""

    out: Path
    profile: str = "quick"
    seeds: int = 3
    seeds_given: bool = False  # the user chose the seed count: experiments keep it instead of their own
    dataset: str = "mnist"
    data_dir: str | None = None
    quiet: bool = False
    force: bool = False
    first_seed: int = 0
    workers: int = 1  # processes that train runs side by side
    ray: RayConfig | None = None  # train the runs as tasks on a Ray cluster instead (see pool.py)
    tracking: TrackingConfig | None = None  # stream every run's epochs to TensorBoard / MLflow
    image_size: tuple[int, ...] = ()  # your own folder of images: resize them (data.image_size)

    @property
    def seed_list(self) -> list[int]:
        return list(range(self.first_seed, self.first_seed + self.seeds))

    def classifier(self, dataset, device):
        """The feature classifier for Frechet distances and confidences, cached in OUT/classifiers."""
        from vaelab.evaluation.feature_classifier import classifier_for

        epochs, limit = CLASSIFIER[self.profile]
        return classifier_for(dataset, device, self.out, epochs=epochs, limit=limit)

    def slug(self, name: str) -> str:
        """An experiment's folder name: NAME on MNIST, NAME-DATASET on any other dataset (your own data: the
        file or folder's name)."""
        return name if self.dataset == "mnist" else f"{name}-{self.dataset_label}"

    @property
    def dataset_label(self) -> str:
        return Path(self.dataset).expanduser().resolve().stem if is_path(self.dataset) else self.dataset

    def data(self) -> ImageDataset:
        """The context's dataset, loaded (built-in sets and your own are cached per process)."""
        return load_data(run_config(self).data)

    def folder(self, name: str) -> Path:
        path = Path(self.out) / self.slug(name)
        path.mkdir(parents=True, exist_ok=True)
        return path


def profile_data(ctx: Context) -> dict:
    """Data settings by profile: the tiny profile (tests) uses 2,000 training images, the others all."""
    return {"subset": 2000, "val_size": 200} if ctx.profile == "tiny" else {}


def run_config(ctx: Context, **sections) -> RunConfig:
    """A RunConfig on the context's dataset and data folder; `sections` are keyword dicts per section,
    e.g. run_config(ctx, model={"latent_dim": 2}, train={"epochs": 5, "seed": 1})."""
    from vaelab.config import from_dict

    data = {"dataset": ctx.dataset, "data_dir": ctx.data_dir, "image_size": ctx.image_size, **sections.pop("data", {})}
    return from_dict(RunConfig, {"data": data, **sections})


def run_dir_for(cfg: RunConfig, ctx: Context, label: str) -> Path:
    """OUT/runs/LABEL-HASH, HASH the config's digest: experiments that need the same model share one run."""
    digest = hashlib.sha256(json.dumps(to_dict(cfg), sort_keys=True).encode()).hexdigest()[:8]
    return Path(ctx.out) / "runs" / f"{label}-{digest}"


def group_configs(ctx: Context, label: str, seeds: int | None = None, **sections) -> list[RunConfig]:
    """One config per seed of the context (the first `seeds` of them): `sections` as in run_config."""
    return [
        run_config(ctx, **{**sections, "train": {**sections.get("train", {}), "seed": seed}})
        for seed in ctx.seed_list[:seeds]
    ]


def train_groups(
    ctx: Context, groups: dict[str, tuple[RunConfig, ...] | list[RunConfig]], hook=None, desc: str = "training"
) -> dict[str, list[Setup]]:
    """Train every config not yet finished (in ctx.workers processes or on Ray; an interrupted run continues
    from its checkpoint), then load them all, by group. `hook` runs after every epoch (see runs.EpochHook);
    `desc` names the progress bar."""
    named = run_folders(ctx, groups)
    train_jobs(unfinished(ctx, named, hook), ctx.workers, ctx.quiet, fresh=ctx.force, desc=desc, ray=ctx.ray)
    return {label: [load_trained(run_dir, cfg=cfg) for cfg, run_dir in jobs] for label, jobs in named.items()}


def run_folders(ctx: Context, groups: dict[str, tuple[RunConfig, ...] | list[RunConfig]]) -> dict[str, list]:
    """{label: [(config, its run folder OUT/runs/LABEL-HASH)]}: where each group's configs train."""
    return {
        label: [(cfg, run_dir_for(cfg, ctx, _seed_label(label, cfg, len(cfgs)))) for cfg in cfgs]
        for label, cfgs in groups.items()
    }


def unfinished(ctx: Context, named: dict[str, list], hook=None) -> list[tuple[RunConfig, Path, object]]:
    """(config, run folder, epoch hook) of every run in `named` that still has to train (all of them with
    ctx.force), each folder once; the hook is `hook` chained with the context's trackers."""
    hook = chain_hooks(hook, tracking_hook(ctx.tracking))
    todo, seen = [], set()
    for jobs in named.values():
        for cfg, run_dir in jobs:
            if run_dir not in seen and (ctx.force or not finished_with(run_dir, cfg)):
                todo.append((cfg, run_dir, hook))
            seen.add(run_dir)
    return todo


def _seed_label(label: str, cfg: RunConfig, count: int) -> str:
    return f"{label}-seed{cfg.train.seed}" if count != 1 or "seed" not in label else label


def finished_with(run_dir: Path, cfg: RunConfig) -> bool:
    """True when `run_dir` holds a finished run of exactly `cfg` (runs.run_state)."""
    return run_state(run_dir, cfg) == "finished"


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
    from vaelab.training.run_dir import environment

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
    atomic_write_text(path, json.dumps(plain(results), indent=2, allow_nan=False) + "\n")
    return path


def plain(value):
    """JSON-ready data: numpy scalars and arrays to Python, NaN and infinity to None."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return plain(to_dict(value))
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, (np.floating, np.integer, np.bool_)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
