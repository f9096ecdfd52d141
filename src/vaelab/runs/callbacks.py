"""Your own code in the training loop: `vaelab.train(..., callbacks=[...])` and `vaelab.resume`.

Subclass `Callback` (`vaelab.Callback`) and override either method, or both:

    class Watch(vaelab.Callback):
        def on_step_end(self, step, terms):      # after every optimizer step
            ...
        def on_epoch_end(self, run, record):     # after every epoch, validated, before its checkpoint
            return record["val_loss"] > 200      # True: stop training here

- `on_step_end(step, terms)`: `step` is the number of optimizer steps taken so far (1, 2, ...), counted
  over the whole run (a resumed run goes on from its checkpoint's); `terms` the batch's per-example terms
  by name ("loss", "recon", "kl", ...: tensors of shape (B,), detached, on the training device; reading
  one, e.g. `terms["loss"].mean().item()`, waits for the device). Only callbacks that override it are
  called per step, so the loop runs as fast without one.
- `on_epoch_end(run, record)`: `record` is the epoch's line of metrics.jsonl (a copy: "epoch", "step",
  "loss", "val_loss", ...); `run` the run being trained (a `vaelab.runs.build.BuiltRun`: `.cfg`,
  `.model` in train mode, `.dataset`, `.splits`, `.run_dir`). To measure the model without changing the
  training, wrap the measurement in `vaelab.training.validate.evaluating(run.model)` (eval mode and a
  forked RNG, both restored).

Either method returning True asks training to stop at the end of the current epoch: that epoch is
validated, logged and checkpointed as usual, its checkpoint is marked finished, and the run counts as
finished (as with train.early_stop: resuming it trains nothing more). Any other return value (None,
False) goes on. An exception in a callback stops training with that exception, after the trackers are
told that the run failed; the last checkpoint is kept.

Callbacks run in the process that calls `vaelab.train` or `vaelab.resume`, which is where those train,
so they need not be picklable. Runs trained by worker processes or Ray (`vaelab.sweep`,
`vaelab.experiment`, `vaelab.tutorial`) take no callbacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from vaelab.errors import ConfigError
from vaelab.runs.hooks import any_of

if TYPE_CHECKING:
    import torch

    from vaelab.runs.build import BuiltRun


NAMES = ("on_step_end", "on_epoch_end")


class Callback:
    """Your code after every training step and every epoch; the methods do nothing until overridden.
    Return True from either to stop training at the end of the epoch (see vaelab.runs.callbacks)."""

    def on_step_end(self, step: int, terms: dict[str, torch.Tensor]) -> bool | None:
        """After optimizer step `step` (1, 2, ...), with the batch's per-example terms (B,), detached."""
        return None

    def on_epoch_end(self, run: BuiltRun, record: dict) -> bool | None:
        """After each epoch (validated, before its checkpoint), with the run and the epoch's record."""
        return None


@dataclass(frozen=True)
class UserCallbacks:
    """The epoch hook (vaelab.runs.hooks) that calls your callbacks; in this process only."""

    callbacks: tuple

    def __call__(self, built: BuiltRun, run_dir: Path) -> _Calls:
        return _Calls(built, self.callbacks)


class _Calls:
    def __init__(self, built: BuiltRun, callbacks: tuple):
        self.built = built
        self.epoch_ends = [c.on_epoch_end for c in callbacks if _overrides(c, "on_epoch_end")]
        self.on_step = any_of([c.on_step_end for c in callbacks if _overrides(c, "on_step_end")])

    def __call__(self, record: dict) -> bool:
        return any([on_epoch_end(self.built, dict(record)) for on_epoch_end in self.epoch_ends])


def _overrides(callback: object, name: str) -> bool:
    """Whether `callback` does something in method `name`: a Callback that overrides it, or any other object
    that has it."""
    method = getattr(callback, name, None)
    return callable(method) and getattr(method, "__func__", method) is not getattr(Callback, name)


def callback_hook(callbacks) -> UserCallbacks | None:
    """The hook for `callbacks` (a list of Callbacks, or objects with either method), None for none; anything
    with neither method is refused."""
    if any(hasattr(callbacks, name) for name in NAMES):  # one callback, not in a list
        callbacks = [callbacks]
    callbacks = tuple(callbacks or ())
    for callback in callbacks:
        if not any(callable(getattr(callback, name, None)) for name in NAMES):
            raise ConfigError(
                f"callbacks: {callback!r} has neither on_step_end nor on_epoch_end; subclass vaelab.Callback"
            )
    return UserCallbacks(callbacks) if callbacks else None
