"""Measurements of trained models that several experiments share, built on `vaelab.evaluation`.

Each returns a dict of floats (or one float) for one model; experiments aggregate them over seeds.
"""

from __future__ import annotations

import numpy as np
import torch

from vaelab.evaluation import latent as latent_metrics
from vaelab.evaluation import representation, samples
from vaelab.evaluation.likelihood import iwae_log_likelihood
from vaelab.objectives.likelihoods import LOG_LIKELIHOODS
from vaelab.progress import bar
from vaelab.runs.build import BuiltRun
from vaelab.runs.codes import encode_split, prior_samples

PROBE_TRAIN = 10_000  # at most this many training codes fit the neighbour and linear probes


def latent_quality(built: BuiltRun, limit: int | None = None) -> dict[str, float]:
    """How the test codes are organised: neighbour and linear-probe accuracy (fit on up to twice as many
    training codes, at most PROBE_TRAIN), k-means NMI and ARI with k = number of classes, silhouette by label."""
    train_z, train_y, _ = encode_split(built, "train", limit=min(PROBE_TRAIN, 2 * limit) if limit else PROBE_TRAIN)
    test_z, test_y, _ = encode_split(built, "test", limit=limit)
    out = {
        "knn_accuracy": representation.knn_accuracy(train_z, train_y, test_z, test_y)["accuracy"],
        "linear_probe_accuracy": representation.linear_probe_accuracy(train_z, train_y, test_z, test_y)["accuracy"],
        "silhouette": representation.silhouette(test_z, test_y)["silhouette"],
    }
    out.update({f"kmeans_{k}": v for k, v in representation.cluster_scores(test_z, test_y).items()})
    return out


@torch.no_grad()
def aggregate_posterior_gap(built: BuiltRun, n: int = 5000, seed: int = 0) -> dict[str, float]:
    """Distance between the aggregate posterior q(z) = E_x q(z|x) (test set) and the prior N(0, I)."""
    mu, _, logvar = encode_split(built, "test", limit=n)
    rng = np.random.default_rng(seed)
    if logvar is None:  # a plain AE: its codes are the samples
        z = mu
    else:
        z = mu + np.exp(0.5 * logvar) * rng.standard_normal(mu.shape)
    return latent_metrics.prior_gap(z, seed=seed)


def sample_quality(built: BuiltRun, clf, n: int = 2000, seed: int = 0) -> dict[str, float]:
    """Prior samples judged by a classifier trained on the same dataset (`clf`): Frechet distance of its
    features to the test set's, its mean confidence, and sharpness (Laplacian variance) beside the real
    images'."""
    fake = prior_samples(built, n, seed).cpu()
    real = next(built.batches("test", batch_size=n).epoch(0)).cpu()
    out = {
        "frechet_distance": samples.frechet_distance(clf.features(real), clf.features(fake)),
        "sharpness_samples": float(np.mean(samples.laplacian_variance(fake))),
        "sharpness_real": float(np.mean(samples.laplacian_variance(real))),
    }
    out.update({f"classifier_{k}": v for k, v in samples.classifier_confidence(clf.predict_proba(fake)).items()})
    return out


# The NLL decodes (samples x images) codes per call. Small calls keep each (rows, 784) tensor in the
# CPU's cache: 2,000 rows (20 samples x 100 images) ran 2.5x faster than 20,000 here (bench/nll.py --rate).
# The noise is drawn in sequence, so the estimate does not depend on these sizes.
NLL_IMAGES_PER_CALL = 100
NLL_DECODER_ROWS = 2_000


@torch.no_grad()
def test_nll(built: BuiltRun, num_samples: int, images: int, seed: int = 0, progress: bool = False) -> float:
    """Mean -log p(x) in nats on the first `images` test images, by the IWAE bound with `num_samples`.

    With `progress`, a bar over the images on a terminal (K=5000 on 10,000 images takes minutes)."""
    model, likelihood = built.model, built.cfg.model.likelihood
    x_all = next(built.batches("test", batch_size=images).epoch(0))
    extra = {"log_scale": model.scale()} if model.scale is not None else {}

    def decode_log_prob(x, z):  # z (S, B, D) -> (S, B)
        s, b = z.shape[:2]
        x_s = x.repeat(s, 1, 1, 1)  # (S * B, C, H, W), matching z's rows
        out = {"x_hat": model.decode(z.reshape(s * b, -1), x_s), **extra}  # an autoregressive decoder reads x_s
        return LOG_LIKELIHOODS[likelihood](x_s, out).view(s, b)

    g = torch.Generator(device=x_all.device).manual_seed(seed)
    chunk = max(1, NLL_DECODER_ROWS // NLL_IMAGES_PER_CALL)
    total = 0.0
    with bar(quiet=not progress, total=len(x_all), unit="image", desc=f"NLL K={num_samples}") as images:
        for i in range(0, len(x_all), NLL_IMAGES_PER_CALL):
            x = x_all[i : i + NLL_IMAGES_PER_CALL]
            total += float(-iwae_log_likelihood(model.encode, decode_log_prob, x, num_samples, chunk, g).sum())
            images.update(len(x))
    return total / len(x_all)
