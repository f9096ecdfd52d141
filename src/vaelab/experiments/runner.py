"""The one runner: an experiment is a declaration (arms, measures, claims, figures); this trains and judges it.

An experiment module declares, by these names (`Experiment.from_module` collects them):

    NAME, TITLE  its folder name and the page's heading
    arms      (ctx) -> {label: Arm}: the configs that differ between arms, as data; every arm is trained
              once per seed, and arms are paired by seed (the same seed gives the same initialisation and
              data order)
    measure   (setup, shared) -> {measure: float}: a pure function of one trained run; `shared` is what
              `prepare(ctx, runs)` returns (inputs all runs share), else the Context
    CLAIMS    [Claim]: effects between arms with their predicted sign and smallest effect, fixed in the
              code before any run, judged by `vaelab.experiments.claims` (or `claims(ctx)` when they
              depend on the profile)
    figures   (Trained) -> [{"file", "caption"}]; `tables` likewise (default: every measure, per arm)
    optional  prepare, tables, extra (more keys for results.json), SEEDS, DATASET, NEEDS_LABELS (see
              Experiment), and
              hook: (ctx) -> an epoch hook every run calls while it trains (a learning curve's scorer)

Seeds. A seed count N always means the first N seeds of the context's list, --seed S to S + N - 1
(`Context.seed_list`); the same seed gives every arm the same initialisation and data order. The
experiment's N is the user's --seeds if given, else the experiment's own SEEDS[profile] if it declares
one (kl-annealing: more seeds, since the spread is part of its claim), else
`registry.DEFAULT_SEEDS[profile]`. An arm may train fewer: `Arm.seeds = M` takes the first min(M, N) of
them (`specs.DESCRIPTIVE_SEEDS` for arms no verdict rests on, 1 for a figure's model), never more.

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

from vaelab.errors import DataError
from vaelab.experiments.claims import Claim, judge
from vaelab.experiments.common import (
    Context,
    aggregate,
    fmt,
    group_configs,
    run_folders,
    train_groups,
    unfinished,
    write_results,
)
from vaelab.progress import bar
from vaelab.training.setup import Setup

UNLABELLED_OK = ("generation", "kl-annealing", "sparsity", "denoising")  # the tutorial's, on data without labels


@dataclass(frozen=True)
class Arm:
    """One arm: a run label and the RunConfig sections that define it; trained once per seed."""

    run: str  # the run folder's label; arms of different experiments with the same label and config share runs
    sections: dict = field(default_factory=dict)  # e.g. {"model": {...}, "objective": {"beta": 0.0}}
    seeds: int | None = None  # at most this many of the experiment's seeds (the first); None: all of them
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
    prepare: Callable[[Context, dict[str, list[Setup]]], Any] | None = None  # inputs measures share (default: ctx)
    seeds: dict[str, int] = field(default_factory=dict)  # this experiment's seed count by profile, if not the default
    dataset: str | None = None  # a fixed dataset (dSprites), else the context's
    extra: Callable[[Trained], dict] | None = None  # more keys for results.json
    needs_labels: bool = False  # its measures use class labels (probes, clusters, a classifier's features)
    hook: Callable[[Context], Any] | None = None  # an EpochHook every run calls after each epoch (curves)

    @classmethod
    def from_module(cls, module_name: str) -> Experiment:
        """The experiment a module declares by the names in this file's docstring."""
        m = sys.modules[module_name]
        declared = list(getattr(m, "CLAIMS", []))
        optional = {k: getattr(m, k) for k in ("tables", "prepare", "extra", "hook") if hasattr(m, k)}
        return cls(
            name=m.NAME,
            title=m.TITLE,
            arms=m.arms,
            measure=m.measure,
            claims=getattr(m, "claims", lambda ctx: declared),
            figures=m.figures,
            seeds=getattr(m, "SEEDS", {}),
            dataset=getattr(m, "DATASET", None),
            needs_labels=getattr(m, "NEEDS_LABELS", False),
            **optional,
        )


def context_for(experiment: Experiment, ctx: Context) -> Context:
    """The context the experiment runs in: its own dataset and seed count where it declares them."""
    seeds = ctx.seeds if ctx.seeds_given else experiment.seeds.get(ctx.profile, ctx.seeds)
    return dataclasses.replace(ctx, dataset=experiment.dataset or ctx.dataset, seeds=seeds)


def arm_configs(ctx: Context, arms: dict[str, Arm]) -> dict[str, list]:
    """{run label: one config per seed the arm trains}."""
    return {arm.run: group_configs(ctx, arm.run, arm.seeds, **arm.sections) for arm in arms.values()}


def train_arms(ctx: Context, arms: dict[str, Arm], desc: str = "training", hook=None) -> dict[str, list[Setup]]:
    """Every arm x seed, trained (or reused) in one pool; {arm: setups in seed order}."""
    trained = train_groups(ctx, arm_configs(ctx, arms), desc=desc, hook=hook)
    return {name: trained[arm.run] for name, arm in arms.items()}


def planned(experiment: Experiment, ctx: Context) -> list:
    """The (config, run folder, hook) of every run the experiment would train in `ctx` and has not: so a
    caller can train several experiments' runs in one pool before running them (vaelab tutorial)."""
    ctx = context_for(experiment, ctx)
    check_data(experiment, ctx)
    hook = experiment.hook(ctx) if experiment.hook else None
    return unfinished(ctx, run_folders(ctx, arm_configs(ctx, experiment.arms(ctx))), hook)


def measure_all(experiment: Experiment, ctx: Context, arms: dict[str, Arm], runs: dict, shared) -> dict:
    """{arm: {seed: measures}} for every measured arm, with a progress bar on a terminal."""
    todo = [(name, s) for name, arm in arms.items() if arm.measured for s in runs[name]]
    per_seed: dict[str, dict[int, dict[str, float]]] = {name: {} for name, arm in arms.items() if arm.measured}
    for name, setup in bar(todo, quiet=ctx.quiet, desc=f"{ctx.slug(experiment.name)}: scoring", unit="run"):
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
    hook = experiment.hook(ctx) if experiment.hook else None
    runs = train_arms(ctx, arms, desc=f"{ctx.slug(experiment.name)}: training", hook=hook)
    shared = experiment.prepare(ctx, runs) if experiment.prepare else ctx
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
