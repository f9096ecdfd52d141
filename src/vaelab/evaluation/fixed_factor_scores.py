"""Disentanglement scores that fix one factor across a batch: the beta-VAE and FactorVAE scores.

Both follow disentanglement_lib's protocol (sizes from Locatello et al. 2019, as keyword defaults). One
"point" is a batch of `batch_size` factor draws sharing the value of one randomly chosen factor k; the
classifier must recover k from the codes. Points are sampled many at a time, so each call of the
representation function sees about `encode_batch` observations (the protocol is unchanged; only the
order of the random draws differs from the reference).
"""

from __future__ import annotations

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from vaelab.config import check_range
from vaelab.data.factors import FactorDataset
from vaelab.evaluation.factor_codes import (
    RepresentationFn,
    check_sizes,
    encode,
    sample_factor_codes,
    seed_from,
)

LOGISTIC_MAX_ITER = 1000  # lbfgs iterations for the beta-VAE score's classifier


def _batches_fixing_one_factor(
    data: FactorDataset, rng: np.random.Generator, num_points: int, batch_size: int
) -> tuple[np.ndarray, np.ndarray]:
    """Factors (P, B, F) of P batches of B draws, in each one factor (k_p, returned (P,)) held fixed."""
    fixed = rng.integers(data.num_factors, size=num_points)  # (P,)
    factors = data.sample_factors(num_points * batch_size, rng).reshape(num_points, batch_size, -1)
    rows = np.arange(num_points)
    factors[rows, :, fixed] = factors[rows, 0, fixed][:, None]  # (P, B, F): column k_p constant in batch p
    return factors, fixed


def _encode_batches(
    data: FactorDataset,
    representation_fn: RepresentationFn,
    factors: np.ndarray,
    rng: np.random.Generator,
    encode_batch: int,
) -> np.ndarray:
    """Factors (P, B, F) -> codes (P, B, d)."""
    p, b, f = factors.shape
    observations: torch.Tensor = data.sample_observations_from_factors(factors.reshape(p * b, f), rng)
    return encode(representation_fn, observations, encode_batch).reshape(p, b, -1)


def _points_per_call(encode_batch: int, images_per_point: int) -> int:
    return max(1, encode_batch // images_per_point)


# --- beta-VAE score: Higgins et al. 2017, "beta-VAE: Learning Basic Visual Concepts ..." ----------------


def beta_vae_score(
    data: FactorDataset,
    representation_fn: RepresentationFn,
    rng: np.random.Generator,
    *,
    batch_size: int = 64,
    num_train: int = 10_000,
    num_eval: int = 5_000,
    encode_batch: int = 1024,
) -> dict[str, float]:
    """Accuracy of a logistic regression predicting the fixed factor k from mean_b |z1_b - z2_b|,
    (z1_b, z2_b) the codes of `batch_size` pairs of draws that share factor k.

    The classifier is scikit-learn's LogisticRegression (lbfgs, multinomial, C = 1) on standardised
    features, so that it converges whatever the scale of the codes; the reference fit the then-default
    LogisticRegression (liblinear, one-vs-rest) on the raw features. Returns "train_accuracy" and
    "eval_accuracy".
    """
    check_sizes(batch_size=batch_size, num_train=num_train, num_eval=num_eval)
    x_train, y_train = _beta_vae_points(data, representation_fn, rng, batch_size, num_train, encode_batch)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=LOGISTIC_MAX_ITER, random_state=seed_from(rng)))
    model.fit(x_train, y_train)
    x_eval, y_eval = _beta_vae_points(data, representation_fn, rng, batch_size, num_eval, encode_batch)
    return {
        "train_accuracy": float(np.mean(model.predict(x_train) == y_train)),
        "eval_accuracy": float(np.mean(model.predict(x_eval) == y_eval)),
    }


def _beta_vae_points(data, representation_fn, rng, batch_size, num_points, encode_batch):
    """Features (P, d) = mean over the batch of |z1 - z2|, and labels (P,) = the shared factor."""
    features, labels = [], []
    chunk = _points_per_call(encode_batch, 2 * batch_size)
    for start in range(0, num_points, chunk):
        p = min(chunk, num_points - start)
        fixed = rng.integers(data.num_factors, size=p)  # (P,)
        first = data.sample_factors(p * batch_size, rng).reshape(p, batch_size, -1)
        second = data.sample_factors(p * batch_size, rng).reshape(p, batch_size, -1)
        rows = np.arange(p)
        second[rows, :, fixed] = first[rows, :, fixed]  # each pair shares factor k_p
        z = _encode_batches(data, representation_fn, np.concatenate([first, second]), rng, encode_batch)
        features.append(np.abs(z[:p] - z[p:]).mean(axis=1))  # (P, B, d) -> (P, d)
        labels.append(fixed)
    return np.concatenate(features), np.concatenate(labels)


# --- FactorVAE score: Kim & Mnih 2018, "Disentangling by Factorising" ---------------------------------


def factor_vae_score(
    data: FactorDataset,
    representation_fn: RepresentationFn,
    rng: np.random.Generator,
    *,
    batch_size: int = 64,
    num_train: int = 10_000,
    num_eval: int = 5_000,
    num_variance_estimate: int = 10_000,
    prune_threshold: float = 0.05,
    encode_batch: int = 1024,
) -> dict[str, float]:
    """Accuracy of the majority-vote classifier latent -> factor.

    Latents whose std over `num_variance_estimate` draws is below `prune_threshold` are pruned (collapsed
    to the prior), and so is any latent that does not vary at all (with `prune_threshold=0` it would
    otherwise divide 0 by 0 and take every vote). Each vote: in a batch with factor k fixed, the active
    latent of least variance relative to its global variance, argmin_i Var_batch(z_i) / Var(z_i), votes
    for k. The classifier maps
    each latent to the factor it received most training votes for. Returns "train_accuracy",
    "eval_accuracy" and "num_active_dims" (the reference returns the number of all dims there).
    """
    check_sizes(
        batch_size=batch_size, num_train=num_train, num_eval=num_eval, num_variance_estimate=num_variance_estimate
    )
    check_range("batch_size (a variance needs two points)", batch_size, 2)
    check_range("prune_threshold", prune_threshold, 0.0)
    codes, _ = sample_factor_codes(data, representation_fn, num_variance_estimate, rng, encode_batch)
    global_var = np.var(codes, axis=0, ddof=1)  # (d,)
    active = np.flatnonzero((np.sqrt(global_var) >= prune_threshold) & (global_var > 0))
    if len(active) == 0:
        return {"train_accuracy": 0.0, "eval_accuracy": 0.0, "num_active_dims": 0.0}
    train_votes = _factor_vae_votes(
        data, representation_fn, rng, batch_size, num_train, encode_batch, global_var, active
    )
    classifier = np.argmax(train_votes, axis=0)  # (d,): latent -> factor
    eval_votes = _factor_vae_votes(data, representation_fn, rng, batch_size, num_eval, encode_batch, global_var, active)
    dims = np.arange(len(global_var))
    return {
        "train_accuracy": float(train_votes[classifier, dims].sum() / train_votes.sum()),
        "eval_accuracy": float(eval_votes[classifier, dims].sum() / eval_votes.sum()),
        "num_active_dims": float(len(active)),
    }


def _factor_vae_votes(data, representation_fn, rng, batch_size, num_points, encode_batch, global_var, active):
    """Votes (F, d): votes[k, i] counts the batches with factor k fixed whose argmin latent was i."""
    votes = np.zeros((data.num_factors, len(global_var)), dtype=np.int64)
    chunk = _points_per_call(encode_batch, batch_size)
    for start in range(0, num_points, chunk):
        factors, fixed = _batches_fixing_one_factor(data, rng, min(chunk, num_points - start), batch_size)
        z = _encode_batches(data, representation_fn, factors, rng, encode_batch)  # (P, B, d)
        local_var = np.var(z[:, :, active], axis=1, ddof=1)  # (P, active)
        argmin = active[np.argmin(local_var / global_var[active], axis=1)]  # (P,)
        np.add.at(votes, (fixed, argmin), 1)
    return votes
