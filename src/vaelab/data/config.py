"""How a run reads its data."""

from __future__ import annotations

from dataclasses import dataclass

from vaelab.config import check_choice, check_range, option

INPUT_MODES = ("continuous", "dynamic", "static")


@dataclass(frozen=True)
class DataConfig:
    dataset: str = option("mnist", "dataset name (see `vaelab datasets`)")
    data_dir: str | None = option(None, "folder searched first for dataset files")
    input_mode: str = option(
        "continuous",
        "pixels as intensities in [0,1] (continuous), a fresh Bernoulli sample per batch (dynamic), "
        "or one fixed Bernoulli sample (static)",
        choices=INPUT_MODES,
    )
    val_size: int = option(1000, "training images held out for per-epoch validation (0: none)")
    subset: int = option(
        0, "use only the first N training images (0: all); on dSprites: images drawn per epoch (0: 737,280)"
    )

    def __post_init__(self) -> None:
        check_choice("data.input_mode", self.input_mode, INPUT_MODES)
        check_range("data.val_size", self.val_size, 0)
        check_range("data.subset", self.subset, 0)
