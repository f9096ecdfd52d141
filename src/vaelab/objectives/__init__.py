"""Objectives: pure functions of (x, model outputs) returning per-example terms with a "loss" key.

`OBJECTIVES` is the one table: for each objective, its function, the model kinds it trains, the
ObjectiveConfig fields it reads, and how those settings bind to its keyword arguments at progress t.
`make_objective` binds a config to its entry, so the trainer calls `objective(x, out, t)` with t the
training progress in epochs. A setting the chosen objective does not read is refused, not ignored.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from vaelab.errors import ConfigError
from vaelab.objectives import schedules
from vaelab.objectives.config import ObjectiveConfig
from vaelab.objectives.corruption import corrupt
from vaelab.objectives.dip import dipvae
from vaelab.objectives.divergences import gaussian_kl
from vaelab.objectives.elbo import elbo
from vaelab.objectives.factorvae import FactorDiscriminator, factorvae
from vaelab.objectives.iwae import iwae
from vaelab.objectives.likelihoods import LOG_LIKELIHOODS
from vaelab.objectives.reconstruction import reconstruction
from vaelab.objectives.tcvae import tcvae

DEFAULT_FOR_MODEL = {"vae": "elbo", "ae": "reconstruction"}
SCHEDULE = ("beta", "kl_schedule", "warmup_epochs", "cycles", "cycle_ratio", "sigmoid_steepness")
CORRUPTION = ("corruption", "noise")


@dataclass(frozen=True)
class ObjectiveEntry:
    """One row of OBJECTIVES: the function, the model kind it trains, the fields it reads, its keyword arguments."""

    function: Callable[..., dict[str, torch.Tensor]]
    model: str  # "vae" or "ae"
    fields: tuple[str, ...]
    settings: Callable[[Objective, float], dict[str, Any]]


OBJECTIVES: dict[str, ObjectiveEntry] = {
    "elbo": ObjectiveEntry(
        elbo,
        "vae",
        (*SCHEDULE, "capacity_max", "capacity_epochs", "capacity_gamma", "free_bits", *CORRUPTION),
        lambda o, t: {
            "kl_weight": o.kl_weight(t),
            "free_bits": o.cfg.free_bits,
            "capacity": o.capacity(t),
            "gamma": o.cfg.capacity_gamma,
        },
    ),
    "tcvae": ObjectiveEntry(
        tcvae, "vae", (*SCHEDULE, *CORRUPTION), lambda o, t: {"dataset_size": o.dataset_size, "beta": o.kl_weight(t)}
    ),
    "iwae": ObjectiveEntry(iwae, "vae", ("k", *CORRUPTION), lambda o, t: {}),
    "factorvae": ObjectiveEntry(
        factorvae,
        "vae",
        ("tc_gamma", *CORRUPTION),
        lambda o, t: {"discriminator": o.auxiliary.module, "gamma": o.cfg.tc_gamma},
    ),
    "dip-vae-i": ObjectiveEntry(
        dipvae,
        "vae",
        ("lambda_od", "lambda_d", *CORRUPTION),
        lambda o, t: {"variant": "i", "lambda_od": o.cfg.lambda_od, "lambda_d": o.cfg.lambda_d},
    ),
    "dip-vae-ii": ObjectiveEntry(
        dipvae,
        "vae",
        ("lambda_od", "lambda_d", *CORRUPTION),
        lambda o, t: {"variant": "ii", "lambda_od": o.cfg.lambda_od, "lambda_d": o.cfg.lambda_d},
    ),
    "reconstruction": ObjectiveEntry(
        reconstruction,
        "ae",
        ("l1", "sparsity_kl", "sparsity_target", *CORRUPTION),
        lambda o, t: {"l1": o.cfg.l1, "sparsity_kl": o.cfg.sparsity_kl, "sparsity_target": o.cfg.sparsity_target},
    ),
}


def objective_name(cfg: ObjectiveConfig, model_kind: str) -> str:
    """The objective's name: cfg.objective, or the model's default for "auto"."""
    return DEFAULT_FOR_MODEL[model_kind] if cfg.objective == "auto" else cfg.objective


def check_objective(cfg: ObjectiveConfig, model_kind: str) -> str:
    """Refuse an objective for the wrong model, and any setting the objective does not read; returns its name."""
    name = objective_name(cfg, model_kind)
    entry = OBJECTIVES[name]
    if entry.model != model_kind:
        hint = "model.kind vae" if entry.model == "vae" else f"objective.objective {DEFAULT_FOR_MODEL[model_kind]}"
        raise ConfigError(f"objective.objective {name} trains model {entry.model}, not {model_kind}; set {hint}")
    default = ObjectiveConfig()
    for f in dataclasses.fields(cfg):
        if f.name != "objective" and f.name not in entry.fields and getattr(cfg, f.name) != getattr(default, f.name):
            raise ConfigError(
                f"objective.{f.name} does not apply to objective {name} (it reads {', '.join(entry.fields)}); "
                f"leave objective.{f.name} at its default"
            )
    return name


@dataclass(frozen=True)
class Objective:
    """An objective with its settings bound: call it as objective(x, out, t)."""

    cfg: ObjectiveConfig
    name: str  # a key of OBJECTIVES
    likelihood: str
    total_epochs: float
    dataset_size: int  # tcvae's minibatch-weighted sampling needs N, the training set's size
    auxiliary: FactorDiscriminator | None = None  # an objective's own network (FactorVAE's discriminator)

    def kl_weight(self, t: float) -> float:
        """beta * schedule(t); the multiplier on KL at progress t (epochs)."""
        cfg = self.cfg
        shape = {
            "constant": lambda: schedules.constant(t),
            "linear": lambda: schedules.linear_warmup(t, cfg.warmup_epochs),
            "cyclical": lambda: schedules.cyclical(t, self.total_epochs, cfg.cycles, cfg.cycle_ratio),
            "sigmoid": lambda: schedules.sigmoid(t, cfg.warmup_epochs, cfg.sigmoid_steepness),
        }[cfg.kl_schedule]()
        return cfg.beta * shape

    def capacity(self, t: float) -> float | None:
        if self.cfg.capacity_max <= 0:
            return None
        return schedules.capacity(t, self.cfg.capacity_max, self.cfg.capacity_epochs)

    @property
    def samples_per_input(self) -> int:
        """z samples the model must draw per input: iwae's k, else 1."""
        return self.cfg.k if self.name == "iwae" else 1

    def outputs(self, model: torch.nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """model(x), asking for several z per input when the objective needs them (iwae)."""
        k = self.samples_per_input
        return model(x) if k == 1 else model(x, samples=k)

    def __call__(self, x: torch.Tensor, out: dict[str, torch.Tensor], t: float) -> dict[str, torch.Tensor]:
        entry = OBJECTIVES[self.name]
        return entry.function(x, out, likelihood=self.likelihood, **entry.settings(self, t))

    def corrupt(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """The input the model sees: x itself, or a corrupted copy for denoising."""
        return corrupt(x, self.cfg.corruption, self.cfg.noise, generator)


def make_objective(
    cfg: ObjectiveConfig, model_kind: str, likelihood: str, total_epochs: float, dataset_size: int, latent_dim: int = 0
) -> Objective:
    """Bind `cfg` to its table entry; FactorVAE also builds its discriminator (after the model, so a seed fixes
    both). `dataset_size` is N, the number of training examples (tcvae needs it)."""
    name = check_objective(cfg, model_kind)
    auxiliary = None
    if name == "factorvae":
        if latent_dim < 1:
            raise ConfigError("objective factorvae needs the latent size for its discriminator (latent_dim)")
        auxiliary = FactorDiscriminator(latent_dim)
    return Objective(cfg, name, likelihood, float(total_epochs), int(dataset_size), auxiliary)


__all__ = [
    "LOG_LIKELIHOODS",
    "OBJECTIVES",
    "Objective",
    "ObjectiveConfig",
    "check_objective",
    "corrupt",
    "dipvae",
    "elbo",
    "factorvae",
    "gaussian_kl",
    "iwae",
    "make_objective",
    "reconstruction",
    "schedules",
]
