"""The one runner: an experiment is a declaration (tutorial/experiment.py); this trains and judges it.

`run(experiment, ctx)` trains every arm x seed not yet finished (in ctx.workers processes, or on Ray),
applies the measure to each, judges every claim by the one rule and writes OUT/NAME/results.json, which the
report reads. `runs_to_train` lists what an experiment would train, so `vaelab tutorial` can train every
experiment's runs in one pool first.
"""

from __future__ import annotations

import dataclasses
import time

from vaelab.errors import DataError
from vaelab.progress import bar
from vaelab.runs.build import BuiltRun
from vaelab.tutorial.claims import judge
from vaelab.tutorial.context import Context, group_configs, jobs_to_train, run_folders, train_groups
from vaelab.tutorial.experiment import Arm, Experiment, TrainedArms
from vaelab.tutorial.results import aggregate, fmt, write_results

UNLABELLED_OK = ("generation", "kl-annealing", "sparsity", "denoising")  # the tutorial's, on data without labels


def context_for(experiment: Experiment, ctx: Context) -> Context:
    """The context the experiment runs in: its own dataset and seed count where it declares them."""
    own = experiment.seeds[ctx.profile] if experiment.seeds is not None else None
    seeds = ctx.seeds if ctx.seeds_given or own is None else own
    return dataclasses.replace(ctx, dataset=experiment.dataset or ctx.dataset, seeds=seeds)


def arm_configs(ctx: Context, arms: dict[str, Arm]) -> dict[str, list]:
    """{run label: one config per seed the arm trains}."""
    return {arm.run: group_configs(ctx, arm.run, arm.seeds, **arm.sections) for arm in arms.values()}


def train_arms(ctx: Context, arms: dict[str, Arm], desc: str = "training", hook=None) -> dict[str, list[BuiltRun]]:
    """Every arm x seed, trained (or reused) in one pool; {arm: setups in seed order}."""
    trained = train_groups(ctx, arm_configs(ctx, arms), desc=desc, hook=hook)
    return {name: trained[arm.run] for name, arm in arms.items()}


def runs_to_train(experiment: Experiment, ctx: Context) -> list:
    """The (config, run folder, hook) of every run the experiment would train in `ctx` and has not: so a
    caller can train several experiments' runs in one pool before running them (vaelab tutorial)."""
    ctx = context_for(experiment, ctx)
    check_labels(experiment, ctx)
    hook = experiment.hook(ctx) if experiment.hook else None
    return jobs_to_train(ctx, run_folders(ctx, arm_configs(ctx, experiment.arms(ctx))), hook)


def measure_arms(experiment: Experiment, ctx: Context, arms: dict[str, Arm], runs: dict, shared) -> dict:
    """{arm: {seed: measures}} for every measured arm, with a progress bar on a terminal."""
    todo = [(name, s) for name, arm in arms.items() if arm.measured for s in runs[name]]
    per_seed: dict[str, dict[int, dict[str, float]]] = {name: {} for name, arm in arms.items() if arm.measured}
    for name, built in bar(todo, quiet=ctx.quiet, desc=f"{ctx.slug(experiment.name)}: scoring", unit="run"):
        per_seed[name][built.cfg.train.seed] = experiment.measure(built, shared)
    return per_seed


def measures_table(trained: TrainedArms, title: str = "Per arm, mean ± std over seeds", digits: int = 3) -> list[dict]:
    """The default table: every measure (rows) of every measured arm (columns), mean ± std over seeds."""
    arms = list(trained.per_seed)
    keys = list(next(iter(next(iter(trained.per_seed.values())).values())))
    rows = [[k] + [fmt(aggregate([m[k] for m in trained.per_seed[a].values()]), digits) for a in arms] for k in keys]
    return [{"title": title, "columns": ["measure", *arms], "rows": rows}]


def check_labels(experiment: Experiment, ctx: Context) -> None:
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
    check_labels(experiment, ctx)
    folder = ctx.folder(experiment.name)
    arms = experiment.arms(ctx)
    hook = experiment.hook(ctx) if experiment.hook else None
    runs = train_arms(ctx, arms, desc=f"{ctx.slug(experiment.name)}: training", hook=hook)
    shared = experiment.prepare(ctx, runs) if experiment.prepare else ctx
    per_seed = measure_arms(experiment, ctx, arms, runs, shared)
    trained = TrainedArms(ctx, folder, arms, runs, per_seed, shared)
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
