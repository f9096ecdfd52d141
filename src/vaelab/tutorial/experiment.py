"""An experiment as a declaration: its arms, measure, claims and figures, as data; `runner.run` does the rest.

Each module of `vaelab.tutorial.experiments` ends with

    EXPERIMENT = Experiment(name=..., title=..., arms=..., measure=..., claims=..., figures=..., ...)

    arms      (ctx) -> {label: Arm}: the configs that differ between arms, as data; every arm is trained
              once per seed, and arms are paired by seed (the same seed gives the same initialisation and
              data order)
    measure   (built, shared) -> {measure: float}: a pure function of one trained run; `shared` is what
              `prepare(ctx, runs)` returns (inputs all runs share), else the Context
    claims    (ctx) -> [Claim]: effects between arms with their predicted sign and smallest effect, fixed
              in the code before any run, judged by `vaelab.tutorial.claims`
    figures   (TrainedArms) -> [{"file", "caption"}]; `tables` likewise (default: every measure, per arm)
    optional  prepare, tables, extra (more keys for results.json), seeds, dataset, needs_labels, and
              hook: (ctx) -> an epoch hook every run calls while it trains (a learning curve's scorer)

Seeds. A seed count N always means the first N seeds of the context's list, --seed S to S + N - 1
(`Context.seed_list`); the same seed gives every arm the same initialisation and data order. The
experiment's N is the user's --seeds if given, else the experiment's own `seeds[profile]` if it declares
them (kl-annealing: more seeds, since the spread is part of its claim), else the context's count (by
default `profiles.DEFAULT_SEEDS`). An
arm may train fewer: `Arm.seeds = M` takes the first min(M, N) of them (`shared_arms.DESCRIPTIVE_SEEDS`
for arms no verdict rests on, 1 for a figure's model), never more.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vaelab.runs.build import BuiltRun
from vaelab.tutorial.claims import Claim
from vaelab.tutorial.context import Context
from vaelab.tutorial.profiles import ByProfile


@dataclass(frozen=True)
class Arm:
    """One arm: a run label and the RunConfig sections that define it; trained once per seed."""

    run: str  # the run folder's label; arms of different experiments with the same label and config share runs
    sections: dict = field(default_factory=dict)  # e.g. {"model": {...}, "objective": {"beta": 0.0}}
    seeds: int | None = None  # at most this many of the experiment's seeds (the first); None: all of them
    measured: bool = True  # False: trained for figures only


@dataclass
class TrainedArms:
    """What figures and tables see: the context, the experiment's folder, trained runs and their measures."""

    ctx: Context
    folder: Path
    arms: dict[str, Arm]
    runs: dict[str, list[BuiltRun]]
    per_seed: dict[str, dict[int, dict[str, float]]]
    shared: Any = None

    def first(self, arm: str) -> BuiltRun:
        return self.runs[arm][0]


@dataclass(frozen=True)
class Experiment:
    name: str
    title: str
    arms: Callable[[Context], dict[str, Arm]]
    measure: Callable[[BuiltRun, Any], dict[str, float]]
    claims: Callable[[Context], list[Claim]]
    figures: Callable[[TrainedArms], list[dict]]
    tables: Callable[[TrainedArms], list[dict]] | None = None  # default: measure x arm, mean ± std
    prepare: Callable[[Context, dict[str, list[BuiltRun]]], Any] | None = None  # inputs measures share (default: ctx)
    seeds: ByProfile[int | None] | None = None  # this experiment's seed count (None: the context's)
    dataset: str | None = None  # a fixed dataset (dSprites), else the context's
    extra: Callable[[TrainedArms], dict] | None = None  # more keys for results.json
    needs_labels: bool = False  # its measures use class labels (probes, clusters, a classifier's features)
    hook: Callable[[Context], Any] | None = None  # an EpochHook every run calls after each epoch (curves)
