"""Train one run folder: the one function every way of training calls (the CLI, the Python API, the local
pool, Ray, sweeps and the tutorial's experiments).

`train_run(cfg, RUN, existing=...)` says what to do with a folder that already holds something
(`runs.state.RunState`):

- "refuse" (`vaelab train --out RUN`): a folder that holds any run is refused; train into an empty one;
- "continue" (`vaelab train --resume RUN`, sweeps, experiments): continue an unfinished run of `cfg` from
  its checkpoint (on the CPU bitwise as if never stopped), start over a run of `cfg` stopped before its
  first checkpoint, and replace anything else;
- "replace" (`force`): train afresh whatever the folder holds.
"""

from __future__ import annotations

import sys
from pathlib import Path

from vaelab.config import check_choice
from vaelab.runs.build import BuiltRun, OwnParts, build
from vaelab.runs.folder import prepare_run_dir, record_data, recorded_argv
from vaelab.runs.hooks import EpochHook, close_callback
from vaelab.runs.load import run_data
from vaelab.runs.pictures import write_run_figures
from vaelab.runs.state import RunState, run_state
from vaelab.training import distributed
from vaelab.training.config import RunConfig
from vaelab.training.trainer import fit

EXISTING = ("refuse", "continue", "replace")


def train_run(
    cfg: RunConfig,
    run_dir: str | Path,
    *,
    own: OwnParts | None = None,
    argv: list[str] | None = None,
    quiet: bool = False,
    hook: EpochHook | None = None,
    existing: str = "refuse",
) -> BuiltRun:
    """Build `cfg` (with your `own` data and networks), train it into `run_dir` and return it trained, its
    figures written. `existing` as the module says; `argv` is the command recorded in argv.txt; `hook`
    makes the function the trainer calls after each epoch. Data and networks are checked before anything
    is written."""
    check_choice("existing", existing, EXISTING)
    run_dir = Path(run_dir)
    state = run_state(run_dir, cfg) if existing == "continue" else RunState.EMPTY
    if state in (RunState.UNFINISHED, RunState.FINISHED):
        built = build(cfg, own=run_data(run_dir, cfg, own))
        return _fit(built, run_dir, quiet, hook, resume=True)
    if state is RunState.STARTED:
        if not quiet:
            print(f"vaelab: {run_dir} has no checkpoint yet: starting it over from its config.json", file=sys.stderr)
        own, argv = run_data(run_dir, cfg, own), argv or recorded_argv(run_dir)
    built = build(cfg, own=own)
    if distributed.is_main():
        prepare_run_dir(run_dir, cfg, argv, built.device, force=existing != "refuse")
        record_data(run_dir, built.dataset)
    return _fit(built, run_dir, quiet, hook, resume=False)


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
        )
    except BaseException as error:
        close_callback(on_epoch, error)
        raise
    close_callback(on_epoch, None)
    if distributed.is_main():
        write_run_figures(run_dir, built)
    return built
