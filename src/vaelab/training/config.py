"""How a run trains, and the whole run's config (data + model + objective + training)."""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass, field
from typing import Any

from vaelab.config import check_choices, check_range, from_dict, option, to_dict, unknown_key_error
from vaelab.data.config import DataConfig
from vaelab.errors import ConfigError
from vaelab.models.config import ModelConfig
from vaelab.objectives.config import ObjectiveConfig

OPTIMIZERS = ("adam", "adamw", "sgd")
LR_SCHEDULES = ("constant", "cosine", "exponential")
DEVICES = ("auto", "cpu", "cuda", "mps")  # or cuda:N, one GPU by its index
PRECISIONS = ("fp32", "bf16", "fp16")
ON_NAN = ("stop", "skip")
# the signals that stop a run gracefully (a checkpoint at the next step, exit code 128 + the number), by name
STOP_SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP", "SIGUSR1", "SIGUSR2")


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = option(10, "passes over the training set")
    batch_size: int = option(128, "examples per gradient step")
    lr: float = option(1e-3, "learning rate")
    optimizer: str = option("adam", "optimizer (fused kernels are used where the device has them)", choices=OPTIMIZERS)
    weight_decay: float = option(0.0, "weight decay (L2 on the parameters)")
    lr_schedule: str = option(
        "constant",
        "learning-rate schedule over the run: constant, cosine to 0, or exponential decay",
        choices=LR_SCHEDULES,
    )
    lr_decay: float = option(0.1, "exponential schedule: the fraction of lr left at the end of the run")
    grad_clip: float = option(0.0, "clip the gradient norm to this value (0: no clipping)")
    seed: int = option(0, "random seed: data order, initialisation, sampling")
    device: str = option("auto", "where to train: auto (a GPU when there is one), cpu, cuda, cuda:N, mps")
    precision: str = option(
        "fp32",
        "fp32, or bf16 mixed precision (autocast; GPUs with bfloat16, e.g. A100, H100, and CPUs with AVX512-BF16 "
        "or AMX; elsewhere on a CPU it is much slower), or fp16 with a gradient scaler (CUDA GPUs only)",
        choices=PRECISIONS,
    )
    threads: int = option(0, "CPU threads for torch (0: torch's default)")
    eval_batch_size: int = option(1000, "examples per batch when evaluating")
    checkpoint_every: int = option(0, "also checkpoint every N steps (0: at the end of each epoch only)")
    checkpoint_minutes: float = option(10.0, "also checkpoint every N minutes of training (0: off)")
    on_nan: str = option(
        "stop", "a non-finite loss: stop (keeping the last good checkpoint) or skip the batch", choices=ON_NAN
    )
    early_stop: int = option(
        0,
        "stop once the validation loss has not improved for N epochs in a row, keeping the best weights in "
        "RUN/best (0: off)",
    )
    stop_signals: tuple[str, ...] = option(
        ("SIGINT", "SIGTERM", "SIGUSR1"),
        "signals that stop training gracefully: the current step ends, a checkpoint is saved, and the process "
        "exits with 128 + the signal's number (a cluster's scheduler sends SIGTERM or SIGUSR1 before killing)",
        choices=STOP_SIGNALS,
    )

    def __post_init__(self) -> None:
        check_choices(self, "train")
        if self.device not in DEVICES and not re.fullmatch(r"cuda:\d+", self.device):
            raise ConfigError(f"train.device must be one of {', '.join(DEVICES)} or cuda:N (got {self.device!r})")
        if self.precision == "fp16" and self.device in ("cpu", "mps"):
            raise ConfigError(f"train.precision fp16 needs a CUDA GPU, not {self.device}; use bf16 or fp32")
        check_range("train.epochs", self.epochs, 1, 1_000_000)
        check_range("train.batch_size", self.batch_size, 1, 1_000_000)
        check_range("train.lr", self.lr, 0, 10, low_open=True)
        check_range("train.lr_decay", self.lr_decay, 0, 1, low_open=True)
        check_range("train.weight_decay", self.weight_decay, 0)
        check_range("train.grad_clip", self.grad_clip, 0)
        check_range("train.seed", self.seed, 0, 2**63 - 1)
        check_range("train.threads", self.threads, 0, 1024)
        check_range("train.eval_batch_size", self.eval_batch_size, 1)
        check_range("train.checkpoint_every", self.checkpoint_every, 0)
        check_range("train.checkpoint_minutes", self.checkpoint_minutes, 0)
        check_range("train.early_stop", self.early_stop, 0)


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    objective: ObjectiveConfig = field(default_factory=ObjectiveConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def __post_init__(self) -> None:
        from vaelab.objectives import check_objective  # the one table of objectives and what each reads

        check_objective(self.objective, self.model.kind)
        if self.model.decoder == "autoregressive" and self.objective.corruption != "none":
            raise ConfigError(
                "objective.corruption: an autoregressive decoder reads the image it reconstructs (teacher "
                "forcing), so it cannot be trained to denoise; use model.decoder factorised"
            )
        if self.objective.sparsity_kl > 0 and self.model.code_activation != "sigmoid":
            raise ConfigError("objective.sparsity_kl needs codes in (0, 1): set model.code_activation sigmoid")
        if self.train.early_stop and self.data.val_size == 0:
            raise ConfigError("train.early_stop watches the validation loss: it needs data.val_size > 0")


def setting_names() -> dict[str, tuple[str, str]]:
    """Every setting by its one name, the CLI flag's without the dashes in snake case (`latent_dim`; `model`
    for model.kind, `k` for objective.k) -> (section, field)."""
    sections = typing.get_type_hints(RunConfig)
    return {
        f.metadata.get("flag") or f.name: (section, f.name)
        for section, cls in sections.items()
        for f in dataclasses.fields(cls)
    }


def with_settings(cfg: RunConfig, **settings: Any) -> RunConfig:
    """`cfg` with settings given by name (vaelab.train's keywords), checked as flags and config files are:
    the same one-line errors, and a did-you-mean for an unknown name."""
    names = setting_names()
    data = to_dict(cfg)
    for key, value in settings.items():
        if key not in names:
            raise unknown_key_error("", key, names)
        section, name = names[key]
        data[section][name] = list(value) if isinstance(value, tuple) else value
    return from_dict(RunConfig, data)
