"""Shared fixtures: small data so the suite stays fast."""

from __future__ import annotations

import pytest
import torch

from vaelab.data.dataset import ImageDataset


def synthetic_dataset(n_train: int = 256, n_test: int = 64, shape=(1, 28, 28), seed: int = 0) -> ImageDataset:
    """Random uint8 images with 10 labels: enough to exercise shapes and plumbing."""
    g = torch.Generator().manual_seed(seed)
    return ImageDataset(
        name="synthetic",
        train_images=torch.randint(0, 256, (n_train, *shape), generator=g, dtype=torch.uint8),
        train_labels=torch.randint(0, 10, (n_train,), generator=g),
        test_images=torch.randint(0, 256, (n_test, *shape), generator=g, dtype=torch.uint8),
        test_labels=torch.randint(0, 10, (n_test,), generator=g),
        classes=tuple(str(i) for i in range(10)),
        source="memory",
    )


@pytest.fixture
def tiny_dataset() -> ImageDataset:
    return synthetic_dataset()


@pytest.fixture(scope="session")
def tiny_report(tmp_path_factory):
    """The whole tutorial built once in its tiny profile, shared by the tests that read the page."""
    from vaelab.cli import main

    out = tmp_path_factory.mktemp("tutorial")
    assert main(["tutorial", "--profile", "tiny", "--out", str(out), "--quiet"]) == 0
    return out
