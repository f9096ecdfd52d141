"""Epoch hooks: what a run calls after each of its epochs (a tracker's logger, a learning curve's scorer).

An epoch hook is given the built run and its folder and returns the function the trainer calls with each
epoch's record; returning True asks training to stop after that epoch (the run then counts as finished).
That function may also have `close(error)`, called once when training ends (error None) or fails, and
`on_step(step, terms)`, called after every optimizer step (None or absent: nothing per step; returning
True stops training at the end of the epoch). Hooks cross to worker processes, so those the pool or Ray
run are picklable (frozen dataclasses of plain data); vaelab.runs.callbacks' hook is not, and trains in
the process that calls it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from vaelab.runs.build import BuiltRun

EpochHook = Callable[[BuiltRun, Path], Callable[[dict], bool | None]]


@dataclasses.dataclass(frozen=True)
class Hooks:
    """Several epoch hooks as one: their callbacks run in turn."""

    hooks: tuple

    def __call__(self, built: BuiltRun, run_dir: Path) -> Callable[[dict], bool | None]:
        return _Callbacks([hook(built, run_dir) for hook in self.hooks])


class _Callbacks:
    def __init__(self, callbacks: list):
        self.callbacks = callbacks
        self.on_step = any_of([s for s in (getattr(c, "on_step", None) for c in callbacks) if s is not None])

    def __call__(self, record: dict) -> bool:
        return any([callback(record) for callback in self.callbacks])  # a list: every callback runs

    def close(self, error: BaseException | None) -> None:
        for callback in self.callbacks:
            close_callback(callback, error)


def chain_hooks(*hooks: EpochHook | None) -> EpochHook | None:
    """One hook that runs every hook given (None for none, the hook itself for one)."""
    present = tuple(h for h in hooks if h is not None)
    return None if not present else present[0] if len(present) == 1 else Hooks(present)


def any_of(functions: list[Callable[..., bool | None]]) -> Callable[..., bool] | None:
    """One function calling every function given with the same arguments, True when any returned True (None
    for none)."""
    if not functions:
        return None
    return lambda *args: any([f(*args) for f in functions])


def close_callback(callback, error: BaseException | None) -> None:
    """Tell an epoch callback that training ended (`error` None) or failed, if it wants to know."""
    close = getattr(callback, "close", None)
    if close is not None:
        close(error)
