import pytest
import torch

from vaelab.data.batches import Batches, make_splits
from vaelab.data.config import DataConfig
from vaelab.errors import ConfigError


def test_splits_are_deterministic_and_disjoint(tiny_dataset):
    a = make_splits(tiny_dataset, DataConfig(val_size=50), seed=3)
    b = make_splits(tiny_dataset, DataConfig(val_size=50), seed=3)
    c = make_splits(tiny_dataset, DataConfig(val_size=50), seed=4)
    assert torch.equal(a.val.images, b.val.images) and not torch.equal(a.val.images, c.val.images)
    assert a.train.images.shape[0] + a.val.images.shape[0] == 256
    rows = {tuple(r.flatten().tolist()) for r in a.train.images}
    assert not any(tuple(r.flatten().tolist()) in rows for r in a.val.images)
    assert make_splits(tiny_dataset, DataConfig(val_size=10, subset=100), seed=0).train.images.shape[0] == 90


def test_each_epoch_covers_every_example_once_in_a_seeded_order(tiny_dataset):
    images = tiny_dataset.train_images.clone()
    images[:, 0, 0, 0] = torch.arange(256, dtype=torch.uint8)  # each image carries its own index in a pixel
    batches = Batches(images, 60, seed=1)
    assert len(batches) == 5
    epoch0 = torch.cat(list(batches.epoch(0)))
    assert epoch0.shape[0] == 256
    seen = epoch0[:, 0, 0, 0].mul(255).round().long()  # the index of every image, in the order served
    assert sorted(seen.tolist()) == list(range(256))  # each index exactly once
    assert torch.equal(seen, batches.order(0)) and not torch.equal(seen, torch.arange(256))  # shuffled, as declared
    assert torch.equal(epoch0.mul(255).round().to(torch.uint8), images[seen])  # whole images, each intact
    assert torch.equal(epoch0, torch.cat(list(Batches(images, 60, seed=1).epoch(0))))
    assert not torch.equal(epoch0, torch.cat(list(batches.epoch(1))))


def test_dynamic_binarization_is_fresh_per_epoch_and_unbiased():
    images = torch.full((2000, 1, 4, 4), 64, dtype=torch.uint8)  # intensity 64/255
    batches = Batches(images, 500, input_mode="dynamic", seed=0, shuffle=False)
    e0, e1 = torch.cat(list(batches.epoch(0))), torch.cat(list(batches.epoch(1)))
    assert set(e0.unique().tolist()) <= {0.0, 1.0}
    assert abs(e0.mean().item() - 64 / 255) < 0.01
    assert not torch.equal(e0, e1)


def test_static_binarization_is_fixed():
    images = torch.full((100, 1, 4, 4), 128, dtype=torch.uint8)
    a = torch.cat(list(Batches(images, 50, input_mode="static", seed=0).epoch(0)))
    b = torch.cat(list(Batches(images, 50, input_mode="static", seed=9, shuffle=False).epoch(3)))
    assert set(a.unique().tolist()) == {0.0, 1.0}
    assert a.sum() == b.sum()  # the same binarized pixels, in another order


def test_starting_mid_epoch_gives_the_same_batches(tiny_dataset):
    batches = Batches(tiny_dataset.train_images, 50, input_mode="dynamic", seed=2)
    full = list(batches.epoch(3))
    tail = list(batches.epoch(3, start=2))
    assert len(tail) == len(full) - 2
    assert all(torch.equal(a, b) for a, b in zip(full[2:], tail))


def test_without_a_set_val_size_validation_holds_out_a_tenth_at_most_a_thousand(tiny_dataset):
    from vaelab.data.batches import validation_size

    auto = DataConfig()
    assert [validation_size(auto, n) for n in (10, 256, 500, 9_999, 60_000)] == [1, 25, 50, 999, 1000]
    assert make_splits(tiny_dataset, auto, seed=0).val.images.shape[0] == 25  # 256 images
    assert validation_size(DataConfig(val_size=0), 3) == 0  # asked for: none, however small


@pytest.mark.parametrize(
    "config, available, says",
    [
        (DataConfig(), 9, "only 9 training images: too few to hold out a validation split"),
        (DataConfig(val_size=300), 256, "data.val_size must be smaller than the 256 training images"),
    ],
)
def test_a_split_that_cannot_be_made_is_one_clear_error(config, available, says):
    from vaelab.data.batches import validation_size

    with pytest.raises(ConfigError, match=says):
        validation_size(config, available)
