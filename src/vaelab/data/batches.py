"""Splits and mini-batches over in-memory uint8 images.

Batches are gathered by indexing the whole uint8 tensor with a slice of a permutation: no per-sample
Python, no DataLoader workers. The order of epoch e depends only on (seed, e), so a run can be resumed
at any batch and give the same batches.

Input modes: `continuous` (pixels / 255 in [0, 1]), `dynamic` binarization (a fresh Bernoulli sample per
batch, the standard protocol for likelihoods on MNIST), `static` binarization (one fixed sample).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import torch

from vaelab.data.config import DataConfig
from vaelab.data.dataset import ImageDataset
from vaelab.errors import ConfigError

STATIC_BINARIZATION_SEED = 1234  # one fixed binarization, shared by every run that asks for "static"
SEED_MULTIPLIER = 1_000_003  # a prime: keys mix as seed * this + key, so (seed, epoch) pairs do not collide
# Each use of a run's seed mixes in a key of its own, so no two of them draw the same random numbers.
NOISE_STREAM = 1  # the reparameterization and corruption noise of training (vaelab.training.trainer)
SPLIT_STREAM = 7  # which training images are held out for validation
BINARIZATION_STREAM = 11  # dynamic binarization, per (seed, epoch)


def mixed_seed(*keys: int) -> int:
    """One integer seed that depends only on the integer keys, in order (e.g. seed, epoch, stream)."""
    seed = 0
    for k in keys:
        seed = (seed * SEED_MULTIPLIER + int(k)) % (2**63 - 1)
    return seed


def seeded_generator(*keys: int, device: str | torch.device = "cpu") -> torch.Generator:
    """A torch.Generator whose state depends only on the integer keys (e.g. seed, epoch)."""
    return torch.Generator(device=device).manual_seed(mixed_seed(*keys))


@dataclass(frozen=True)
class Split:
    images: torch.Tensor  # (N, C, H, W) uint8
    labels: torch.Tensor  # (N,) int64


@dataclass(frozen=True)
class Splits:
    train: Split
    val: Split
    test: Split


# Without a set data.val_size, validation holds out VAL_FRACTION of the training images, at most VAL_MAX
VAL_FRACTION, VAL_MAX = 0.1, 1000
MIN_TO_SPLIT = 10  # fewer training images than this cannot give a validation split by the fraction


def validation_size(cfg: DataConfig, available: int) -> int:
    """How many of `available` training images validation holds out: data.val_size when set, else 10% of
    them, at most 1,000 (MNIST's 60,000 hold out 1,000; 500 images hold out 50)."""
    if cfg.val_size is not None:
        if cfg.val_size >= available:
            raise ConfigError(
                f"data.val_size must be smaller than the {available} training images available (got {cfg.val_size})"
            )
        return cfg.val_size
    if available < MIN_TO_SPLIT:
        raise ConfigError(
            f"only {available} training images: too few to hold out a validation split; "
            f"give at least {MIN_TO_SPLIT}, or set data.val_size 0 to train without validation"
        )
    return min(VAL_MAX, int(available * VAL_FRACTION))


def make_splits(ds: ImageDataset, cfg: DataConfig, seed: int) -> Splits:
    """Deterministic train / validation / test splits: validation is drawn from the training set by `seed`."""
    n = ds.train_images.shape[0]
    order = torch.randperm(n, generator=seeded_generator(seed, SPLIT_STREAM))
    if cfg.subset:
        order = order[: cfg.subset]
    val_size = validation_size(cfg, len(order))
    val_idx, train_idx = order[:val_size].sort().values, order[val_size:].sort().values
    return Splits(
        train=Split(ds.train_images[train_idx], ds.train_labels[train_idx]),
        val=Split(ds.train_images[val_idx], ds.train_labels[val_idx]),
        test=Split(ds.test_images, ds.test_labels),
    )


class Batches:
    """Mini-batches of float images on `device`, in a seeded order per epoch."""

    def __init__(
        self,
        images: torch.Tensor,
        batch_size: int,
        input_mode: str = "continuous",
        seed: int = 0,
        shuffle: bool = True,
        device: str | torch.device = "cpu",
        labels: torch.Tensor | None = None,
        rank: int = 0,
        world: int = 1,
    ):
        if images.dtype != torch.uint8:
            raise TypeError(f"Batches expects uint8 images, got {images.dtype}")
        self.batch_size = int(batch_size)
        self.input_mode = input_mode
        self.seed = seed
        self.shuffle = shuffle
        self.device = torch.device(device)
        self.scale = 1.0 / 255.0
        if input_mode == "static":
            probs = images.float().div_(255.0)
            images = torch.bernoulli(probs, generator=seeded_generator(STATIC_BINARIZATION_SEED)).to(torch.uint8)
            self.scale = 1.0
        self.images = images.to(self.device)
        self.labels = None if labels is None else labels.to(self.device)
        self.rank, self.world = rank, world  # data-parallel: this process takes shard `rank` of `world`

    def __len__(self) -> int:
        return -(-self.images.shape[0] // self.batch_size)

    @property
    def num_examples(self) -> int:
        return self.images.shape[0]

    def order(self, epoch: int) -> torch.Tensor:
        """The permutation of epoch `epoch` (identity when not shuffling)."""
        n = self.images.shape[0]
        if not self.shuffle:
            return torch.arange(n, device=self.device)
        return torch.randperm(n, generator=seeded_generator(self.seed, epoch)).to(self.device)

    def epoch(self, epoch: int = 0, start: int = 0) -> Iterator[torch.Tensor]:
        """Float batches (B, C, H, W) for epoch `epoch`, beginning at batch number `start`."""
        for x, _, _, _ in self.shards(epoch, start):
            yield x

    def epoch_with_labels(self, epoch: int = 0, start: int = 0) -> Iterator[tuple[torch.Tensor, torch.Tensor | None]]:
        for x, y, _, _ in self.shards(epoch, start):
            yield x, y

    def shard_bounds(self, i: int) -> tuple[int, int, int]:
        """Rows [lo, hi) of global batch i that this process takes, and the global batch's size."""
        total = min(self.batch_size, self.num_examples - i * self.batch_size)
        base, extra = divmod(total, self.world)
        lo = self.rank * base + min(self.rank, extra)
        return lo, lo + base + (self.rank < extra), total

    def shards(self, epoch: int = 0, start: int = 0):
        """(x, y, offset, total) for each global batch: this process's rows, their offset in the global batch
        and its size (for `vaelab.noise.shard`). With one process, x is the whole batch."""
        order = self.order(epoch)
        binarizer = None
        if self.input_mode == "dynamic":
            binarizer = seeded_generator(self.seed, epoch, BINARIZATION_STREAM, device=self.device)
            # Skip the draws of batches before `start` so a resumed epoch sees the same samples.
            for i in range(start):
                torch.rand((self.shard_bounds(i)[2], *self.images.shape[1:]), generator=binarizer, device=self.device)
        for i in range(start, len(self)):
            lo, hi, total = self.shard_bounds(i)
            idx = order[i * self.batch_size + lo : i * self.batch_size + hi]
            x = self.images[idx].to(torch.float32).mul_(self.scale)  # (B, C, H, W) uint8 -> float in [0, 1]
            if binarizer is not None:
                u = torch.rand((total, *x.shape[1:]), generator=binarizer, device=self.device)[lo:hi]
                x = (u < x).to(torch.float32)  # x ~ Bernoulli(pixel intensity), drawn for the global batch
            y = None if self.labels is None else self.labels[idx]
            yield x, y, lo, total
