"""Early stopping on the validation loss, and the best weights kept beside the last checkpoint.

With train.early_stop = P > 0, every epoch whose validation loss is lower than every earlier epoch's
writes the model's weights to RUN/best, as the checkpoint is written (`checkpoint.write_folder`: whole,
then swapped in by renames):

    RUN/best/model.safetensors   the model's state_dict at the best epoch
    RUN/best/state.json          {"epoch": E, "val_loss": L, "sha256": {...}}

Training stops once P epochs in a row have not improved on the best (strictly lower val_loss); that
epoch's checkpoint is then marked finished, so the run counts as finished and resuming it trains nothing
more. `load_best_weights` reads the best back (`vaelab.load(RUN, best=True)`).

The best epoch is written before that epoch's checkpoint, so a run killed between the two redoes the
epoch (on the CPU bitwise the same) and writes it again. A resumed run reads the best so far from
metrics.jsonl (the records of the epochs its checkpoint holds), so the checkpoint itself holds nothing
more than without early stopping. Under torchrun, rank 0 alone validates: it alone decides (see trainer).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import torch

from vaelab.errors import CheckpointError
from vaelab.training import distributed
from vaelab.training.checkpoint import MODEL_FILE, load_model_weights, model_bytes, read_state, write_folder
from vaelab.training.history import read_metrics

BEST = "best"  # RUN/best


@dataclass
class Stopping:
    """Whether training stops after an epoch before its last: early stopping's patience has run out (the
    best weights kept as it goes), or a callback asked (`asked`, set by the trainer)."""

    patience: int  # train.early_stop; 0: off
    run_dir: Path | None  # where the best weights go (None: nowhere, e.g. not rank 0)
    best_epoch: int = 0
    best_loss: float = math.inf
    asked: bool = False  # a callback asked training to stop at the end of this epoch

    @classmethod
    def start(cls, patience: int, run_dir: Path | None, resume: bool) -> Stopping:
        """A fresh run's, or a resumed run's with the best so far read back from metrics.jsonl."""
        stopping = cls(patience, run_dir)
        if patience and resume and run_dir is not None:
            for record in read_metrics(run_dir):
                stopping._improves(record)
        return stopping

    def after_epoch(self, record: dict, model: torch.nn.Module) -> str:
        """Why training stops after this epoch ("": it goes on); keeps `model` as the best if the epoch's
        record improves on it. Under torchrun every process stops when one does (rank 0 alone validates)."""
        reason = self._patience_out(record, model) or ("a callback asked to stop" if self.asked else "")
        if distributed.info()[1] > 1:
            device = next(model.parameters()).device
            votes = distributed.sum_all({"stop": torch.tensor(float(bool(reason)), device=device)})["stop"]
            reason = reason or ("another process stopped" if float(votes) > 0 else "")
        return reason

    def _patience_out(self, record: dict, model: torch.nn.Module) -> str:
        """A record without val_loss (early stopping off, or a process that does not validate) decides nothing."""
        if not self.patience or "val_loss" not in record:
            return ""
        if self._improves(record) and self.run_dir is not None:
            save_best(self.run_dir, model, self.best_epoch, self.best_loss)
        if int(record["epoch"]) - self.best_epoch < self.patience:
            return ""
        return (
            f"the validation loss has not improved on epoch {self.best_epoch}'s {self.best_loss:.3f} "
            f"for {self.patience} epoch{'s' if self.patience != 1 else ''}"
        )

    def _improves(self, record: dict) -> bool:
        loss = record.get("val_loss")
        if loss is None or not loss < self.best_loss:  # NaN never improves
            return False
        self.best_epoch, self.best_loss = int(record["epoch"]), float(loss)
        return True


def save_best(run_dir: Path, model: torch.nn.Module, epoch: int, val_loss: float) -> None:
    write_folder(run_dir, BEST, {MODEL_FILE: model_bytes(model)}, {"epoch": epoch, "val_loss": val_loss})


def load_best_weights(run_dir: str | Path, model: torch.nn.Module) -> dict:
    """Load RUN/best's weights (checked by their sha256) into `model`; returns its state (epoch, val_loss)."""
    run_dir = Path(run_dir)
    if not any((run_dir / name).exists() for name in (BEST, f"{BEST}.old")):
        raise CheckpointError(f"{run_dir} has no best weights: a run keeps them when trained with train.early_stop")
    return load_model_weights(run_dir, model, read_state(run_dir, BEST))
