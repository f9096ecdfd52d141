"""Experiment 8, generation: the VAE's decoder as a generative model.

Prior samples z ~ N(0, I) decoded, straight-line interpolations between the codes of test images, and,
for a 2-D latent space, the decoded manifold over the prior's quantiles beside the test codes.
"""

from __future__ import annotations

import time

from vaelab.experiments.common import Context, aggregate, fmt, profile_data, seeded, write_results
from vaelab.experiments.latents import encode_split, interpolations, manifold_grid
from vaelab.experiments.runs import evaluate_setup, prior_samples
from vaelab.viz.grid import save_grid
from vaelab.viz.plots import save, scatter_panels

NAME, TITLE = "generation", "Generating digits: prior samples, interpolations and the 2-D manifold"
EPOCHS = {"tiny": 1, "quick": 10, "full": 50}
VAE_Z20 = {"hidden": [400], "latent_dim": 20}  # the PyTorch examples' VAE
VAE_Z2 = {"hidden": [512, 256], "latent_dim": 2}


def run(ctx: Context) -> dict:
    started = time.perf_counter()
    folder = ctx.folder(NAME)
    epochs, data = EPOCHS[ctx.profile], profile_data(ctx)
    train = {"epochs": epochs}
    vaes = seeded(ctx, "vae-z20", data=data, model=VAE_Z20, train=train)
    vaes_2d = seeded(ctx, "vae-z2", data=data, model=VAE_Z2, train=train)
    elbos = [evaluate_setup(s)["negative_elbo"] for s in vaes]
    elbos_2d = [evaluate_setup(s)["negative_elbo"] for s in vaes_2d]
    configs = {s.run_dir.name: s.cfg for s in vaes + vaes_2d}
    setup, setup2 = vaes[0], vaes_2d[0]
    save_grid(folder / "samples.png", prior_samples(setup, 100), nrow=10)
    save_grid(folder / "interpolations.png", interpolations(setup), nrow=10)
    save_grid(folder / "manifold.png", manifold_grid(setup2, 20), nrow=20, scale=1)
    mu, labels, _ = encode_split(setup2, "test")
    save(scatter_panels([("test codes mu(x), 2-D VAE", mu)], labels, setup2.dataset.classes), folder / "latent-2d.png")
    metrics = {"negative_elbo_z20": aggregate(elbos), "negative_elbo_z2": aggregate(elbos_2d)}
    table = {
        "title": "Test negative ELBO (nats per image, lower is better)",
        "columns": ["model", "latent size", "epochs", "-ELBO"],
        "rows": [["VAE 784-400-20", 20, epochs, fmt(metrics["negative_elbo_z20"], 2)],
                 ["VAE 784-512-256-2", 2, epochs, fmt(metrics["negative_elbo_z2"], 2)]],
    }
    figures = [
        {"file": "samples.png", "caption": "100 prior samples z ~ N(0, I) decoded by the 20-D VAE (decoder means)."},
        {"file": "interpolations.png", "caption": "Each row walks in a straight line between the codes of two test "
                                                  "images of different classes."},
        {"file": "latent-2d.png", "caption": "Codes mu(x) of the test images in the 2-D VAE, coloured by label."},
        {"file": "manifold.png", "caption": "The 2-D VAE's decoder over a 20x20 grid of prior quantiles "
                                            "(5% to 95% in each direction)."},
    ]
    return {"path": write_results(ctx, NAME, TITLE, {"metrics": metrics, "tables": [table], "figures": figures,
                                                     "configs": configs}, started)}
