"""What a run minimises: the ELBO (with beta, schedules, capacity, free bits) or a reconstruction loss."""

from __future__ import annotations

from dataclasses import dataclass

from vaelab.config import check_choices, check_range, option
from vaelab.errors import ConfigError

OBJECTIVES = ("auto", "elbo", "reconstruction", "tcvae", "iwae", "factorvae", "dip-vae-i", "dip-vae-ii")
KL_SCHEDULES = ("constant", "linear", "cyclical", "sigmoid")
CORRUPTIONS = ("none", "gaussian", "masking", "salt-pepper")


@dataclass(frozen=True)
class ObjectiveConfig:
    objective: str = option(
        "auto",
        "elbo (vae), reconstruction (ae), tcvae (beta-TCVAE: beta weighs the total correlation only), "
        "iwae (the importance-weighted bound with k samples), factorvae (a discriminator's total-correlation "
        "estimate, weight tc_gamma), dip-vae-i / dip-vae-ii (covariance moment matching); auto picks elbo or "
        "reconstruction to fit the model",
        choices=OBJECTIVES,
    )
    beta: float = option(
        1.0, "weight on the KL term (beta-VAE: beta > 1; beta = 0 drops it); with tcvae, on the total correlation"
    )
    k: int = option(5, "iwae: importance samples per input (k = 1 is the ELBO)", flag="k")
    kl_schedule: str = option(
        "constant",
        "how the KL weight rises: constant, linear warm-up, cyclical (Fu et al. 2019), sigmoid",
        choices=KL_SCHEDULES,
    )
    warmup_epochs: float = option(10.0, "linear and sigmoid schedules: epochs until the KL weight reaches beta")
    cycles: int = option(4, "cyclical schedule: number of cycles M over the whole run")
    cycle_ratio: float = option(0.5, "cyclical schedule: fraction R of each cycle spent rising")
    sigmoid_steepness: float = option(10.0, "sigmoid schedule: steepness k of 1 / (1 + exp(-k (t / T - 1/2)))")
    capacity_max: float = option(
        0.0, "capacity annealing (Burgess et al. 2018): final capacity C_max in nats; 0 turns it off"
    )
    capacity_epochs: float = option(10.0, "capacity annealing: epochs over which C rises linearly to C_max")
    capacity_gamma: float = option(
        1000.0,
        "capacity annealing: weight gamma on |KL - C(t)|; the paper's 1000 is for 64x64 images: scale it by "
        "pixels / 4096 (250 at 32x32), else the KL is held to C(t) too hard to carry the image",
    )
    free_bits: float = option(0.0, "free bits (Kingma et al. 2016): nats per latent dimension below which KL is free")
    tc_gamma: float = option(
        10.0, "factorvae: weight gamma on the discriminator's total-correlation estimate (Kim & Mnih: 10-100)"
    )
    lambda_od: float = option(10.0, "dip-vae: weight on the squared off-diagonal covariance of the codes")
    lambda_d: float | None = option(
        None,
        "dip-vae: weight on the diagonal's distance from 1 (default: the paper's 10 lambda_od for I, lambda_od for II)",
    )
    l1: float = option(0.0, "sparse AE: weight on the L1 norm of the code")
    sparsity_kl: float = option(0.0, "sparse AE: weight on KL(rho || mean activation) per unit (sigmoid code)")
    sparsity_target: float = option(0.05, "sparse AE: target activation rate rho")
    corruption: str = option("none", "denoising: corrupt inputs and reconstruct the clean ones", choices=CORRUPTIONS)
    noise: float = option(0.0, "denoising: noise level in [0, 1] (gaussian std, or fraction of pixels hit)")

    def __post_init__(self) -> None:
        check_choices(self, "objective")
        check_range("objective.beta", self.beta, 0)
        check_range("objective.warmup_epochs", self.warmup_epochs, 0, low_open=True)
        check_range("objective.cycles", self.cycles, 1)
        check_range("objective.k", self.k, 1)
        check_range("objective.cycle_ratio", self.cycle_ratio, 0, 1, low_open=True)
        check_range("objective.sigmoid_steepness", self.sigmoid_steepness, 0, low_open=True)
        check_range("objective.capacity_max", self.capacity_max, 0)
        check_range("objective.capacity_epochs", self.capacity_epochs, 0, low_open=True)
        check_range("objective.capacity_gamma", self.capacity_gamma, 0)
        check_range("objective.free_bits", self.free_bits, 0)
        check_range("objective.tc_gamma", self.tc_gamma, 0)
        check_range("objective.lambda_od", self.lambda_od, 0)
        check_range("objective.lambda_d", self.lambda_d, 0)
        check_range("objective.l1", self.l1, 0)
        check_range("objective.sparsity_kl", self.sparsity_kl, 0)
        check_range("objective.sparsity_target", self.sparsity_target, 0, 1, low_open=True, high_open=True)
        check_range("objective.noise", self.noise, 0, 1)
        if self.capacity_max > 0 and self.kl_schedule != "constant":
            raise ConfigError(
                "objective.capacity_max replaces the KL weight by gamma * |KL - C(t)|; use kl_schedule constant with it"
            )
        if self.corruption != "none" and self.noise == 0:
            raise ConfigError(f"objective.noise must be > 0 with corruption {self.corruption} (got 0)")
