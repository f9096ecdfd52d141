"""Objectives: pure functions of (x, model outputs) returning per-example terms with a "loss" key.

`make_objective` binds an `ObjectiveConfig` to the function it selects and to the KL schedule, so the
trainer can call `objective(x, out, t)` with t the training progress in epochs.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from vaelab.errors import ConfigError
from vaelab.objectives import schedules
from vaelab.objectives.config import ObjectiveConfig
from vaelab.objectives.corruption import corrupt
from vaelab.objectives.divergences import gaussian_kl
from vaelab.objectives.elbo import elbo
from vaelab.objectives.iwae import iwae
from vaelab.objectives.likelihoods import LOG_LIKELIHOODS
from vaelab.objectives.reconstruction import reconstruction
from vaelab.objectives.tcvae import tcvae

OBJECTIVE_FUNCTIONS = {"elbo": elbo, "reconstruction": reconstruction, "tcvae": tcvae, "iwae": iwae}
DEFAULT_FOR_MODEL = {"vae": "elbo", "ae": "reconstruction"}


@dataclass(frozen=True)
class Objective:
    """An objective with its settings bound: call it as objective(x, out, t)."""

    cfg: ObjectiveConfig
    name: str  # "elbo", "reconstruction", "tcvae" or "iwae"
    likelihood: str
    total_epochs: float
    dataset_size: int = 60_000  # tcvae's minibatch-weighted sampling needs N

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
        cfg = self.cfg
        if self.name == "iwae":
            return iwae(x, out, self.likelihood)
        if self.name == "tcvae":
            return tcvae(x, out, self.likelihood, self.dataset_size, self.kl_weight(t))
        if self.name == "elbo":
            return elbo(x, out, self.likelihood, self.kl_weight(t), cfg.free_bits, self.capacity(t), cfg.capacity_gamma)
        return reconstruction(x, out, self.likelihood, cfg.l1, cfg.sparsity_kl, cfg.sparsity_target)

    def corrupt(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """The input the model sees: x itself, or a corrupted copy for denoising."""
        return corrupt(x, self.cfg.corruption, self.cfg.noise, generator)


def make_objective(
    cfg: ObjectiveConfig, model_kind: str, likelihood: str, total_epochs: float, dataset_size: int = 60_000
) -> Objective:
    name = DEFAULT_FOR_MODEL[model_kind] if cfg.objective == "auto" else cfg.objective
    if name in ("elbo", "tcvae", "iwae") and model_kind != "vae":
        raise ConfigError(f"objective {name} needs a VAE (--model vae); an autoencoder trains with reconstruction")
    return Objective(cfg, name, likelihood, float(total_epochs), int(dataset_size))


__all__ = [
    "LOG_LIKELIHOODS",
    "OBJECTIVE_FUNCTIONS",
    "Objective",
    "ObjectiveConfig",
    "corrupt",
    "elbo",
    "gaussian_kl",
    "iwae",
    "make_objective",
    "reconstruction",
    "schedules",
]
