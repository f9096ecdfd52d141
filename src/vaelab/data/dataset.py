"""The in-memory image dataset every loader returns."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ImageDataset:
    """A whole dataset held in memory as uint8 tensors.

    Images are (N, C, H, W) uint8 in [0, 255]; labels are (N,) int64 (-1 throughout, and no classes, for
    unlabelled data of your own). Batches are drawn from it by
    index permutations (see `vaelab.data.batches`), never image by image.
    """

    name: str
    train_images: torch.Tensor  # (N_train, C, H, W) uint8
    train_labels: torch.Tensor  # (N_train,) int64
    test_images: torch.Tensor  # (N_test, C, H, W) uint8
    test_labels: torch.Tensor  # (N_test,) int64
    classes: tuple[str, ...]
    source: str  # where the files were found, for logs and `vaelab datasets`
    factors: object | None = None  # a FactorDataset: the known factors (dSprites; a .npz's `factors`)
    digest: str = ""  # your own data: sha256 of the images and labels, recorded in the run folder
    factors_label_images: bool = False  # True: `factors` only label the stored images (a .npz), which training reads

    @property
    def rendered(self) -> bool:
        """True when training batches are rendered afresh from `factors` (procedural dSprites); False when
        training reads the stored images, with factor labels (a .npz's `factors`) or without."""
        return self.factors is not None and not self.factors_label_images

    @property
    def labelled(self) -> bool:
        """False for your own data without labels (their labels are all -1)."""
        return bool(self.classes)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        """(C, H, W)."""
        return tuple(self.train_images.shape[1:])

    def __post_init__(self) -> None:
        for split in ("train", "test"):
            images, labels = getattr(self, f"{split}_images"), getattr(self, f"{split}_labels")
            assert images.dtype == torch.uint8 and images.dim() == 4, (split, images.dtype, images.shape)
            assert labels.dtype == torch.int64 and labels.shape == images.shape[:1], (split, labels.shape)
