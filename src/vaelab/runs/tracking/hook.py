"""Experiment tracking: a run's epochs streamed to TensorBoard and MLflow as it trains.

A tracker is an epoch hook (vaelab.runs.hooks): `Tracking(cfg)(setup, run_dir)` opens one
sink per chosen tracker and returns the callback the trainer calls with each epoch's record; the run
closes it when training ends (or fails). Every epoch the sinks get

- every number of the epoch record, at step = epoch: `train/TERM` for the training terms, the KL
  weight, the learning rate and the seconds; `val/TERM` for the validation terms;
- two image grids: test images over their reconstructions, and decoded prior samples z ~ N(0, I);

and once, at the start, the run's config flattened to `SECTION.FIELD` as hyperparameters. TensorBoard
writes RUN/tensorboard (`tensorboard --logdir OUT` shows every run of a sweep side by side); MLflow
writes one MLflow run per run folder, named after it, to `mlflow_uri` (a folder, a server's URI, or by
default MLflow's own choice: $MLFLOW_TRACKING_URI, else its default store). Under torchrun, rank 0 alone
logs. Both libraries are optional extras, imported only by the sinks (sinks.py).
"""

from __future__ import annotations

import contextlib
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import torch

from vaelab.runs.build import BuiltRun
from vaelab.runs.codes import prior_samples
from vaelab.runs.pictures import reconstruction_rows
from vaelab.runs.tracking.config import TrackingConfig, missing_tracker
from vaelab.runs.tracking.sinks import SINKS, prepare_mlflow
from vaelab.training import distributed
from vaelab.training.checkpoint import read_state
from vaelab.training.validate import evaluating

RECONSTRUCTIONS, SAMPLES = 8, 64  # images in each epoch's grids: test images (over their reconstructions), samples


@dataclass(frozen=True)
class Tracking:
    """The epoch hook that opens the chosen trackers for each run (picklable: it crosses to workers)."""

    cfg: TrackingConfig

    def __call__(self, built: BuiltRun, run_dir: Path) -> EpochLogger:
        if not distributed.is_main():  # under torchrun, rank 0 alone logs
            return EpochLogger(built, [])
        resume_epoch = _checkpoint_epoch(run_dir)  # None: a fresh run; else epochs already done
        return EpochLogger(built, [SINKS[name](self.cfg, built.cfg, run_dir, resume_epoch) for name in self.cfg.log])


def tracking_hook(cfg: TrackingConfig | None) -> Tracking | None:
    """The hook for `cfg`, or None when nothing is tracked; a tracker whose library is missing is refused
    here, before anything trains, with the line that installs it."""
    if cfg is None or not cfg.log:
        return None
    for name in cfg.log:
        if importlib.util.find_spec(name) is None:
            raise missing_tracker(name)
    cfg = cfg.resolved()
    if "mlflow" in cfg.log and distributed.is_main():
        cfg = prepare_mlflow(cfg)  # MLflow's store pinned: the workers log to the one the driver checked
    return Tracking(cfg)


class EpochLogger:
    """What the trainer calls after each epoch: the record's numbers and the image grids, to every sink."""

    def __init__(self, built: BuiltRun, sinks: list):
        self.built, self.sinks = built, sinks

    def __call__(self, record: dict) -> None:
        if not self.sinks:
            return
        epoch = int(record["epoch"])
        scalars = epoch_scalars(record)
        images = epoch_images(self.built)
        for sink in self.sinks:
            sink.log_epoch(scalars, images, epoch)

    def close(self, error: BaseException | None = None) -> None:
        """End every sink; `error` is what stopped training (None: it finished)."""
        for sink in self.sinks:
            sink.close(error)


def epoch_scalars(record: dict) -> dict[str, float]:
    """The epoch record's numbers by tracker name: val_kl -> val/kl, kl -> train/kl (epoch and step dropped)."""
    out = {}
    for key, value in record.items():
        if key in ("epoch", "step") or isinstance(value, bool) or not isinstance(value, (int, float)):
            continue
        out[f"val/{key[4:]}" if key.startswith("val_") else f"train/{key}"] = float(value)
    return out


@torch.no_grad()
def epoch_images(built: BuiltRun) -> dict[str, tuple[torch.Tensor, int]]:
    """{name: (images (N, C, H, W) in [0, 1], images per row)}: reconstructions and prior samples, drawn
    in eval mode with fixed seeds (the training RNG streams are left as they were)."""
    with evaluating(built.model):
        return {
            "reconstructions": (reconstruction_rows(built, RECONSTRUCTIONS), RECONSTRUCTIONS),
            "samples": (prior_samples(built, SAMPLES), 8),
        }


def _checkpoint_epoch(run_dir: Path) -> int | None:
    """Epochs completed by the checkpoint a resumed run continues from; None for a fresh run (whose
    folder holds no checkpoint once the run has been prepared)."""
    with contextlib.suppress(Exception):
        return int(read_state(run_dir).get("epoch", 0))
    return None
