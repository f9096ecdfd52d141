"""Experiment 8, generation: the VAE's decoder as a generative model.

Prior samples z ~ N(0, I) decoded, straight-line interpolations between the codes of test images, and,
for a 2-D latent space, the decoded manifold over the prior's quantiles beside the test codes.
"""

from __future__ import annotations

import time

from vaelab.experiments.common import Context, aggregate, ensure_trained, fmt, run_config, write_results
from vaelab.experiments.latents import encode_split, interpolations, manifold_grid
from vaelab.experiments.runs import evaluate_setup, prior_samples
from vaelab.viz.grid import save_grid
from vaelab.viz.plots import save, scatter_panels

NAME, TITLE = "generation", "Generating digits: prior samples, interpolations and the 2-D manifold"
EPOCHS = {"tiny": 1, "quick": 10, "full": 50}
SUBSET = {"tiny": 2000, "quick": 0, "full": 0}


def run(ctx: Context) -> dict:
    started = time.perf_counter()
    folder = ctx.folder(NAME)
    epochs, subset = EPOCHS[ctx.profile], SUBSET[ctx.profile]
    data = {"subset": subset, "val_size": min(5000, subset // 10) if subset else 5000}
    elbos, elbos_2d, configs = [], [], {}
    for seed in ctx.seed_list:
        cfg = run_config(ctx, data=data, model={"hidden": [400], "latent_dim": 20},
                         train={"epochs": epochs, "seed": seed})
        setup = ensure_trained(cfg, folder / "runs" / f"vae-z20-seed{seed}", ctx)
        elbos.append(evaluate_setup(setup)["negative_elbo"])
        configs[f"vae-z20-seed{seed}"] = cfg
        cfg2 = run_config(ctx, data=data, model={"hidden": [512, 256], "latent_dim": 2},
                          train={"epochs": epochs, "seed": seed})
        setup2 = ensure_trained(cfg2, folder / "runs" / f"vae-z2-seed{seed}", ctx)
        elbos_2d.append(evaluate_setup(setup2)["negative_elbo"])
        configs[f"vae-z2-seed{seed}"] = cfg2
        if seed == ctx.first_seed:
            save_grid(folder / "samples.png", prior_samples(setup, 100), nrow=10)
            save_grid(folder / "interpolations.png", interpolations(setup), nrow=10)
            save_grid(folder / "manifold.png", manifold_grid(setup2, 20), nrow=20, scale=1)
            mu, labels, _ = encode_split(setup2, "test")
            save(scatter_panels([("test codes mu(x), 2-D VAE", mu)], labels, setup2.dataset.classes),
                 folder / "latent-2d.png")
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
