"""The tutorial's experiments by name: sweeps and comparisons are data, each a module with run(ctx)."""

from __future__ import annotations

from vaelab.experiments import (
    beta_disentangle,
    blur,
    clusters,
    denoising,
    generation,
    kl_annealing,
    latent_kl,
    sparsity,
)

EXPERIMENTS = {
    "latent-kl": latent_kl.run,
    "clusters": clusters.run,
    "kl-annealing": kl_annealing.run,
    "blur": blur.run,
    "beta-disentangle": beta_disentangle.run,
    "denoising": denoising.run,
    "sparsity": sparsity.run,
    "generation": generation.run,
}

# Seeds per profile when --seeds is not given.
DEFAULT_SEEDS = {"tiny": 1, "quick": 2, "full": 3}
