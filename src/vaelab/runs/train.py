"""Train one run folder: the one function every way of training calls (the CLI, the Python API, the local
pool, Ray, sweeps and the tutorial's experiments).

`train_run(cfg, RUN, existing=...)` says what to do with a folder that already holds something
(`runs.state.RunState`):

- "refuse": a folder that holds any run is refused; train into an empty one;
- "reuse" (`vaelab train --out RUN`, `vaelab.train(out=RUN)`): continue an unfinished run of `cfg` from its
  checkpoint and leave a finished one as it is (one line says which), start over a run of `cfg` stopped
  before its first checkpoint, and refuse anything else, naming the settings that differ;
- "continue" (`vaelab train --resume RUN`, sweeps, experiments): continue an unfinished run of `cfg` from
  its checkpoint (on the CPU bitwise as if never stopped), start over a run of `cfg` stopped before its
  first checkpoint, and replace anything else;
- "replace" (`force`): train afresh whatever the folder holds.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vaelab.config import check_choice
from vaelab.data.batches import VAL_MAX
from vaelab.errors import VaelabError
from vaelab.runs.build import BuiltRun, OwnParts, build, training_size
from vaelab.runs.folder import prepare_run_dir, record_data, recorded_argv
from vaelab.runs.hooks import EpochHook, close_callback
from vaelab.runs.load import load_run, run_data
from vaelab.runs.pictures import write_run_figures
from vaelab.runs.state import RunState, differences, run_state
from vaelab.training import distributed
from vaelab.training.checkpoint import read_state
from vaelab.training.config import RunConfig
from vaelab.training.trainer import fit

EXISTING = ("refuse", "reuse", "continue", "replace")


def train_run(
    cfg: RunConfig,
    run_dir: str | Path,
    *,
    own: OwnParts | None = None,
    argv: list[str] | None = None,
    quiet: bool = False,
    hook: EpochHook | None = None,
    existing: str = "refuse",
    device: str | None = None,
) -> BuiltRun:
    """Build `cfg` (with your `own` data and networks), train it into `run_dir` and return it trained, its
    figures written. `existing` as the module says; `argv` is the command recorded in argv.txt; `hook`
    makes the function the trainer calls after each epoch; `device` trains it there in place of cfg's (a
    pool worker's own GPU, vaelab.parallel.gpus). Data and networks are checked before anything is written."""
    check_choice("existing", existing, EXISTING)
    run_dir = Path(run_dir)
    state = run_state(run_dir, cfg) if existing in ("reuse", "continue") else RunState.EMPTY
    if existing == "reuse" and _reused(run_dir, cfg, state, quiet):  # finished: nothing to train
        return load_run(run_dir, cfg=cfg, own=own, device=device)
    if state in (RunState.UNFINISHED, RunState.FINISHED):
        built = build(cfg, own=run_data(run_dir, cfg, own), device=device)
        return _fit(built, run_dir, quiet, hook, resume=True)
    if state is RunState.STARTED:
        if not quiet:
            print(f"vaelab: {run_dir} has no checkpoint yet: starting it over from its config.json", file=sys.stderr)
        own, argv = run_data(run_dir, cfg, own), argv or recorded_argv(run_dir)
    built = build(cfg, own=own, device=device)
    if distributed.is_main():
        _say_small_validation(built, quiet)
        force = existing in ("continue", "replace") or state is RunState.STARTED
        prepare_run_dir(run_dir, cfg, argv, built.device, force=force)
        record_data(run_dir, built.dataset, training_size(built.dataset, built.splits))
    return _fit(built, run_dir, quiet, hook, resume=False)


def _reused(run_dir: Path, cfg: RunConfig, state: RunState, quiet: bool) -> bool:
    """existing="reuse": refuse a run of other settings; say in one line that a run of `cfg` continues or
    has finished. True when it has finished: nothing to train."""
    if state is RunState.FOREIGN:
        raise VaelabError(
            f"{run_dir} already holds a run with other settings: {differences(run_dir, cfg)}; choose another "
            "`out` folder, or overwrite it with `force`"
        )
    if state is RunState.UNFINISHED and not quiet:
        step = read_state(run_dir).get("step", 0)
        print(f"vaelab: {run_dir} holds this run, unfinished: continuing it from step {step}", file=sys.stderr)
    if state is RunState.FINISHED and not quiet:
        print(f"vaelab: {run_dir} holds this run, finished: nothing to train (--force retrains it)", file=sys.stderr)
    return state is RunState.FINISHED


def _say_small_validation(built: BuiltRun, quiet: bool) -> None:
    """One line when a small training set holds out fewer validation images than a large one would."""
    held, train = len(built.splits.val.images), len(built.splits.train.images)
    if built.cfg.data.val_size is None and held < VAL_MAX and not quiet:
        print(f"vaelab: validation holds out {held} of the {held + train} training images (a tenth)", file=sys.stderr)


def _fit(built: BuiltRun, run_dir: Path, quiet: bool, hook: EpochHook | None, resume: bool) -> BuiltRun:
    """Train `built` in `run_dir` (prepared, or holding the checkpoint to resume from), then draw its figures."""
    built.run_dir = run_dir
    on_epoch = hook(built, run_dir) if hook is not None else None
    try:
        fit(
            built.model,
            built.objective,
            built.batches("train", shuffle=True),
            built.batches("val"),
            built.cfg.train,
            run_dir=run_dir,
            quiet=quiet,
            resume=resume,
            on_epoch=on_epoch,
            on_step=getattr(on_epoch, "on_step", None),  # what a hook calls after every step, if anything
        )
    except BaseException as error:
        close_callback(on_epoch, error)
        raise
    close_callback(on_epoch, None)
    if distributed.is_main():
        write_run_figures(run_dir, built)
    return built
