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
class Spec:
    """One objective: its function, the models it trains, the fields it reads, its keyword arguments."""

    function: Callable[..., dict[str, torch.Tensor]]
    model: str  # "vae" or "ae"
    fields: tuple[str, ...]
    settings: Callable[[Objective, float], dict[str, Any]]


OBJECTIVES: dict[str, Spec] = {
    "elbo": Spec(
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
    "tcvae": Spec(
        tcvae, "vae", (*SCHEDULE, *CORRUPTION), lambda o, t: {"dataset_size": o.dataset_size, "beta": o.kl_weight(t)}
    ),
    "iwae": Spec(iwae, "vae", ("k", *CORRUPTION), lambda o, t: {}),
    "factorvae": Spec(
        factorvae,
        "vae",
        ("tc_gamma", *CORRUPTION),
        lambda o, t: {"discriminator": o.auxiliary.module, "gamma": o.cfg.tc_gamma},
    ),
    "dip-vae-i": Spec(
        dipvae,
        "vae",
        ("lambda_od", "lambda_d", *CORRUPTION),
        lambda o, t: {"variant": "i", "lambda_od": o.cfg.lambda_od, "lambda_d": o.cfg.lambda_d},
    ),
    "dip-vae-ii": Spec(
        dipvae,
        "vae",
        ("lambda_od", "lambda_d", *CORRUPTION),
        lambda o, t: {"variant": "ii", "lambda_od": o.cfg.lambda_od, "lambda_d": o.cfg.lambda_d},
    ),
    "reconstruction": Spec(
        reconstruction,
        "ae",
        ("l1", "sparsity_kl", "sparsity_target", *CORRUPTION),
        lambda o, t: {"l1": o.cfg.l1, "sparsity_kl": o.cfg.sparsity_kl, "sparsity_target": o.cfg.sparsity_target},
    ),
}


def chosen(cfg: ObjectiveConfig, model_kind: str) -> str:
    """The objective's name: cfg.objective, or the model's default for "auto"."""
    return DEFAULT_FOR_MODEL[model_kind] if cfg.objective == "auto" else cfg.objective


def check_objective(cfg: ObjectiveConfig, model_kind: str) -> str:
    """Refuse an objective for the wrong model, and any setting the objective does not read; returns its name."""
    name = chosen(cfg, model_kind)
    spec = OBJECTIVES[name]
    if spec.model != model_kind:
        hint = "--model vae" if spec.model == "vae" else f"--objective {DEFAULT_FOR_MODEL[model_kind]}"
        raise ConfigError(f"objective.objective {name} trains model {spec.model}, not {model_kind}; use {hint}")
    default = ObjectiveConfig()
    for f in dataclasses.fields(cfg):
        if f.name != "objective" and f.name not in spec.fields and getattr(cfg, f.name) != getattr(default, f.name):
            raise ConfigError(
                f"objective.{f.name} does not apply to objective {name} (it reads {', '.join(spec.fields)}); "
                f"drop --{f.name.replace('_', '-')}"
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
    def samples(self) -> int:
        """z samples per input the model must draw: k for iwae, else 1."""
        return self.cfg.k if self.name == "iwae" else 1

    def outputs(self, model: torch.nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """model(x), asking for `samples` z per input when the objective needs several."""
        return model(x) if self.samples == 1 else model(x, samples=self.samples)

    def __call__(self, x: torch.Tensor, out: dict[str, torch.Tensor], t: float) -> dict[str, torch.Tensor]:
        spec = OBJECTIVES[self.name]
        return spec.function(x, out, likelihood=self.likelihood, **spec.settings(self, t))

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
