"""Experiment 5, beta-disentangle: a heavier KL weight and disentangled latents, on dSprites.

The same VAE (Higgins et al.'s MLP, 10 latents) trained on dSprites, whose five generative factors
(shape, scale, orientation, posX, posY) are known, with beta in a sweep (and beta-TCVAE in the full
profile). Each model is scored with the metrics of disentanglement_lib (MIG, FactorVAE score,
beta-VAE score, DCI disentanglement) and its reconstruction cost; figures show the metrics against
beta, latent traversals and the KL of each latent. Tests claim C7: a larger beta gives more
disentangled latents, at the price of reconstruction.

Training images are rendered afresh for every batch (`vaelab.data.factor_batches`), at 32x32 on the
CPU; `DATASET` says which. Metric protocol sizes are smaller than the reference's in the quick
profile (see PROTOCOL) and are written into results.json beside the scores.
"""

from __future__ import annotations

import dataclasses
import sys
import time

import numpy as np
import torch
from scipy.stats import spearmanr

from vaelab.evaluation.disentanglement import dci_from_codes, mig_from_codes
from vaelab.evaluation.factor_codes import sample_factor_codes
from vaelab.evaluation.fixed_factor_scores import beta_vae_score, factor_vae_score
from vaelab.evaluation.latent import kl_per_dimension
from vaelab.experiments.common import (
    INCONCLUSIVE,
    NOT_SUPPORTED,
    SUPPORTED,
    Context,
    aggregate,
    claim,
    fmt,
    group_configs,
    train_groups,
    write_results,
)
from vaelab.experiments.latents import decode_means, encode_split
from vaelab.experiments.runs import evaluate_setup
from vaelab.viz.plots import save
from vaelab.viz.traversals import kl_per_dim_bar, metric_vs_beta, traversal_figure

NAME, TITLE = "beta-disentangle", "beta-VAE and disentangled representations (dSprites)"
DATASET = "dsprites-32"
MODEL = {"hidden": [512, 512], "latent_dim": 10}
BETAS = {"tiny": (1.0, 4.0), "quick": (1.0, 4.0, 16.0), "full": (1.0, 2.0, 4.0, 8.0, 16.0)}
SEEDS = {"tiny": 1, "quick": 1, "full": 3}  # at most this many seeds: each run costs minutes here
TCVAE_BETA = 6.0  # beta-TCVAE (full profile): the weight on the total-correlation term
# Training length: epochs of EXAMPLES[profile] freshly rendered images, batch 64 as in disentanglement_lib.
EXAMPLES = {"tiny": 2048, "quick": 65_536, "full": 65_536}
EPOCHS = {"tiny": 1, "quick": 4, "full": 12}
TRAIN = {"batch_size": 64, "lr": 5e-4, "eval_batch_size": 1000}
# Metric protocol sizes: the reference (disentanglement_lib) uses the "full" numbers.
PROTOCOL = {
    "tiny": {"mig": 1000, "fvae": (100, 50, 1000), "bvae": (100, 50)},
    "quick": {"mig": 5000, "fvae": (1000, 500, 5000), "bvae": (1000, 500)},
    "full": {"mig": 10_000, "fvae": (10_000, 5_000, 10_000), "bvae": (10_000, 5_000)},
}
METRICS = {
    "mig": "MIG",
    "factor_vae": "FactorVAE score",
    "beta_vae": "beta-VAE score",
    "dci_d": "DCI disentanglement",
    "recon": "reconstruction (nats)",
}


def models(profile: str) -> dict[str, dict]:
    """Label -> objective fields: the beta sweep, plus beta-TCVAE in the full profile."""
    out = {f"beta = {b:g}": {"beta": b} for b in BETAS[profile]}
    if profile == "full":
        out[f"beta-TCVAE (beta = {TCVAE_BETA:g})"] = {"objective": "tcvae", "beta": TCVAE_BETA}
    return out


def run(ctx: Context) -> dict:
    started = time.perf_counter()
    folder = ctx.folder(NAME)
    data_ctx = dataclasses.replace(ctx, dataset=DATASET, seeds=min(ctx.seeds, SEEDS[ctx.profile]))
    epochs = EPOCHS[ctx.profile]
    labels = models(ctx.profile)
    configs = {
        slug(label): group_configs(
            data_ctx,
            slug(label),
            data={"subset": EXAMPLES[ctx.profile], "val_size": 1000},
            model=MODEL,
            objective=obj,
            train={**TRAIN, "epochs": epochs},
        )
        for label, obj in labels.items()
    }
    trained = train_groups(data_ctx, configs)
    runs = {label: trained[slug(label)] for label in labels}
    protocol = PROTOCOL[ctx.profile]
    per_seed = {label: [scored(s, protocol, ctx.quiet) for s in setups] for label, setups in runs.items()}
    metrics = {f"{k}[{label}]": aggregate([m[k] for m in ms]) for label, ms in per_seed.items() for k in METRICS}

    sweep = [label for label in models(ctx.profile) if label.startswith("beta =")]
    betas = [float(label.split("= ")[1]) for label in sweep]
    grid = {METRICS[k]: np.array([[m[k] for m in per_seed[label]] for label in sweep]) for k in METRICS if k != "recon"}
    save(metric_vs_beta(betas, grid), folder / "metrics-vs-beta.png")
    save(
        metric_vs_beta(betas, {METRICS["recon"]: np.array([[m["recon"] for m in per_seed[b]] for b in sweep])}),
        folder / "recon-vs-beta.png",
    )
    figures = [
        {
            "file": "metrics-vs-beta.png",
            "caption": "Disentanglement metrics against beta (mean and spread over seeds).",
        },
        {"file": "recon-vs-beta.png", "caption": "Reconstruction cost against beta: the price of a heavier KL weight."},
    ]
    for label, setups in runs.items():
        name = slug(label)
        kl = kl_of(setups[0])
        save(
            traversal_figure(lambda z, s=setups[0]: decode_means(s, z), base_code(setups[0]), kl_per_dim=kl),
            folder / f"traversal-{name}.png",
        )
        save(kl_per_dim_bar(kl, f"{label}: KL per latent"), folder / f"kl-{name}.png")
        figures += [
            {
                "file": f"traversal-{name}.png",
                "caption": f"{label}: each latent swept over [-3, 3] from the code of one test image, others fixed; "
                "rows labelled by their KL (unused latents, KL ~ 0, change nothing).",
            },
            {"file": f"kl-{name}.png", "caption": f"{label}: average KL of each latent on test images (nats)."},
        ]

    rows = [[label] + [fmt(metrics[f"{k}[{label}]"]) for k in METRICS] for label in runs]
    table = {
        "title": f"dSprites ({DATASET}), mean ± std over seeds",
        "columns": ["model", *METRICS.values()],
        "rows": rows,
    }
    claims = [c7_claim(sweep, betas, per_seed)]
    configs_out = {s.run_dir.name: s.cfg for setups in runs.values() for s in setups}
    payload = {
        "dataset": DATASET,
        "metrics": metrics,
        "tables": [table],
        "figures": figures,
        "claims": claims,
        "configs": configs_out,
        "protocol": protocol,
        "seeds": data_ctx.seeds,
    }
    return {"path": write_results(ctx, NAME, TITLE, payload, started)}


def slug(label: str) -> str:
    """'beta = 4' -> 'dsprites-beta4'; 'beta-TCVAE (beta = 6)' -> 'dsprites-tcvae-beta6'."""
    name = label.replace("beta-TCVAE (", "tcvae-").replace(" = ", "").replace(")", "")
    return f"dsprites-{name}"


def representation(setup):
    """x -> posterior means mu(x), the representation the metrics score."""

    def fn(x: torch.Tensor) -> np.ndarray:
        setup.model.eval()
        return setup.model.encode(x.to(setup.device))[0].cpu().numpy()

    return fn


def scored(setup, protocol: dict, quiet: bool = False) -> dict[str, float]:
    """score(), with a progress line on stderr (scoring one model takes a minute or more at full size)."""
    started = time.perf_counter()
    result = score(setup, protocol)
    if not quiet:
        print(
            f"  scored {setup.run_dir.name}: MIG {result['mig']:.3f}, FactorVAE {result['factor_vae']:.3f}, "
            f"beta-VAE {result['beta_vae']:.3f} ({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
        )
    return result


def score(setup, protocol: dict, seed: int = 0) -> dict[str, float]:
    """Every metric of one trained model; the factor draws depend only on `seed`."""
    data, fn = setup.dataset.factors, representation(setup)
    n = protocol["mig"]
    codes, factors = sample_factor_codes(data, fn, n, np.random.default_rng([seed, 1]))
    half = n // 2
    dci = dci_from_codes(codes[:half], factors[:half], codes[half:], factors[half:], importance="random_forest")
    fv_train, fv_eval, fv_var = protocol["fvae"]
    bv_train, bv_eval = protocol["bvae"]
    fvae = factor_vae_score(
        data, fn, np.random.default_rng([seed, 2]), num_train=fv_train, num_eval=fv_eval, num_variance_estimate=fv_var
    )
    bvae = beta_vae_score(data, fn, np.random.default_rng([seed, 3]), num_train=bv_train, num_eval=bv_eval)
    return {
        "mig": mig_from_codes(codes, factors)["mig"],
        "factor_vae": fvae["eval_accuracy"],
        "beta_vae": bvae["eval_accuracy"],
        "dci_d": dci["disentanglement"],
        "recon": evaluate_setup(setup)["recon"],
    }


def kl_of(setup) -> np.ndarray:
    mu, _, logvar = encode_split(setup, "test", limit=2000)
    return kl_per_dimension(mu, logvar)


def base_code(setup) -> torch.Tensor:
    """The posterior mean of the first test image: the point the traversals start from."""
    mu, _, _ = encode_split(setup, "test", limit=1)
    return torch.from_numpy(mu[0])


def c7_claim(sweep: list[str], betas: list[float], per_seed: dict) -> dict:
    """C7 from the numbers: rank correlation of beta with MIG, FactorVAE score and reconstruction cost."""
    xs = [b for b, label in zip(betas, sweep) for _ in per_seed[label]]

    def rho(key: str) -> float:
        ys = [m[key] for label in sweep for m in per_seed[label]]
        return float(spearmanr(xs, ys).statistic) if len(set(xs)) > 1 and len(set(ys)) > 1 else float("nan")

    r = {k: rho(k) for k in ("mig", "factor_vae", "recon")}
    first, four = sweep[0], next((lab for lab, b in zip(sweep, betas) if b == 4.0), sweep[-1])
    mig_rises = np.mean([m["mig"] for m in per_seed[four]]) > np.mean([m["mig"] for m in per_seed[first]])
    if r["mig"] > 0 and r["factor_vae"] > 0 and r["recon"] > 0 and mig_rises:
        verdict = SUPPORTED
    elif r["mig"] <= 0 and r["factor_vae"] <= 0:
        verdict = NOT_SUPPORTED
    else:
        verdict = INCONCLUSIVE
    return claim(
        "C7",
        "A larger beta gives more disentangled latents, and reconstruction gets worse",
        "Spearman rank correlation of beta with MIG and with the FactorVAE score > 0 over all runs of the sweep, "
        f"mean MIG higher at {four} than at {first}, and rank correlation of beta with the reconstruction cost > 0",
        verdict,
        f"rank correlation with beta: MIG {r['mig']:+.2f}, FactorVAE score {r['factor_vae']:+.2f}, "
        f"reconstruction cost {r['recon']:+.2f}; MIG rises from {first} to {four}: {'yes' if mig_rises else 'no'}",
    )
