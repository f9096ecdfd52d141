"""The generation experiment: the VAE's decoder as a generative model.

Prior samples z ~ N(0, I) decoded, straight-line interpolations between the codes of test images, and,
for a 2-D latent space, the decoded manifold over the prior's quantiles beside the test codes. Two teaching
figures need the trained models: how far the ELBO sits below log p(x) (an importance-weighted estimate,
Burda et al. 2016) for the 784-400-20 VAE, and the aggregate posterior q(z) = mean_x q(z|x) of the 2-D model
against the prior, with the KL term and without it (beta = 0).
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import torch

from vaelab.runs.codes import encode_split, prior_samples
from vaelab.runs.evaluate import evaluate_terms
from vaelab.runs.measures import test_nll
from vaelab.runs.pictures import interpolations, manifold_grid
from vaelab.training.validate import evaluating
from vaelab.tutorial.experiment import Experiment, TrainedArms
from vaelab.tutorial.experiments.shared_arms import DESCRIPTIVE_SEEDS, SHARED_EPOCHS, VAE_Z2, shared_arm, vae_z20, z2
from vaelab.tutorial.profiles import ByProfile
from vaelab.tutorial.results import aggregate, fmt
from vaelab.viz.diagrams import ALT, elbo_gap, prior_vs_aggregate
from vaelab.viz.export import export_decoder
from vaelab.viz.grid import save_grid
from vaelab.viz.plots import save, scatter_panels

NAME, TITLE = "generation", "Generating digits: prior samples, interpolations and the 2-D manifold"
Z20, Z2, BETA4 = "VAE 784-400-20", "VAE 784-512-256-2", "beta-VAE (beta 4), 784-400-20"
Z2_BETA0 = "2-D model without the KL term (beta 0), 784-512-256-2"
# (importance samples K, test images) of the ELBO-gap figure's estimate of log p(x), on the first seed's 20-D VAE:
# K = 1000 on 1000 images takes 6 s on one core (2026-12-02); the literature's K = 5000 on 10,000 would take 5 min
GAP_NLL = ByProfile(tiny=(50, 100), quick=(1000, 1000), full=(1000, 1000))
ELBO_DRAWS = 10  # z draws per image averaged for the ELBO's reconstruction term on the same images
AGGREGATE_POINTS = 2000  # test images whose z ~ q(z|x) draw the aggregate posterior
AGGREGATE_PANELS = {"with the KL term (beta = 1)": Z2, "without it (beta = 0)": Z2_BETA0}  # panel -> arm


def arms(ctx) -> dict:
    beta4 = dataclasses.replace(vae_z20(ctx, beta=4.0), seeds=1, measured=False)  # the sliders' model
    # the 2-D VAE is shown and its -ELBO tabled, no claim rests on it: the descriptive arms' seed count
    beta0 = shared_arm(ctx, "vae-z2-beta0", {**VAE_Z2, "kind": "vae"}, {"beta": 0.0}, seeds=1, measured=False)
    return {
        Z20: vae_z20(ctx),
        Z2: z2(ctx, "vae", DESCRIPTIVE_SEEDS[ctx.profile], measured=True),
        BETA4: beta4,
        Z2_BETA0: beta0,  # the 2-D model's aggregate posterior without the KL term, beside the VAE's
    }


def measure(built, shared) -> dict[str, float]:
    return {"negative_elbo": evaluate_terms(built)["negative_elbo"]}


def prepare(ctx, runs) -> dict:
    """What figures, tables and results.json share: the ELBO's gap on the first seed's 20-D VAE, and the 2-D
    models' aggregate posteriors (computed once per run of the experiment)."""
    samples, images = GAP_NLL[ctx.profile]
    aggregate_z = {label: aggregate_samples(runs[arm][0]) for label, arm in AGGREGATE_PANELS.items()}
    return {"gap": gap_numbers(runs[Z20][0], samples, images), "aggregate": aggregate_z}


@torch.no_grad()
def gap_numbers(built, samples: int, images: int, seed: int = 0) -> dict:
    """On the first `images` test images, in nats per image: the ELBO's terms (reconstruction averaged over
    ELBO_DRAWS z per image, the KL in closed form), and log p(x) by the IWAE bound with `samples` codes."""
    started = time.perf_counter()
    x = next(built.batches("test", batch_size=images).epoch(0))
    objective, t_end = built.objective, float(built.cfg.train.epochs)
    recon = 0.0
    with evaluating(built.model, seed):
        for _ in range(ELBO_DRAWS):
            terms = objective(x, objective.outputs(built.model, x), t_end)
            recon += float(terms["recon"].double().mean()) / ELBO_DRAWS
    kl = float(terms["kl"].double().mean())
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # its small products ran 14x slower on 2 threads of a shared CPU (6 s on one)
    try:
        log_px = -test_nll(built, samples, images, seed)
    finally:
        torch.set_num_threads(threads)
    return {
        "images": len(x),
        "samples": samples,
        "recon": recon,
        "kl": kl,
        "elbo": -recon - kl,
        "log_px": log_px,
        "gap": log_px + recon + kl,
        "seconds": round(time.perf_counter() - started, 2),
    }


def aggregate_samples(built, points: int = AGGREGATE_POINTS, seed: int = 0) -> np.ndarray:
    """z ~ q(z|x), one per test image (the first `points`): samples of the aggregate posterior q(z)."""
    mu, _, logvar = encode_split(built, "test", limit=points)
    return mu + np.exp(0.5 * logvar) * np.random.default_rng(seed).standard_normal(mu.shape)


def teaching_figures(t: TrainedArms) -> list[dict]:
    """The ELBO's gap and the prior against the aggregate posterior, from what `prepare` computed."""
    gap, panels = t.shared["gap"], t.shared["aggregate"]
    log_px = max(gap["log_px"], gap["elbo"])  # an estimate: at tiny K it can fall a hair below the ELBO
    save(elbo_gap(log_px, gap["elbo"], recon=gap["recon"], kl=gap["kl"]), t.folder / "elbo-gap.png")
    save(prior_vs_aggregate(panels), t.folder / "prior-vs-aggregate.png")
    numbers = f" Here the ELBO is {gap['elbo']:.1f} and log p(x) about {gap['log_px']:.1f} nats per image."
    inside = {name: float(np.mean(np.linalg.norm(z, axis=1) <= 2)) for name, z in panels.items()}
    shares = "; ".join(f"{name}: {100 * v:.0f}% inside 2 sigma" for name, v in inside.items())
    return [
        {
            "file": "elbo-gap.png",
            "caption": f"The 784-400-20 VAE on {gap['images']} test images: its ELBO built from its two terms, the "
            "gap to log p(x) (a lower bound on KL(q(z|x) || p(z|x))), and log p(x) estimated with K = "
            f"{gap['samples']} importance samples per image (nats per image).",
            "alt": ALT["elbo_gap"] + numbers,
        },
        {
            "file": "prior-vs-aggregate.png",
            "caption": "Samples z ~ q(z|x), one per test image, of the 2-D model trained with the KL term and "
            "without it, over the prior N(0, I)'s 1, 2 and 3 sigma circles, on the same axes.",
            "alt": ALT["prior_vs_aggregate"] + f" Here: {shares}.",
        },
    ]


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
    return teaching_figures(t) + [
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
    gap = t.shared["gap"]
    terms = [
        ["reconstruction, E_q[-log p(x|z)]", f"{gap['recon']:.2f}"],
        ["KL(q(z|x) || p(z))", f"{gap['kl']:.2f}"],
        ["-ELBO, their sum", f"{-gap['elbo']:.2f}"],
        [f"-log p(x), importance-weighted with K = {gap['samples']}", f"{-gap['log_px']:.2f}"],
        ["the estimated gap (at most KL(q(z|x) || p(z|x)))", f"{gap['gap']:.2f}"],
    ]
    first = f"The 784-400-20 VAE (first seed) on the first {gap['images']} test images, nats per image"
    return [
        {"title": title, "columns": ["model", "latent size", "epochs", "-ELBO"], "rows": rows},
        {"title": first, "columns": ["quantity", "nats per image"], "rows": terms},
    ]


def extra(t: TrainedArms) -> dict:
    """The teaching figures' numbers, for the page's words: the ELBO's gap, and the share of each 2-D model's
    aggregate-posterior samples inside the prior's 2-sigma circle (86.5% for the prior itself)."""
    inside = {name: float(np.mean(np.linalg.norm(z, axis=1) <= 2)) for name, z in t.shared["aggregate"].items()}
    return {"elbo_gap": t.shared["gap"], "aggregate_inside_2sigma": inside}


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


EXPERIMENT = Experiment(
    NAME, TITLE, arms, measure, lambda ctx: [], figures, tables=tables, prepare=prepare, extra=extra
)
