"""The tutorial's experiments, in the one order: the page's and the notebook's (the dict's order), from the most
visual to the most statistical."""

from __future__ import annotations

from vaelab.tutorial.experiment import Experiment
from vaelab.tutorial.experiments import (
    beta_disentangle,
    blur,
    clusters,
    denoising,
    generation,
    kl_annealing,
    latent_kl,
    sparsity,
)

EXPERIMENTS: dict[str, Experiment] = {
    e.name: e
    for e in (  # from the most visual to the most statistical
        generation.EXPERIMENT,  # figures only
        latent_kl.EXPERIMENT,  # C1, C2, C3
        clusters.EXPERIMENT,  # C4
        blur.EXPERIMENT,  # C5
        denoising.EXPERIMENT,  # C9a, C9b
        sparsity.EXPERIMENT,  # C8
        kl_annealing.EXPERIMENT,  # C6a, C6b
        beta_disentangle.EXPERIMENT,  # C7
    )
}
