"""Training on a factor dataset: batches rendered per step, resumable order, and the dsprites datasets."""

from __future__ import annotations

import numpy as np
import torch

from vaelab.config import from_dict
from vaelab.data import load_dataset
from vaelab.data.dsprites import POOL_SIZE, DSprites
from vaelab.data.factor_batches import FactorBatches
from vaelab.runs.build import build
from vaelab.training.config import RunConfig


def test_factor_batches_render_fresh_images_in_a_repeatable_order():
    data = DSprites(resolution=32)
    b = FactorBatches(data, examples=300, batch_size=128, seed=3)
    assert len(b) == 3 and b.num_examples == 300
    first = [(x, f) for x, f, _, _ in b.shards(epoch=0)]
    assert [x.shape[0] for x, _ in first] == [128, 128, 44]
    x0, f0 = first[0]
    assert x0.dtype == torch.float32 and set(x0.unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(x0, data.sample_observations_from_factors(f0.numpy()))  # images are the factors' renders
    again = [f for _, f, _, _ in b.shards(epoch=0, start=2)]  # a resumed epoch draws the same last batch
    assert torch.equal(again[0], first[2][1])
    other = next(b.shards(epoch=1))[1]
    assert not torch.equal(other, f0)  # a new epoch, new draws


def test_factor_batches_shard_a_global_batch_between_processes():
    data = DSprites(resolution=32)
    whole = next(FactorBatches(data, 256, 64, seed=1).shards(0))[1]
    parts = [next(FactorBatches(data, 256, 64, seed=1, rank=r, world=2).shards(0)) for r in range(2)]
    assert torch.equal(torch.cat([p[1] for p in parts]), whole)
    assert [p[2] for p in parts] == [0, 32] and all(p[3] == 64 for p in parts)


def test_dsprites_runs_train_on_rendered_batches_and_hold_out_fixed_pools():
    ds = load_dataset("dsprites-32")
    assert ds.image_shape == (1, 32, 32) and len(ds.test_images) == POOL_SIZE
    assert ds.factors is not None and ds.classes == ("square", "ellipse", "heart")
    cfg = from_dict(
        RunConfig,
        {
            "data": {"dataset": "dsprites-32", "subset": 512, "val_size": 100},
            "model": {"latent_dim": 4, "hidden": [32]},
            "objective": {"objective": "tcvae"},
            "train": {"batch_size": 64},
        },
    )
    setup = build(cfg)
    train = setup.batches("train", shuffle=True)
    assert isinstance(train, FactorBatches) and train.num_examples == 512
    assert setup.objective.dataset_size == 737_280  # beta-TCVAE's minibatch-weighted sampling: the grid size
    assert len(setup.splits.val.images) == 100 and len(setup.splits.train.images) == POOL_SIZE - 100
    val = next(setup.batches("val").epoch(0))
    assert set(np.unique(val.numpy()).tolist()) == {0.0, 1.0}
