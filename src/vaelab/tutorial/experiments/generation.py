"""The generation experiment: the VAE's decoder as a generative model.

Prior samples z ~ N(0, I) decoded, straight-line interpolations between the codes of test images, and,
for a 2-D latent space, the decoded manifold over the prior's quantiles beside the test codes.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vaelab.runs.codes import encode_split, prior_samples
from vaelab.runs.evaluate import evaluate_terms
from vaelab.runs.pictures import interpolations, manifold_grid
from vaelab.tutorial.experiment import Experiment, TrainedArms
from vaelab.tutorial.experiments.shared_arms import DESCRIPTIVE_SEEDS, SHARED_EPOCHS, vae_z20, z2
from vaelab.tutorial.results import aggregate, fmt
from vaelab.viz.export import export_decoder
from vaelab.viz.grid import save_grid
from vaelab.viz.plots import save, scatter_panels

NAME, TITLE = "generation", "Generating digits: prior samples, interpolations and the 2-D manifold"
Z20, Z2, BETA4 = "VAE 784-400-20", "VAE 784-512-256-2", "beta-VAE (beta 4), 784-400-20"


def arms(ctx) -> dict:
    beta4 = dataclasses.replace(vae_z20(ctx, beta=4.0), seeds=1, measured=False)  # the sliders' model
    # the 2-D VAE is shown and its -ELBO tabled, no claim rests on it: the descriptive arms' seed count
    return {Z20: vae_z20(ctx), Z2: z2(ctx, "vae", DESCRIPTIVE_SEEDS[ctx.profile], measured=True), BETA4: beta4}


def measure(built, shared) -> dict[str, float]:
    return {"negative_elbo": evaluate_terms(built)["negative_elbo"]}


def figures(t: TrainedArms) -> list[dict]:
    built, built2 = t.first(Z20), t.first(Z2)
    save_grid(t.folder / "samples.png", prior_samples(built, 100), nrow=10)
    save_grid(t.folder / "interpolations.png", interpolations(built), nrow=10)
    save_grid(t.folder / "manifold.png", manifold_grid(built2, 20), nrow=20, scale=1)
    mu, labels, _ = encode_split(built2, "test")
    codes = scatter_panels([("test codes mu(x), 2-D VAE", mu)], labels, built2.dataset.classes)
    save(codes, t.folder / "latent-2d.png")
    export_plane(t.folder / "explorer-plane.js", built2, mu, labels)
    export_sliders(t.folder / "explorer-sliders.js", t.first(BETA4))
    return [
        {"file": "samples.png", "caption": "100 prior samples z ~ N(0, I) decoded by the 20-D VAE (decoder means)."},
        {
            "file": "interpolations.png",
            "caption": "Each row walks in a straight line between the codes of two test images of different classes.",
        },
        {"file": "latent-2d.png", "caption": "Codes mu(x) of the test images in the 2-D VAE, coloured by label."},
        {
            "file": "manifold.png",
            "caption": "The 2-D VAE's decoder over a 20x20 grid of prior quantiles (5% to 95% in each direction).",
        },
    ]


def tables(t: TrainedArms) -> list[dict]:
    epochs = SHARED_EPOCHS[t.ctx.profile]
    rows = [
        [name, dim, epochs, fmt(aggregate([m["negative_elbo"] for m in t.per_seed[name].values()]), 2)]
        for name, dim in ((Z20, 20), (Z2, 2))
    ]
    title = "Test negative ELBO (nats per image, lower is better), mean ± std over seeds"
    return [{"title": title, "columns": ["model", "latent size", "epochs", "-ELBO"], "rows": rows}]


def export_plane(path, built, mu: np.ndarray, labels: np.ndarray, points: int = 2000) -> None:
    """The 2-D VAE's decoder and a sample of test codes for the explorer's plane."""
    lo, hi = np.percentile(mu, 0.5, axis=0), np.percentile(mu, 99.5, axis=0)
    extra = {
        "points": np.round(mu[:points].ravel(), 3).tolist(),
        "labels": labels[:points].tolist(),
        "range": [float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])],
    }
    export_decoder(path, "plane", built.model, extra)


def export_sliders(path, built, dims: int = 10) -> None:
    """A beta-VAE's decoder with its most used latents (highest mean KL on test data) for the sliders."""
    mu, _, logvar = encode_split(built, "test", limit=2000)
    kl = (-0.5 * (1 + logvar - mu**2 - np.exp(logvar))).mean(0)
    order = np.argsort(-kl)[:dims]
    export_decoder(path, "sliders", built.model, {"dims": order.tolist(), "kl": [float(kl[d]) for d in order]})


EXPERIMENT = Experiment(NAME, TITLE, arms, measure, lambda ctx: [], figures, tables=tables)
