"""Everything a run needs, built deterministically from its RunConfig: data, splits, model, objective, device."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import torch

from vaelab.data import load_data
from vaelab.data.batches import Batches, Split, Splits, make_splits
from vaelab.data.dataset import ImageDataset
from vaelab.data.factor_batches import FactorBatches
from vaelab.models import build_model
from vaelab.objectives import Objective, make_objective
from vaelab.training import distributed
from vaelab.training.config import RunConfig
from vaelab.training.device import resolve_device

EVAL_BINARIZATION_SEED = 0  # held-out splits are binarized the same way whatever the run's seed, so runs compare


@dataclass(frozen=True)
class OwnParts:
    """Your own parts of a run, passed from Python beside its config: images held in memory (already an
    ImageDataset, see vaelab.data.arrays.from_memory) and networks (see vaelab.models.custom)."""

    dataset: ImageDataset | None = None
    encoder: torch.nn.Module | None = None
    decoder: torch.nn.Module | None = None


@dataclass
class BuiltRun:
    """A run built from its config: its data and splits, its model (on `device`) and objective, and, once
    trained or loaded, the run folder its weights live in."""

    cfg: RunConfig
    dataset: ImageDataset
    splits: Splits
    device: torch.device
    model: torch.nn.Module
    objective: Objective
    run_dir: Path | None = None  # where its weights live, once trained or loaded

    def batches(self, split: str, shuffle: bool = False, batch_size: int | None = None) -> Batches | FactorBatches:
        """Batches over split "train", "val" or "test" in the run's input mode. On a factor dataset the
        shuffled training batches are rendered afresh from sampled factors."""
        part: Split = getattr(self.splits, split)
        size = batch_size or (self.cfg.train.batch_size if shuffle else self.cfg.train.eval_batch_size)
        rank, world = distributed.info() if shuffle else (0, 1)  # training batches are sharded under torchrun
        if shuffle and split == "train" and self.dataset.factors is not None:
            examples = self.cfg.data.subset or self.dataset.factors.num_combinations
            return FactorBatches(self.dataset.factors, examples, size, self.cfg.train.seed, self.device, rank, world)
        return Batches(
            part.images,
            size,
            self.cfg.data.input_mode,
            seed=self.cfg.train.seed if shuffle else EVAL_BINARIZATION_SEED,
            shuffle=shuffle,
            device=self.device,
            labels=part.labels,
            rank=rank,
            world=world,
        )


def build(cfg: RunConfig, download: bool = True, own: OwnParts | None = None) -> BuiltRun:
    """Load the data (or take your `own` dataset), split it, and build the model (seeded; with your `own`
    encoder and decoder when there are) and the objective."""
    own = own or OwnParts()
    if cfg.train.threads:
        torch.set_num_threads(cfg.train.threads)
    device = distributed.local_device() or resolve_device(cfg.train.device)
    dataset = own.dataset or load_data(cfg.data, download=download)
    factors = dataset.factors  # a factor dataset: data.subset counts the examples drawn per epoch
    splits = make_splits(dataset, replace(cfg.data, subset=0) if factors else cfg.data, cfg.train.seed)
    torch.manual_seed(cfg.train.seed)
    model = build_model(cfg.model, dataset.image_shape, own.encoder, own.decoder).to(device)
    size = factors.num_combinations if factors else len(splits.train.images)
    objective = make_objective(
        cfg.objective, cfg.model.kind, cfg.model.likelihood, cfg.train.epochs, size, cfg.model.latent_dim
    )
    return BuiltRun(cfg, dataset, splits, device, model, objective)
