"""The blur experiment: are VAE samples and reconstructions blurry?

Real test images, reconstructions and prior samples side by side, for VAEs with Bernoulli and Gaussian
decoders and several beta, and for a plain AE's reconstructions. Sharpness is the variance of the
Laplacian per image (on the same [0, 1] pixel scale for all); the Frechet distance is computed in the
features of a classifier trained on the same dataset. Claim C5 is judged on the reference VAE
(Bernoulli, beta 1) against the real test images; the other models are shown beside it.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from vaelab.evaluation import samples as sample_metrics
from vaelab.runs.codes import prior_samples, reconstruct
from vaelab.tutorial.claims import Claim, Effect
from vaelab.tutorial.experiment import Experiment, TrainedArms
from vaelab.tutorial.experiments.shared_arms import DESCRIPTIVE_SEEDS, VAE_Z20, ae_z20, shared_arm, vae_z20
from vaelab.tutorial.profiles import ByProfile
from vaelab.tutorial.results import aggregate, fmt
from vaelab.viz.grid import save_grid

NAME, TITLE = "blur", "Blurry samples: sharpness and Frechet distance"
IMAGES = ByProfile(tiny=200, quick=2000, full=5000)
REFERENCE, AE = "VAE Bernoulli, beta 1", "AE Bernoulli"
SHARPER = math.log(1.1)  # the smallest effect that matters: real images 10% sharper (log-ratio)

CLAIMS = [
    Claim(
        "C5",
        "VAE samples are blurry",
        (
            Effect(
                "log_sharpness_real_over_samples",
                REFERENCE,
                None,
                +1,
                SHARPER,
                label="sharpness, log(real / prior samples)",
            ),
            Effect(
                "log_sharpness_real_over_recon",
                REFERENCE,
                None,
                +1,
                SHARPER,
                decides=False,
                label="sharpness, log(real / reconstructions)",
            ),
            Effect(
                "log_sharpness_real_over_recon",
                REFERENCE,
                AE,
                +1,
                SHARPER,
                decides=False,
                label="is the blur the VAE's? reconstructions' blur, VAE - plain AE with the same network and decoder",
            ),
        ),
        design="the reference VAE's prior samples against real test images, per seed, decide; its "
        "reconstructions of those images are shown beside them, and against a plain AE's with the same network "
        "and Bernoulli decoder (is the blur the VAE's, or any such decoder's?); the pictures and sharpness are "
        "decoder means, not samples of p(x|z); sharpness is the mean Laplacian variance, a log-ratio above "
        "log 1.1 matters",
    )
]


def arms(ctx) -> dict:
    """The reference VAE (the claim's arm) on every seed; the others, shown beside it, on fewer."""
    few = DESCRIPTIVE_SEEDS[ctx.profile]
    gauss, learned = {"likelihood": "gaussian", "sigma": 0.1}, {"likelihood": "gaussian", "learn_sigma": True}
    return {
        REFERENCE: vae_z20(ctx),
        "VAE Bernoulli, beta 4": vae_z20(ctx, beta=4.0, seeds=few),
        "VAE Gaussian sigma 0.1": shared_arm(ctx, "vae-z20-gauss", {**VAE_Z20, **gauss}, seeds=few),
        "VAE Gaussian, learned sigma": shared_arm(ctx, "vae-z20-gauss-learned", {**VAE_Z20, **learned}, seeds=few),
        AE: ae_z20(ctx),
    }


def prepare(ctx, runs) -> dict:
    first = runs[REFERENCE][0]
    clf = ctx.classifier(first.dataset, first.device)
    real = next(first.batches("test", batch_size=IMAGES[ctx.profile]).epoch(0)).cpu()
    return {
        "classifier": clf,
        "real": real,
        "real_features": clf.features(real),
        "sharpness_real": float(np.mean(sample_metrics.laplacian_variance(real))),
    }


def measure(built, shared) -> dict[str, float]:
    clf, n, sharp_real = shared["classifier"], len(shared["real"]), shared["sharpness_real"]
    recon = reconstruct(built, shared["real"])
    out = {
        "sharpness_recon": float(np.mean(sample_metrics.laplacian_variance(recon))),
        "frechet_recon": sample_metrics.frechet_distance(shared["real_features"], clf.features(recon)),
    }
    out["log_sharpness_real_over_recon"] = math.log(sharp_real / out["sharpness_recon"])
    if built.cfg.model.kind == "vae":
        fake = prior_samples(built, n, seed=built.cfg.train.seed).cpu()
        out["sharpness_samples"] = float(np.mean(sample_metrics.laplacian_variance(fake)))
        out["frechet_samples"] = sample_metrics.frechet_distance(shared["real_features"], clf.features(fake))
        out["log_sharpness_real_over_samples"] = math.log(sharp_real / out["sharpness_samples"])
    return out


def figures(t: TrainedArms) -> list[dict]:
    picture, parts = [t.shared["real"][:10]], ["real"]
    for label, setups in t.runs.items():
        picture.append(reconstruct(setups[0], t.shared["real"][:10]))
        parts.append(f"{label} reconstructions")
        if setups[0].cfg.model.kind == "vae":
            picture.append(prior_samples(setups[0], 10, seed=1).cpu())
            parts.append(f"{label} samples")
    save_grid(t.folder / "side-by-side.png", torch.cat(picture), nrow=10)
    return [{"file": "side-by-side.png", "caption": f"Rows, top to bottom: {' / '.join(parts)}."}]


def extra(t: TrainedArms) -> dict:
    return {"sharpness_real": t.shared["sharpness_real"]}


def tables(t: TrainedArms) -> list[dict]:
    keys = ("sharpness_recon", "sharpness_samples", "frechet_recon", "frechet_samples")
    rows = [["real test images", f"{t.shared['sharpness_real']:.4f}", "", "0", ""]]
    for label, seeds in t.per_seed.items():
        cells = [
            fmt(aggregate([m[k] for m in seeds.values()]), 4) if k in next(iter(seeds.values())) else "n/a"
            for k in keys
        ]
        rows.append([label, *cells])
    clf = t.shared["classifier"]
    title = (
        f"Sharpness (Laplacian variance, higher is sharper) and Frechet distance to {len(t.shared['real'])} real "
        f"test images (classifier features; test accuracy {clf.test_accuracy:.4f}); mean ± std over seeds"
    )
    columns = [
        "images",
        "sharpness: reconstructions",
        "sharpness: prior samples",
        "Frechet: reconstructions",
        "Frechet: prior samples",
    ]
    return [{"title": title, "columns": columns, "rows": rows}]


# needs_labels: a classifier's features judge samples and reconstructions
EXPERIMENT = Experiment(
    NAME,
    TITLE,
    arms,
    measure,
    lambda ctx: CLAIMS,
    figures,
    tables=tables,
    prepare=prepare,
    extra=extra,
    needs_labels=True,
)
