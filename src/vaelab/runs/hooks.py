"""Epoch hooks: what a run calls after each of its epochs (a tracker's logger, a learning curve's scorer).

An epoch hook is given the built run and its folder and returns the function the trainer calls with each
epoch's record. That function may also have `close(error)`, called once when training ends (error None)
or fails. Hooks cross to worker processes, so they are picklable (frozen dataclasses of plain data).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from vaelab.runs.build import BuiltRun

EpochHook = Callable[[BuiltRun, Path], Callable[[dict], None]]


@dataclasses.dataclass(frozen=True)
class Hooks:
    """Several epoch hooks as one: their callbacks run in turn."""

    hooks: tuple

    def __call__(self, built: BuiltRun, run_dir: Path) -> Callable[[dict], None]:
        return _Callbacks([hook(built, run_dir) for hook in self.hooks])


class _Callbacks:
    def __init__(self, callbacks: list):
        self.callbacks = callbacks

    def __call__(self, record: dict) -> None:
        for callback in self.callbacks:
            callback(record)

    def close(self, error: BaseException | None) -> None:
        for callback in self.callbacks:
            close_callback(callback, error)


def chain_hooks(*hooks: EpochHook | None) -> EpochHook | None:
    """One hook that runs every hook given (None for none, the hook itself for one)."""
    present = tuple(h for h in hooks if h is not None)
    return None if not present else present[0] if len(present) == 1 else Hooks(present)


def close_callback(callback, error: BaseException | None) -> None:
    """Tell an epoch callback that training ended (`error` None) or failed, if it wants to know."""
    close = getattr(callback, "close", None)
    if close is not None:
        close(error)
