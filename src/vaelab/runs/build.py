"""Everything a run needs, built deterministically from its RunConfig: data, splits, model, objective, device."""

from __future__ import annotations

from collections.abc import Callable
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


class RunData:
    """A run's dataset and its splits, read on first use: a run loaded from its folder needs no data until
    it evaluates, reconstructs or resumes (its image shape and training-set size are recorded in data.json)."""

    def __init__(self, read: Callable[[], tuple[ImageDataset, Splits]]):
        self._read, self._value = read, None

    @classmethod
    def of(cls, dataset: ImageDataset, splits: Splits) -> RunData:
        """Data already read."""
        return cls(lambda: (dataset, splits))

    def get(self) -> tuple[ImageDataset, Splits]:
        if self._value is None:
            self._value = self._read()
        return self._value


@dataclass
class BuiltRun:
    """A run built from its config: its model (on `device`) and objective, its data and splits (read when first
    used), and, once trained or loaded, the run folder its weights live in."""

    cfg: RunConfig
    data: RunData
    image_shape: tuple[int, ...]  # (C, H, W) of the images the model takes
    device: torch.device
    model: torch.nn.Module
    objective: Objective
    run_dir: Path | None = None  # where its weights live, once trained or loaded

    @property
    def dataset(self) -> ImageDataset:
        return self.data.get()[0]

    @property
    def splits(self) -> Splits:
        return self.data.get()[1]

    def to(self, device: str | torch.device) -> BuiltRun:
        """Move the model (and the batches it will be given) to `device`."""
        self.device = torch.device(device)
        self.model.to(self.device)
        return self

    def batches(self, split: str, shuffle: bool = False, batch_size: int | None = None) -> Batches | FactorBatches:
        """Batches over split "train", "val" or "test" in the run's input mode. On a procedural factor dataset
        (dSprites) the shuffled training batches are rendered afresh from sampled factors."""
        part: Split = getattr(self.splits, split)
        size = batch_size or (self.cfg.train.batch_size if shuffle else self.cfg.train.eval_batch_size)
        rank, world = distributed.info() if shuffle else (0, 1)  # training batches are sharded under torchrun
        if shuffle and split == "train" and self.dataset.rendered:
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


def build(
    cfg: RunConfig, download: bool = True, own: OwnParts | None = None, device: str | torch.device | None = None
) -> BuiltRun:
    """Load the data (or take your `own` dataset), split it, and build the model (seeded; with your `own`
    encoder and decoder when there are) and the objective, on `device` (default: the config's)."""
    own = own or OwnParts()
    if device is None:  # the config's: under torchrun the process's own GPU (or the CPU for --device cpu)
        device = distributed.local_device(cfg.train.device) or resolve_device(cfg.train.device)
    device = torch.device(device)
    dataset = own.dataset or load_data(cfg.data, download=download)
    splits = split_data(dataset, cfg)
    data = RunData.of(dataset, splits)
    return assemble(cfg, data, dataset.image_shape, training_size(dataset, splits), device, own)


def split_data(dataset: ImageDataset, cfg: RunConfig) -> Splits:
    """The run's splits (on a factor dataset data.subset counts the examples drawn per epoch, not images)."""
    return make_splits(dataset, replace(cfg.data, subset=0) if dataset.rendered else cfg.data, cfg.train.seed)


def training_size(dataset: ImageDataset, splits: Splits) -> int:
    """N, the number of training examples the objective is told of."""
    return dataset.factors.num_combinations if dataset.rendered else len(splits.train.images)


def assemble(
    cfg: RunConfig,
    data: RunData,
    image_shape: tuple[int, ...],
    size: int,
    device: torch.device,
    own: OwnParts | None = None,
) -> BuiltRun:
    """The seeded model on `device` for images of `image_shape`, and the objective for `size` training examples."""
    own = own or OwnParts()
    if cfg.train.threads:
        torch.set_num_threads(cfg.train.threads)
    torch.manual_seed(cfg.train.seed)
    model = build_model(cfg.model, tuple(image_shape), own.encoder, own.decoder).to(device)
    objective = make_objective(
        cfg.objective, cfg.model.kind, cfg.model.likelihood, cfg.train.epochs, size, cfg.model.latent_dim
    )
    return BuiltRun(cfg, data, tuple(image_shape), device, model, objective)
