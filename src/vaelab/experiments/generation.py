"""Experiment 8, generation: the VAE's decoder as a generative model.

Prior samples z ~ N(0, I) decoded, straight-line interpolations between the codes of test images, and,
for a 2-D latent space, the decoded manifold over the prior's quantiles beside the test codes.
"""

from __future__ import annotations

import time

import numpy as np

from vaelab.experiments.common import SHARED_EPOCHS, Context, aggregate, fmt, profile_data, seeded_groups, write_results
from vaelab.experiments.latents import encode_split, interpolations, manifold_grid
from vaelab.experiments.runs import evaluate_setup, prior_samples
from vaelab.viz.export import export_decoder
from vaelab.viz.grid import save_grid
from vaelab.viz.plots import save, scatter_panels

NAME, TITLE = "generation", "Generating digits: prior samples, interpolations and the 2-D manifold"
EPOCHS = SHARED_EPOCHS
VAE_Z20 = {"hidden": [400], "latent_dim": 20}  # the PyTorch examples' VAE
VAE_Z2 = {"hidden": [512, 256], "latent_dim": 2}


def run(ctx: Context) -> dict:
    started = time.perf_counter()
    folder = ctx.folder(NAME)
    epochs, data = EPOCHS[ctx.profile], profile_data(ctx)
    train = {"epochs": epochs}
    runs = seeded_groups(
        ctx,
        {
            "z20": ("vae-z20", {"data": data, "model": VAE_Z20, "train": train}),
            "z2": ("vae-z2", {"data": data, "model": VAE_Z2, "train": train}),
            "beta4": ("vae-z20-beta4", {"data": data, "model": VAE_Z20, "objective": {"beta": 4.0}, "train": train}),
        },
    )
    vaes, vaes_2d = runs["z20"], runs["z2"]
    elbos = [evaluate_setup(s)["negative_elbo"] for s in vaes]
    elbos_2d = [evaluate_setup(s)["negative_elbo"] for s in vaes_2d]
    configs = {s.run_dir.name: s.cfg for s in vaes + vaes_2d}
    setup, setup2 = vaes[0], vaes_2d[0]
    save_grid(folder / "samples.png", prior_samples(setup, 100), nrow=10)
    save_grid(folder / "interpolations.png", interpolations(setup), nrow=10)
    save_grid(folder / "manifold.png", manifold_grid(setup2, 20), nrow=20, scale=1)
    mu, labels, _ = encode_split(setup2, "test")
    save(scatter_panels([("test codes mu(x), 2-D VAE", mu)], labels, setup2.dataset.classes), folder / "latent-2d.png")
    export_plane(folder / "explorer-plane.js", setup2, mu, labels)
    beta4 = runs["beta4"][0]
    export_sliders(folder / "explorer-sliders.js", beta4)
    metrics = {"negative_elbo_z20": aggregate(elbos), "negative_elbo_z2": aggregate(elbos_2d)}
    table = {
        "title": "Test negative ELBO (nats per image, lower is better)",
        "columns": ["model", "latent size", "epochs", "-ELBO"],
        "rows": [
            ["VAE 784-400-20", 20, epochs, fmt(metrics["negative_elbo_z20"], 2)],
            ["VAE 784-512-256-2", 2, epochs, fmt(metrics["negative_elbo_z2"], 2)],
        ],
    }
    figures = [
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
    configs[beta4.run_dir.name] = beta4.cfg
    return {
        "path": write_results(
            ctx, NAME, TITLE, {"metrics": metrics, "tables": [table], "figures": figures, "configs": configs}, started
        )
    }


def export_plane(path, setup, mu: np.ndarray, labels: np.ndarray, points: int = 2000) -> None:
    """The 2-D VAE's decoder and a sample of test codes for the explorer's plane."""
    lo, hi = np.percentile(mu, 0.5, axis=0), np.percentile(mu, 99.5, axis=0)
    extra = {
        "points": np.round(mu[:points].ravel(), 3).tolist(),
        "labels": labels[:points].tolist(),
        "range": [float(lo[0]), float(hi[0]), float(lo[1]), float(hi[1])],
    }
    export_decoder(path, "plane", setup.model, extra)


def export_sliders(path, setup, dims: int = 10) -> None:
    """A beta-VAE's decoder with its most used latents (highest mean KL on test data) for the sliders."""
    mu, _, logvar = encode_split(setup, "test", limit=2000)
    kl = (-0.5 * (1 + logvar - mu**2 - np.exp(logvar))).mean(0)
    order = np.argsort(-kl)[:dims]
    export_decoder(path, "sliders", setup.model, {"dims": order.tolist(), "kl": [float(kl[d]) for d in order]})
