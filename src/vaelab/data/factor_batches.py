"""Mini-batches drawn from a factor dataset, rendered batch by batch (never stored).

Each batch is a fresh uniform sample of factor combinations, turned into images by the dataset's
`sample_observations_from_factors` (dSprites renders them; on a GPU it renders them there, the same pixels,
with `observations_on`). The factors of batch i of epoch e depend
only on (seed, e, i), so a resumed run draws the same batches. An "epoch" is `examples` draws; with
dSprites the default is the size of the grid (737,280), one pass's worth of images.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import torch

from vaelab.data.factors import FactorDataset


class FactorBatches:
    """The `Batches` interface (len, num_examples, device, epoch, shards) over a factor dataset."""

    def __init__(
        self,
        data: FactorDataset,
        examples: int,
        batch_size: int,
        seed: int = 0,
        device: str | torch.device = "cpu",
        rank: int = 0,
        world: int = 1,
    ):
        self.data = data
        self.examples = int(examples)
        self.batch_size = int(batch_size)
        self.seed = seed
        self.device = torch.device(device)
        self.rank, self.world = rank, world

    def __len__(self) -> int:
        return -(-self.examples // self.batch_size)

    @property
    def num_examples(self) -> int:
        return self.examples

    def shard_bounds(self, i: int) -> tuple[int, int, int]:
        """Rows [lo, hi) of global batch i that this process takes, and the global batch's size."""
        total = min(self.batch_size, self.examples - i * self.batch_size)
        base, extra = divmod(total, self.world)
        lo = self.rank * base + min(self.rank, extra)
        return lo, lo + base + (self.rank < extra), total

    def factors(self, epoch: int, i: int) -> np.ndarray:
        """The (B, num_factors) factor indices of global batch i of `epoch`."""
        rng = np.random.default_rng([self.seed, epoch, i])
        return self.data.sample_factors(self.shard_bounds(i)[2], rng)

    def shards(self, epoch: int = 0, start: int = 0):
        """(x, factors, offset, total) per global batch; this process renders only its own rows."""
        for i in range(start, len(self)):
            lo, hi, total = self.shard_bounds(i)
            f = self.factors(epoch, i)[lo:hi]
            x = self.observations(f, np.random.default_rng([self.seed, epoch, i, 1]))
            yield x.to(self.device, torch.float32), torch.from_numpy(f).to(self.device), lo, total

    def observations(self, factors: np.ndarray, rng: np.random.Generator) -> torch.Tensor:
        """The images of `factors`: drawn on the training device when it is not the CPU and the dataset can
        draw there (dSprites' `observations_on`), else drawn on the host (and copied by the caller)."""
        if self.device.type != "cpu" and hasattr(self.data, "observations_on"):
            return self.data.observations_on(factors, self.device)
        return self.data.sample_observations_from_factors(factors, rng)

    def epoch(self, epoch: int = 0, start: int = 0) -> Iterator[torch.Tensor]:
        for x, _, _, _ in self.shards(epoch, start):
            yield x

    def epoch_with_labels(self, epoch: int = 0, start: int = 0):
        for x, y, _, _ in self.shards(epoch, start):
            yield x, y
