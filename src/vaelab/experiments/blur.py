"""Experiment 3, blur: are VAE samples and reconstructions blurry?

Real test images, reconstructions and prior samples side by side, for VAEs with Bernoulli and Gaussian
decoders and several beta, and for a plain AE's reconstructions. Sharpness is the variance of the
Laplacian per image (on the same [0, 1] pixel scale for all); the Frechet distance is computed in the
features of a classifier trained on the same dataset. Tests claim C5.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from vaelab.evaluation import samples as sample_metrics
from vaelab.experiments.common import (
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
from vaelab.experiments.latent_kl import MODEL as Z20
from vaelab.experiments.measures import reconstruction_images
from vaelab.experiments.runs import prior_samples
from vaelab.viz.grid import save_grid

NAME, TITLE = "blur", "Blurry samples: sharpness and Frechet distance"
EPOCHS = SHARED_EPOCHS
IMAGES = {"tiny": 200, "quick": 2000, "full": 5000}
# label: (run label, model fields, objective fields); the first is the reference VAE of claim C5.
MODELS = {
    "VAE Bernoulli, beta 1": ("vae-z20", {}, {}),
    "VAE Bernoulli, beta 4": ("vae-z20-beta4", {}, {"beta": 4.0}),
    "VAE Gaussian sigma 0.1": ("vae-z20-gauss", {"likelihood": "gaussian", "sigma": 0.1}, {}),
    "VAE Gaussian, learned sigma": ("vae-z20-gauss-learned", {"likelihood": "gaussian", "learn_sigma": True}, {}),
    "AE Bernoulli": ("ae-z20", {"kind": "ae"}, {}),
}


def run(ctx: Context) -> dict:
    started = time.perf_counter()
    folder = ctx.folder(NAME)
    n = IMAGES[ctx.profile]
    specs = {
        label: (
            run_label,
            {
                "data": profile_data(ctx),
                "model": {**Z20, **model},
                "objective": obj,
                "train": {"epochs": EPOCHS[ctx.profile]},
            },
        )
        for label, (run_label, model, obj) in MODELS.items()
    }
    runs = seeded_groups(ctx, specs)
    first = next(iter(runs.values()))[0]
    clf = ctx.classifier(first.dataset, first.device)
    real = next(first.batches("test", batch_size=n).epoch(0)).cpu()
    real_feats = clf.features(real)
    sharp_real = float(np.mean(sample_metrics.laplacian_variance(real)))

    per_seed: dict[str, list[dict]] = {}
    picture = [real[:10]]
    for label, setups in runs.items():
        per_seed[label] = []
        for s in setups:
            _, recon = reconstruction_images(s, n)
            m = {
                "sharpness_recon": float(np.mean(sample_metrics.laplacian_variance(recon))),
                "frechet_recon": sample_metrics.frechet_distance(real_feats, clf.features(recon)),
            }
            if s.cfg.model.kind == "vae":
                fake = prior_samples(s, n, seed=s.cfg.train.seed).cpu()
                m["sharpness_samples"] = float(np.mean(sample_metrics.laplacian_variance(fake)))
                m["frechet_samples"] = sample_metrics.frechet_distance(real_feats, clf.features(fake))
            per_seed[label].append(m)
        picture.append(reconstruction_images(setups[0], 10)[1])
        if setups[0].cfg.model.kind == "vae":
            picture.append(prior_samples(setups[0], 10, seed=1).cpu())
    save_grid(folder / "side-by-side.png", torch.cat(picture), nrow=10)

    metrics = {f"{k}[{label}]": aggregate([m[k] for m in ms]) for label, ms in per_seed.items() for k in ms[0]}
    metrics["sharpness_real"] = aggregate([sharp_real])
    rows = [["real test images", f"{sharp_real:.4f}", "", "0", ""]]
    for label in per_seed:
        keys = ("sharpness_recon", "sharpness_samples", "frechet_recon", "frechet_samples")
        rows.append([label] + [fmt(metrics[f"{k}[{label}]"], 4) if f"{k}[{label}]" in metrics else "n/a" for k in keys])
    table = {
        "title": f"Sharpness (Laplacian variance, higher is sharper) and Frechet distance to {n} real test "
        f"images (classifier features; test accuracy {clf.test_accuracy:.4f})",
        "columns": [
            "images",
            "sharpness: reconstructions",
            "sharpness: prior samples",
            "Frechet: reconstructions",
            "Frechet: prior samples",
        ],
        "rows": rows,
    }
    reference = per_seed["VAE Bernoulli, beta 1"]
    pairs = [(m["sharpness_samples"], sharp_real) for m in reference] + [
        (m["sharpness_recon"], sharp_real) for m in reference
    ]
    claims = [
        claim(
            "C5",
            "VAE samples are blurry",
            "the reference VAE (Bernoulli, beta 1): mean Laplacian variance of its prior samples and of its "
            "reconstructions below that of the real test images, in every seed",
            verdict_all(pairs, "lower"),
            f"real {sharp_real:.4f}; reconstructions {fmt(metrics['sharpness_recon[VAE Bernoulli, beta 1]'], 4)}; "
            f"samples {fmt(metrics['sharpness_samples[VAE Bernoulli, beta 1]'], 4)}",
        )
    ]
    rows_caption = " / ".join(
        ["real"]
        + [
            f"{lab} {part}"
            for lab, (_, mdl, _) in MODELS.items()
            for part in (["reconstructions"] + ([] if mdl.get("kind") == "ae" else ["samples"]))
        ]
    )
    figures = [{"file": "side-by-side.png", "caption": f"Rows, top to bottom: {rows_caption}."}]
    configs = {s.run_dir.name: s.cfg for setups in runs.values() for s in setups}
    payload = {"metrics": metrics, "tables": [table], "figures": figures, "claims": claims, "configs": configs}
    return {"path": write_results(ctx, NAME, TITLE, payload, started)}
