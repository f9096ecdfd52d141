"""Experiment 1, latent-kl: the same VAE trained with the KL term (beta = 1) and without it (beta = 0).

Tests claims C1 (the KL term pulls the aggregate posterior towards the prior), C2 (only with it do
prior samples look like data) and C3 (t-SNE of the codes differs; described with neighbour accuracy
and silhouette).
"""

from __future__ import annotations

import time

from vaelab.evaluation.embedding import tsne
from vaelab.experiments.common import (
    DESCRIPTIVE,
    SHARED_EPOCHS,
    Context,
    aggregate,
    claim,
    fmt,
    profile_data,
    seeded_groups,
    verdict_all,
    write_results,
)
from vaelab.experiments.latents import encode_split
from vaelab.experiments.measures import aggregate_posterior_gap, latent_quality, sample_quality
from vaelab.experiments.runs import prior_samples
from vaelab.viz.grid import save_grid
from vaelab.viz.plots import save, scatter_panels

NAME, TITLE = "latent-kl", "The latent space with and without the KL term"
EPOCHS = SHARED_EPOCHS
TSNE_POINTS = {"tiny": 300, "quick": 5000, "full": 10000}
MODEL = {"hidden": [400], "latent_dim": 20}
VARIANTS = {"with KL (beta = 1)": 1.0, "without KL (beta = 0)": 0.0}


def run(ctx: Context) -> dict:
    started = time.perf_counter()
    folder = ctx.folder(NAME)
    specs = {
        label: (
            "vae-z20" if beta == 1.0 else "vae-z20-beta0",
            {
                "data": profile_data(ctx),
                "model": MODEL,
                "objective": {} if beta == 1.0 else {"beta": beta},
                "train": {"epochs": EPOCHS[ctx.profile]},
            },
        )
        for label, beta in VARIANTS.items()
    }
    runs = seeded_groups(ctx, specs)
    clf = ctx.classifier(runs["with KL (beta = 1)"][0].dataset, runs["with KL (beta = 1)"][0].device)
    per_seed = {label: [measure(s, ctx, clf) for s in setups] for label, setups in runs.items()}
    keys = per_seed["with KL (beta = 1)"][0].keys()
    metrics = {f"{key}[{label}]": aggregate([m[key] for m in ms]) for label, ms in per_seed.items() for key in keys}

    n = TSNE_POINTS[ctx.profile]
    panels, labels = [], None
    for label, setups in runs.items():
        mu, labels, _ = encode_split(setups[0], "test", limit=n)
        panels.append((f"VAE {label}", tsne(mu, seed=ctx.first_seed)))
        save_grid(folder / f"samples-beta{VARIANTS[label]:g}.png", prior_samples(setups[0], 64), nrow=8)
    save(scatter_panels(panels, labels, runs["with KL (beta = 1)"][0].dataset.classes), folder / "tsne.png")

    with_kl, without = per_seed["with KL (beta = 1)"], per_seed["without KL (beta = 0)"]
    rows = [[key] + [fmt(metrics[f"{key}[{label}]"]) for label in VARIANTS] for key in keys]
    table = {"title": "Per model, mean ± std over seeds (test set)", "columns": ["measure", *VARIANTS], "rows": rows}
    claims = [
        claim(
            "C1",
            "The KL term pulls the encoder's latent distribution towards the prior",
            "MMD between aggregate-posterior samples and N(0, I) is lower with KL than without, in every seed",
            verdict_all([(a["mmd"], b["mmd"]) for a, b in zip(with_kl, without)], "lower"),
            f"MMD {fmt(metrics['mmd[with KL (beta = 1)]'])} with KL vs "
            f"{fmt(metrics['mmd[without KL (beta = 0)]'])} without",
        ),
        claim(
            "C2",
            "Only with the KL term is the decoder a generative model: prior samples look like data",
            "Frechet distance of prior samples to test images (classifier features) lower with KL, and the "
            "classifier's confidence on them higher, in every seed",
            _both(
                verdict_all(
                    [(a["frechet_distance"], b["frechet_distance"]) for a, b in zip(with_kl, without)], "lower"
                ),
                verdict_all(
                    [(a["classifier_confidence"], b["classifier_confidence"]) for a, b in zip(with_kl, without)],
                    "higher",
                ),
            ),
            f"FD {fmt(metrics['frechet_distance[with KL (beta = 1)]'], 1)} vs "
            f"{fmt(metrics['frechet_distance[without KL (beta = 0)]'], 1)}; confidence "
            f"{fmt(metrics['classifier_confidence[with KL (beta = 1)]'])} vs "
            f"{fmt(metrics['classifier_confidence[without KL (beta = 0)]'])}",
        ),
        claim(
            "C3",
            "The t-SNE of the latent codes differs with and without the KL term",
            "descriptive: the two t-SNE maps side by side, with neighbour accuracy and silhouette of each",
            DESCRIPTIVE,
            f"kNN accuracy {fmt(metrics['knn_accuracy[with KL (beta = 1)]'])} vs "
            f"{fmt(metrics['knn_accuracy[without KL (beta = 0)]'])}; silhouette "
            f"{fmt(metrics['silhouette[with KL (beta = 1)]'])} vs {fmt(metrics['silhouette[without KL (beta = 0)]'])}",
        ),
    ]
    figures = [
        {
            "file": "tsne.png",
            "caption": f"t-SNE of the codes mu(x) of {n} test images, coloured by label: "
            "with the KL term (left) and without it (right).",
        },
        {
            "file": "samples-beta1.png",
            "caption": "Prior samples z ~ N(0, I) decoded by the VAE trained with the KL term.",
        },
        {
            "file": "samples-beta0.png",
            "caption": "Prior samples decoded by the same network trained without the KL term: "
            "nothing tied its codes to N(0, I).",
        },
    ]
    configs = {s.run_dir.name: s.cfg for setups in runs.values() for s in setups}
    payload = {"metrics": metrics, "tables": [table], "figures": figures, "claims": claims, "configs": configs}
    return {"path": write_results(ctx, NAME, TITLE, payload, started)}


def measure(setup, ctx: Context, clf) -> dict[str, float]:
    out = {}
    out.update(aggregate_posterior_gap(setup, seed=setup.cfg.train.seed))
    out.update(latent_quality(setup, limit=TSNE_POINTS[ctx.profile]))
    out.update(sample_quality(setup, clf, n=min(2000, 10 * TSNE_POINTS[ctx.profile]), seed=setup.cfg.train.seed))
    return out


def _both(a: str, b: str) -> str:
    """Two criteria that must agree: the shared verdict, or inconclusive when they differ."""
    return a if a == b else "inconclusive"
