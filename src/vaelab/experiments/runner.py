"""The one runner: an experiment is a declaration (arms, measures, claims, figures); this trains and judges it.

    arms      {label: Arm}: the configs that differ between arms, as data; every arm is trained once per
              seed, and arms are paired by seed (the same seed gives the same initialisation and data order)
    measure   (setup, shared) -> {measure: float}: a pure function of one trained run
    claims    [Claim]: effects between arms with their predicted sign and smallest effect, fixed in the
              code before any run; judged by `vaelab.experiments.claims`
    figures   (Trained) -> [{"file", "caption"}]; tables likewise (default: every measure, per arm)

`run(experiment, ctx)` trains every arm x seed not yet finished (in ctx.workers processes), applies the
measure to each, judges every claim and writes OUT/NAME/results.json, which the report reads.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from vaelab.errors import DataError
from vaelab.experiments.claims import Claim, judge
from vaelab.experiments.common import Context, aggregate, fmt, group_configs, train_groups, write_results
from vaelab.training.setup import Setup

UNLABELLED_OK = ("generation", "kl-annealing", "sparsity", "denoising")  # the tutorial's, on data without labels


@dataclass(frozen=True)
class Arm:
    """One arm: a run label and the RunConfig sections that define it; trained once per seed."""

    run: str  # the run folder's label; arms of different experiments with the same label and config share runs
    sections: dict = field(default_factory=dict)  # e.g. {"model": {...}, "objective": {"beta": 0.0}}
    seeds: int | None = None  # None: every seed of the experiment; 1: the first only (a figure's model)
    measured: bool = True  # False: trained for figures only


@dataclass
class Trained:
    """What figures and tables see: the context, the experiment's folder, trained runs and their measures."""

    ctx: Context
    folder: Path
    arms: dict[str, Arm]
    runs: dict[str, list[Setup]]
    per_seed: dict[str, dict[int, dict[str, float]]]
    shared: Any = None

    def first(self, arm: str) -> Setup:
        return self.runs[arm][0]


@dataclass(frozen=True)
class Experiment:
    name: str
    title: str
    arms: Callable[[Context], dict[str, Arm]]
    measure: Callable[[Setup, Any], dict[str, float]]
    claims: Callable[[Context], list[Claim]]
    figures: Callable[[Trained], list[dict]]
    tables: Callable[[Trained], list[dict]] | None = None  # default: measure x arm, mean ± std
    prepare: Callable[[Context, dict[str, list[Setup]]], Any] | None = None  # inputs measures share
    seeds: dict[str, int] = field(default_factory=dict)  # this experiment's seeds by profile, if not the default
    dataset: str | None = None  # a fixed dataset (dSprites), else the context's
    extra: Callable[[Trained], dict] | None = None  # more keys for results.json
    needs_labels: bool = False  # its measures use class labels (probes, clusters, a classifier's features)


def context_for(experiment: Experiment, ctx: Context) -> Context:
    """The context the experiment runs in: its own dataset and seed count where it declares them."""
    seeds = ctx.seeds if ctx.seeds_given else experiment.seeds.get(ctx.profile, ctx.seeds)
    return dataclasses.replace(ctx, dataset=experiment.dataset or ctx.dataset, seeds=seeds)


def train_arms(ctx: Context, arms: dict[str, Arm]) -> dict[str, list[Setup]]:
    """Every arm x seed, trained (or reused) in one pool; {arm: setups in seed order}."""
    configs = {arm.run: group_configs(ctx, arm.run, arm.seeds, **arm.sections) for arm in arms.values()}
    trained = train_groups(ctx, configs)
    return {name: trained[arm.run] for name, arm in arms.items()}


def measure_all(experiment: Experiment, ctx: Context, arms: dict[str, Arm], runs: dict, shared) -> dict:
    """{arm: {seed: measures}} for every measured arm, with a progress bar on a terminal."""
    todo = [(name, s) for name, arm in arms.items() if arm.measured for s in runs[name]]
    per_seed: dict[str, dict[int, dict[str, float]]] = {name: {} for name, arm in arms.items() if arm.measured}
    show = not ctx.quiet and sys.stderr.isatty()
    for name, setup in tqdm(todo, desc=f"{experiment.name}: measuring", unit="run", disable=not show, leave=False):
        per_seed[name][setup.cfg.train.seed] = experiment.measure(setup, shared)
    return per_seed


def measures_table(trained: Trained, title: str = "Per arm, mean ± std over seeds", digits: int = 3) -> list[dict]:
    """The default table: every measure (rows) of every measured arm (columns), mean ± std over seeds."""
    arms = list(trained.per_seed)
    keys = list(next(iter(next(iter(trained.per_seed.values())).values())))
    rows = [[k] + [fmt(aggregate([m[k] for m in trained.per_seed[a].values()]), digits) for a in arms] for k in keys]
    return [{"title": title, "columns": ["measure", *arms], "rows": rows}]


def check_data(experiment: Experiment, ctx: Context) -> None:
    """Read the data before anything is trained or written: bad data are refused first, and so is an
    experiment that needs labels on data without them."""
    data = ctx.data()
    if experiment.needs_labels and not data.labelled:
        raise DataError(
            f"experiment {experiment.name} needs labelled data (its measures use the classes), and {ctx.dataset} "
            "has no labels: put the images in class subfolders, or save labels y beside x; "
            f"experiments that run without labels: {', '.join(UNLABELLED_OK)}"
        )


def run(experiment: Experiment, ctx: Context) -> dict:
    started = time.perf_counter()
    ctx = context_for(experiment, ctx)
    check_data(experiment, ctx)
    folder = ctx.folder(experiment.name)
    arms = experiment.arms(ctx)
    runs = train_arms(ctx, arms)
    shared = experiment.prepare(ctx, runs) if experiment.prepare else None
    per_seed = measure_all(experiment, ctx, arms, runs, shared)
    trained = Trained(ctx, folder, arms, runs, per_seed, shared)
    claims = [judge(c, per_seed) for c in experiment.claims(ctx)]
    metrics = {
        f"{k}[{arm}]": aggregate([m[k] for m in seeds.values()])
        for arm, seeds in per_seed.items()
        for k in next(iter(seeds.values()), {})
    }
    payload = {
        "metrics": metrics,
        "per_seed": {arm: {str(s): m for s, m in seeds.items()} for arm, seeds in per_seed.items()},
        "tables": (experiment.tables or measures_table)(trained),
        "figures": experiment.figures(trained),
        "claims": claims,
        "arms": {name: {"run": arm.run, **arm.sections} for name, arm in arms.items()},
        "runs": {name: [s.run_dir.name for s in setups] for name, setups in runs.items()},
        "configs": {s.run_dir.name: s.cfg for setups in runs.values() for s in setups},
        "seeds": ctx.seeds,
        "seed_list": ctx.seed_list,
        **(experiment.extra(trained) if experiment.extra else {}),
    }
    return {"path": write_results(ctx, experiment.name, experiment.title, payload, started)}
