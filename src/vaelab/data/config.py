"""How a run reads its data."""

from __future__ import annotations

from dataclasses import dataclass

from vaelab.config import check_choices, check_range, option
from vaelab.errors import ConfigError

INPUT_MODES = ("continuous", "dynamic", "static")


@dataclass(frozen=True)
class DataConfig:
    dataset: str = option(
        "mnist", "dataset name (see `vaelab datasets`), or your own data: a folder of images, a .npz or a .npy"
    )
    data_dir: str | None = option(None, "folder searched first for dataset files")
    input_mode: str = option(
        "continuous",
        "pixels as intensities in [0,1] (continuous), a fresh Bernoulli sample per batch (dynamic), "
        "or one fixed Bernoulli sample (static)",
        choices=INPUT_MODES,
    )
    val_size: int | None = option(
        None,
        "training images held out for per-epoch validation (default: a tenth of them, at most 1,000; 0: none)",
    )
    subset: int = option(
        0, "use only the first N training images (0: all); on dSprites: images drawn per epoch (0: 737,280)"
    )

    image_size: tuple[int, ...] = option((), "a folder of images: resize every image to H W (one value: H H)")
    test_fraction: float = option(
        0.1, "your own data: the fraction held out as the test set (the same draw for every run on the data)"
    )

    def __post_init__(self) -> None:
        check_choices(self, "data")
        if len(self.image_size) > 2:
            raise ConfigError(f"data.image_size takes H or H W (got {len(self.image_size)} values)")
        for size in self.image_size:
            check_range("data.image_size (each)", size, 1, 4096)
        check_range("data.test_fraction", self.test_fraction, 0, 1, low_open=True, high_open=True)
        if self.val_size is not None:
            check_range("data.val_size", self.val_size, 0)
        check_range("data.subset", self.subset, 0)
