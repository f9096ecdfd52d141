"""Experiment 2, clusters: a plain autoencoder and a VAE with the same network and latent size.

Tests claim C4 (AE and VAE form clusters differently): t-SNE side by side; silhouette, k-means NMI and
ARI, neighbour and linear-probe accuracy; and for 2-D latents the codes and the decoded plane of each.
"""

from __future__ import annotations

import time

import numpy as np

from vaelab.evaluation.embedding import tsne
from vaelab.experiments.common import (
    INCONCLUSIVE,
    SHARED_EPOCHS,
    SUPPORTED,
    Context,
    aggregate,
    claim,
    fmt,
    profile_data,
    seeded_groups,
    write_results,
)
from vaelab.experiments.generation import VAE_Z2
from vaelab.experiments.latent_kl import MODEL as Z20
from vaelab.experiments.latent_kl import TSNE_POINTS
from vaelab.experiments.latents import encode_split, manifold_grid
from vaelab.experiments.measures import PROBE_TRAIN, latent_quality
from vaelab.viz.grid import save_grid
from vaelab.viz.plots import save, scatter_panels

NAME, TITLE = "clusters", "Cluster formation: autoencoder versus VAE"
EPOCHS = SHARED_EPOCHS
KINDS = {"AE": "ae", "VAE": "vae"}
MEASURES = ["silhouette", "kmeans_nmi", "kmeans_ari", "knn_accuracy", "linear_probe_accuracy"]


def run(ctx: Context) -> dict:
    started = time.perf_counter()
    folder = ctx.folder(NAME)
    train, data = {"epochs": EPOCHS[ctx.profile]}, profile_data(ctx)

    def specs(size: str, model: dict) -> dict:
        return {
            name: (f"{kind}-{size}", {"data": data, "model": {**model, "kind": kind}, "train": train})
            for name, kind in KINDS.items()
        }

    runs = seeded_groups(ctx, specs("z20", Z20))
    runs_2d = seeded_groups(ctx, specs("z2", VAE_Z2), seeds=1)
    n = TSNE_POINTS[ctx.profile]
    per_seed = {name: [latent_quality(s, limit=n) for s in setups] for name, setups in runs.items()}
    metrics = {f"{m}[{name}]": aggregate([r[m] for r in rs]) for name, rs in per_seed.items() for m in MEASURES}

    panels, panels_2d, labels = [], [], None
    for name in KINDS:
        mu, labels, _ = encode_split(runs[name][0], "test", limit=n)
        panels.append((f"{name}, 20-D codes", tsne(mu, seed=ctx.first_seed)))
        mu2, labels2, _ = encode_split(runs_2d[name][0], "test")
        panels_2d.append((f"{name}, 2-D codes", mu2))
        grid_codes = None if name == "VAE" else mu2
        save_grid(
            folder / f"manifold-{name.lower()}.png", manifold_grid(runs_2d[name][0], 20, grid_codes), nrow=20, scale=1
        )
    classes = runs["VAE"][0].dataset.classes
    save(scatter_panels(panels, labels, classes), folder / "tsne.png")
    save(scatter_panels(panels_2d, labels2, classes), folder / "latent-2d.png")

    rows = [
        [
            m,
            fmt(metrics[f"{m}[AE]"]),
            fmt(metrics[f"{m}[VAE]"]),
            f"{metrics[f'{m}[VAE]']['mean'] - metrics[f'{m}[AE]']['mean']:+.3f}",
        ]
        for m in MEASURES
    ]
    table = {
        "title": f"Test codes, {n} images (probes fit on {min(PROBE_TRAIN, 2 * n):,} training codes); "
        "mean ± std over seeds",
        "columns": ["measure", "AE", "VAE", "VAE - AE"],
        "rows": rows,
    }
    claims = [cluster_claim(per_seed, metrics)]
    figures = [
        {"file": "tsne.png", "caption": "t-SNE of 20-D test codes, coloured by label: plain AE (left), VAE (right)."},
        {
            "file": "latent-2d.png",
            "caption": "The codes themselves when the latent space is 2-D: AE (left), VAE "
            "(right, the posterior means mu(x)).",
        },
        {"file": "manifold-ae.png", "caption": "The 2-D AE's decoder over its codes' 5th-95th percentile box."},
        {"file": "manifold-vae.png", "caption": "The 2-D VAE's decoder over the prior's 5%-95% quantiles."},
    ]
    configs = {s.run_dir.name: s.cfg for setups in [*runs.values(), *runs_2d.values()] for s in setups}
    payload = {"metrics": metrics, "tables": [table], "figures": figures, "claims": claims, "configs": configs}
    return {"path": write_results(ctx, NAME, TITLE, payload, started)}


def cluster_claim(per_seed: dict, metrics: dict) -> dict:
    """Supported when silhouette and k-means NMI differ between AE and VAE with the same sign in every seed."""
    signs = []
    for m in ("silhouette", "kmeans_nmi"):
        diffs = np.array([v[m] - a[m] for a, v in zip(per_seed["AE"], per_seed["VAE"])])
        signs.append(bool((diffs > 0).all()) or bool((diffs < 0).all()))
    parts = []
    for m in ("silhouette", "kmeans_nmi", "knn_accuracy"):
        a, v = metrics[f"{m}[AE]"]["mean"], metrics[f"{m}[VAE]"]["mean"]
        parts.append(
            f"{m}: {'VAE' if v > a else 'AE'} higher by {abs(v - a):.3f} ({fmt(metrics[f'{m}[AE]'])} AE, "
            f"{fmt(metrics[f'{m}[VAE]'])} VAE)"
        )
    return claim(
        "C4",
        "Autoencoders and VAEs form clusters differently",
        "silhouette and k-means NMI of the test codes differ between AE and VAE with the same sign in "
        "every seed; the evidence states which is higher and by how much",
        SUPPORTED if all(signs) else INCONCLUSIVE,
        "; ".join(parts),
    )
