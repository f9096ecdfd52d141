"""Where and how an experiment runs (its Context), and where its runs live: OUT/runs/LABEL-HASH, shared by
every experiment that needs the same model, trained once."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from vaelab.config import from_dict, to_dict
from vaelab.data import ImageDataset, load_data
from vaelab.data.registry import is_path
from vaelab.evaluation.feature_classifier import classifier_for
from vaelab.parallel.pool import RayConfig, train_jobs
from vaelab.runs.build import BuiltRun
from vaelab.runs.hooks import chain_hooks
from vaelab.runs.load import load_run
from vaelab.runs.state import RunState, run_state
from vaelab.runs.tracking.config import TrackingConfig
from vaelab.runs.tracking.hook import tracking_hook
from vaelab.training.config import RunConfig
from vaelab.tutorial.profiles import CLASSIFIER


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
    ray: RayConfig | None = None  # train the runs as tasks on a Ray cluster instead (vaelab.parallel)
    tracking: TrackingConfig | None = None  # stream every run's epochs to TensorBoard / MLflow
    image_size: tuple[int, ...] = ()  # your own folder of images: resize them (data.image_size)

    @property
    def seed_list(self) -> list[int]:
        return list(range(self.first_seed, self.first_seed + self.seeds))

    def classifier(self, dataset, device):
        """The feature classifier for Frechet distances and confidences, cached in OUT/classifiers."""
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


def run_config(ctx: Context, **sections) -> RunConfig:
    """A RunConfig on the context's dataset and data folder; `sections` are keyword dicts per section,
    e.g. run_config(ctx, model={"latent_dim": 2}, train={"epochs": 5, "seed": 1})."""
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
) -> dict[str, list[BuiltRun]]:
    """Train every config not yet finished (in ctx.workers processes or on Ray; an interrupted run continues
    from its checkpoint), then load them all, by group. `hook` runs after every epoch (vaelab.runs.hooks);
    `desc` names the progress bar."""
    named = run_folders(ctx, groups)
    train_jobs(jobs_to_train(ctx, named, hook), ctx.workers, ctx.quiet, fresh=ctx.force, desc=desc, ray=ctx.ray)
    return {label: [load_run(run_dir, cfg=cfg) for cfg, run_dir in jobs] for label, jobs in named.items()}


def run_folders(ctx: Context, groups: dict[str, tuple[RunConfig, ...] | list[RunConfig]]) -> dict[str, list]:
    """{label: [(config, its run folder OUT/runs/LABEL-HASH)]}: where each group's configs train."""
    return {
        label: [(cfg, run_dir_for(cfg, ctx, _seed_label(label, cfg, len(cfgs)))) for cfg in cfgs]
        for label, cfgs in groups.items()
    }


def jobs_to_train(ctx: Context, named: dict[str, list], hook=None) -> list[tuple[RunConfig, Path, object]]:
    """(config, run folder, epoch hook) of every run in `named` that still has to train (all of them with
    ctx.force), each folder once; the hook is `hook` chained with the context's trackers."""
    hook = chain_hooks(hook, tracking_hook(ctx.tracking))
    todo, seen = [], set()
    for jobs in named.values():
        for cfg, run_dir in jobs:
            if run_dir not in seen and (ctx.force or run_state(run_dir, cfg) is not RunState.FINISHED):
                todo.append((cfg, run_dir, hook))
            seen.add(run_dir)
    return todo


def _seed_label(label: str, cfg: RunConfig, count: int) -> str:
    return f"{label}-seed{cfg.train.seed}" if count != 1 or "seed" not in label else label
