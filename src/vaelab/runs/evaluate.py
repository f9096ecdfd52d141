"""Evaluating a trained run: the objective's terms on a split, and `vaelab evaluate RUN`'s fuller report."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from vaelab.data.files import cache_dir
from vaelab.errors import ConfigError, DataError
from vaelab.evaluation import latent as latent_metrics
from vaelab.evaluation.feature_classifier import classifier_for
from vaelab.runs.build import BuiltRun
from vaelab.runs.codes import encode_split
from vaelab.runs.factor_report import DEFAULT_PROTOCOL, check_request, disentanglement_report
from vaelab.runs.load import load_run
from vaelab.runs.measures import aggregate_posterior_gap, latent_quality, sample_quality, test_nll
from vaelab.training.validate import EVAL_SEED, mean_terms

MI_POINTS = 2000  # I(x; z) on the first 2,000 test codes: O(N^2) memory and time; the estimate is capped at log N


def evaluate_terms(built: BuiltRun, split: str = "test", seed: int = EVAL_SEED) -> dict:
    """The objective's terms averaged over a split, in nats per image (for a VAE the headline is the negative
    ELBO): what experiments and benchmarks measure a model with, and the core of `evaluation_report`."""
    batches = built.batches(split)
    terms = mean_terms(built.model, built.objective, batches, t=float(built.cfg.train.epochs), seed=seed)
    result = {
        "split": split,
        "examples": batches.num_examples,
        "dataset": built.cfg.data.dataset,
        "input_mode": built.cfg.data.input_mode,
    }
    if "elbo" in terms:
        result["negative_elbo"] = -terms["elbo"]
    result.update(terms)
    return result


def evaluate_run(run_dir: str | Path, data_dir: str | None = None, device: str | None = None, **options) -> dict:
    """`vaelab evaluate RUN`: evaluation_report (the `options`) on the run in `run_dir`, on `device`."""
    return evaluation_report(load_run(run_dir, data_dir, device=device), **options)


def evaluation_report(
    built: BuiltRun,
    split: str = "test",
    seed: int = EVAL_SEED,
    nll_samples: int = 0,
    nll_images: int | None = None,
    latent: bool = False,
    probes: bool = False,
    samples: bool = False,
    disentanglement: bool = False,
    disentanglement_protocol: str | None = None,
) -> dict:
    """`vaelab evaluate RUN`'s report on a loaded run (`vaelab.Run.evaluate` too): always `evaluate_terms`
    (for a VAE the negative ELBO) in nats per image. With options: the IWAE estimate of -log p(x) with
    `nll_samples` samples, latent-space use (active units, KL per dimension, I(x; z), aggregate posterior
    vs prior), probes and clusters, prior-sample quality, and on factor data the disentanglement metrics
    at `disentanglement_protocol`'s sizes (default "full", disentanglement_lib's; see runs.factor_report)."""
    _check_options(built, probes or samples, disentanglement, disentanglement_protocol)
    result = {"run": str(built.run_dir), **evaluate_terms(built, split, seed)}
    timings = {}
    if nll_samples and built.cfg.model.kind == "vae":
        started = time.perf_counter()
        n = nll_images or len(built.splits.test.images)
        result["nll"] = test_nll(built, nll_samples, n, seed, progress=True)
        result["nll_samples"], result["nll_images"] = nll_samples, n
        timings["nll"] = time.perf_counter() - started
    if latent:
        result.update(_latent_use(built, split, seed))
    if probes:
        result.update(latent_quality(built, limit=5000))
    if samples:
        started = time.perf_counter()
        clf = classifier_for(built.dataset, built.device, cache_dir())
        result.update(sample_quality(built, clf, seed=seed))
        result["classifier_test_accuracy"] = clf.test_accuracy
        timings["samples"] = time.perf_counter() - started
    if disentanglement:
        started = time.perf_counter()
        result.update(disentanglement_report(built, disentanglement_protocol or DEFAULT_PROTOCOL, seed))
        timings["disentanglement"] = time.perf_counter() - started
    if timings:
        result["seconds"] = {k: round(v, 2) for k, v in timings.items()}
    return result


def _check_options(built: BuiltRun, labels: bool, disentanglement: bool, protocol: str | None) -> None:
    """Refuse, before anything is computed, what the run's data cannot give."""
    if labels and not built.dataset.labelled:
        raise DataError(
            f"probes and sample quality need labelled data, and {built.dataset.source} has no labels: put the "
            "images in class subfolders, or save labels y beside x"
        )
    if protocol is not None and not disentanglement:
        raise ConfigError("`disentanglement_protocol` sets the sizes of the `disentanglement` metrics; ask for both")
    if disentanglement:
        check_request(built, protocol or DEFAULT_PROTOCOL)


def _latent_use(built: BuiltRun, split: str, seed: int) -> dict:
    """Active units, KL per dimension and I(x; z) (a VAE's), and the aggregate posterior's gap to the prior."""
    mu, _, logvar = encode_split(built, split)
    out = {"active_units": latent_metrics.active_units(mu)["active_units"]}
    if logvar is not None:
        out["kl_per_dimension"] = np.round(latent_metrics.kl_per_dimension(mu, logvar), 4).tolist()
        out.update(latent_metrics.mutual_information_report(mu[:MI_POINTS], logvar[:MI_POINTS], seed))
    out.update({f"prior_{k}": v for k, v in aggregate_posterior_gap(built, seed=seed).items()})
    return out
