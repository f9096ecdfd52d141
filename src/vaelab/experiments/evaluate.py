"""`vaelab evaluate RUN`: the objective's terms on the test set, and slower metrics behind flags."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from vaelab.data.files import cache_dir
from vaelab.errors import DataError
from vaelab.evaluation import latent as latent_metrics
from vaelab.evaluation.feature_classifier import classifier_for
from vaelab.experiments.latents import encode_split
from vaelab.experiments.measures import aggregate_posterior_gap, latent_quality, sample_quality, test_nll
from vaelab.experiments.runs import evaluate_setup, load_trained
from vaelab.training.setup import Setup
from vaelab.training.validate import EVAL_SEED

MI_POINTS = 2000  # I(x; z) on the first 2,000 test codes: O(N^2) memory and time; the estimate is capped at log N


def evaluate_run(run_dir: str | Path, data_dir: str | None = None, **options) -> dict:
    """`vaelab evaluate RUN`: evaluate_loaded (the `options`) on the run in `run_dir`."""
    return evaluate_loaded(load_trained(run_dir, data_dir), **options)


def evaluate_loaded(
    setup: Setup,
    split: str = "test",
    seed: int = EVAL_SEED,
    nll_samples: int = 0,
    nll_images: int | None = None,
    latent: bool = False,
    probes: bool = False,
    samples: bool = False,
) -> dict:
    """`vaelab evaluate RUN`'s report on a loaded run (`vaelab.Run.evaluate` too): always
    `runs.evaluate_setup`'s terms (for a VAE the negative ELBO) in nats per image. With flags: the IWAE
    estimate of -log p(x) with `nll_samples` samples, latent-space use (active units, KL per dimension,
    I(x; z), aggregate posterior vs prior), probes and clusters, and prior-sample quality."""
    if (probes or samples) and not setup.dataset.labelled:
        raise DataError(
            f"probes and sample quality need labelled data, and {setup.dataset.source} has no labels: put the "
            "images in class subfolders, or save labels y beside x"
        )
    result = {"run": str(setup.run_dir), **evaluate_setup(setup, split, seed)}
    is_vae = setup.cfg.model.kind == "vae"
    timings = {}
    if nll_samples and is_vae:
        started = time.perf_counter()
        n = nll_images or len(setup.splits.test.images)
        result["nll"] = test_nll(setup, nll_samples, n, seed, progress=True)
        result["nll_samples"], result["nll_images"] = nll_samples, n
        timings["nll"] = time.perf_counter() - started
    if latent:
        mu, _, logvar = encode_split(setup, split)
        result["active_units"] = latent_metrics.active_units(mu)["active_units"]
        if is_vae:
            result["kl_per_dimension"] = np.round(latent_metrics.kl_per_dimension(mu, logvar), 4).tolist()
            result.update(latent_metrics.mutual_information_report(mu[:MI_POINTS], logvar[:MI_POINTS], seed))
        result.update({f"prior_{k}": v for k, v in aggregate_posterior_gap(setup, seed=seed).items()})
    if probes:
        result.update(latent_quality(setup, limit=5000))
    if samples:
        started = time.perf_counter()
        clf = classifier_for(setup.dataset, setup.device, cache_dir())
        result.update(sample_quality(setup, clf, seed=seed))
        result["classifier_test_accuracy"] = clf.test_accuracy
        timings["samples"] = time.perf_counter() - started
    if timings:
        result["seconds"] = {k: round(v, 2) for k, v in timings.items()}
    return result
