"""The tutorial's experiments, in the one order: the page's and the notebook's."""

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
