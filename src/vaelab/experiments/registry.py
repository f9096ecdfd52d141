"""The tutorial's experiments, in the one order: the page's, which is the order of their claims (C1..C9)."""

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
from vaelab.experiments.runner import Experiment

EXPERIMENTS: dict[str, Experiment] = {
    e.name: e
    for e in (
        latent_kl.EXPERIMENT,  # C1, C2, C3
        clusters.EXPERIMENT,  # C4
        blur.EXPERIMENT,  # C5
        kl_annealing.EXPERIMENT,  # C6a, C6b
        beta_disentangle.EXPERIMENT,  # C7
        sparsity.EXPERIMENT,  # C8
        denoising.EXPERIMENT,  # C9a, C9b
        generation.EXPERIMENT,  # figures only
    )
}

# The seed count per profile when neither --seeds nor the experiment's own SEEDS says otherwise; a count N
# means the first N seeds from --seed on (runner.py's docstring says how the counts combine).
DEFAULT_SEEDS = {"tiny": 2, "quick": 3, "full": 5}
