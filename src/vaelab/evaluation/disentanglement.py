"""Disentanglement metrics on a sample of (codes, factors): MIG, SAP and DCI.

Each metric follows disentanglement_lib's protocol (Locatello et al. 2019, "Challenging Common Assumptions
in the Unsupervised Learning of Disentangled Representations") with its sizes as keyword defaults, and
comes twice: `mig(data, representation_fn, rng, ...)` samples the factor dataset and encodes it;
`mig_from_codes(codes, factors, ...)` is the pure function of arrays. All return a dict of floats.
The scores that intervene on one factor at a time (beta-VAE and FactorVAE scores) are in
`vaelab.evaluation.fixed_factor_scores`; `DISENTANGLEMENT_METRICS` lists all five.
"""

from __future__ import annotations

import multiprocessing
import warnings
from collections.abc import Callable

import numpy as np
import torch
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

from vaelab.config import check_choice
from vaelab.data.factors import FactorDataset
from vaelab.errors import ConfigError, DataError
from vaelab.evaluation.factor_codes import (
    RepresentationFn,
    check_codes,
    check_train_test,
    discrete_entropy,
    histogram_discretize,
    mutual_info_matrix,
    sample_factor_codes,
    sample_train_test,
    seed_from,
)
from vaelab.evaluation.fixed_factor_scores import beta_vae_score, factor_vae_score
from vaelab.objectives.densities import LOG_2PI


def _names(factor_names: tuple[str, ...] | None, num_factors: int) -> tuple[str, ...]:
    return tuple(factor_names) if factor_names is not None else tuple(str(k) for k in range(num_factors))


# --- MIG: Chen et al. 2018, "Isolating Sources of Disentanglement in VAEs" -----------------------------


def mig(
    data: FactorDataset,
    representation_fn: RepresentationFn,
    rng: np.random.Generator,
    *,
    num_train: int = 10_000,
    num_bins: int = 20,
    encode_batch: int = 1024,
) -> dict[str, float]:
    """Mutual Information Gap on `num_train` samples, codes cut into `num_bins` equal-width bins."""
    codes, factors = sample_factor_codes(data, representation_fn, num_train, rng, encode_batch)
    return mig_from_codes(codes, factors, num_bins=num_bins, factor_names=data.factor_names)


def mig_from_codes(
    codes: np.ndarray, factors: np.ndarray, *, num_bins: int = 20, factor_names: tuple[str, ...] | None = None
) -> dict[str, float]:
    """MIG = 1/K sum_k (I(z_top1; v_k) - I(z_top2; v_k)) / H(v_k), z discretised into histogram bins.

    Returns "mig" and the gap of each factor, "mig/<factor name>".
    """
    codes, factors = check_codes(codes, factors, min_latents=2)
    m = mutual_info_matrix(histogram_discretize(codes, num_bins), factors)  # (d, F)
    entropy = np.array([discrete_entropy(factors[:, k]) for k in range(factors.shape[1])])  # (F,)
    if (entropy == 0).any():
        k = int(np.argmin(entropy))
        raise DataError(
            f"factor {_names(factor_names, len(entropy))[k]} takes one value in the sample; "
            "MIG is undefined for it (leave single-valued factors out)"
        )
    top = np.sort(m, axis=0)[::-1]  # (d, F), largest first
    gaps = (top[0] - top[1]) / entropy
    names = _names(factor_names, len(gaps))
    per_factor = {f"mig/{name}": float(g) for name, g in zip(names, gaps, strict=True)}
    return {"mig": float(gaps.mean()), **per_factor}


def mig_continuous_from_posteriors(
    mu: np.ndarray,
    logvar: np.ndarray,
    factors: np.ndarray,
    factor_sizes: tuple[int, ...],
    rng: np.random.Generator,
    *,
    chunk: int = 64,
    factor_names: tuple[str, ...] | None = None,
) -> dict[str, float]:
    """MIG as Chen et al. (2018) estimate it: I(z_j; v_k) from the encoder's Gaussians q(z_j|x), not from
    binned means, normalised by H(v_k) = log(number of values of v_k) (factors drawn uniformly).

        I(z_j; v_k) = H(z_j) - sum_a p(v_k = a) H(z_j | v_k = a),
        H(z_j | S)  = -E_{x in S, z ~ q(z|x)} log (1/|S|) sum_{x' in S} q(z_j | x')

    on the n sampled points (one z per point, drawn with `rng`); disentanglement_lib's MIG bins the
    means instead, so the two differ (disentanglement_lib #33). Returns "mig" and "mig/<factor name>"."""
    mu, factors = check_codes(mu, factors, min_latents=2)
    logvar = np.asarray(logvar, dtype=np.float64)
    if logvar.shape != mu.shape:
        raise ConfigError(f"logvar must have the shape of mu {mu.shape} (got {logvar.shape})")
    z = mu + np.exp(0.5 * logvar) * rng.standard_normal(mu.shape)
    h_marginal = _conditional_entropies(z, mu, logvar, np.arange(len(z)), chunk)  # (d,)
    gaps = []
    for k, size in enumerate(factor_sizes):
        if size < 2:
            raise DataError(f"factor {_names(factor_names, len(factor_sizes))[k]} takes one value; MIG is undefined")
        h_cond = np.zeros(mu.shape[1])
        for a in np.unique(factors[:, k]):
            members = np.flatnonzero(factors[:, k] == a)
            h_cond += len(members) / len(z) * _conditional_entropies(z, mu, logvar, members, chunk)
        info = np.sort(np.maximum(h_marginal - h_cond, 0.0))[::-1]  # (d,), largest first
        gaps.append((info[0] - info[1]) / np.log(size))
    names = _names(factor_names, len(gaps))
    return {"mig": float(np.mean(gaps)), **{f"mig/{n}": float(g) for n, g in zip(names, gaps, strict=True)}}


def _conditional_entropies(z, mu, logvar, members: np.ndarray, chunk: int) -> np.ndarray:
    """-E_{i in S} log (1/|S|) sum_{j in S} N(z_i; mu_j, exp(logvar_j)) per dimension: (d,).

    In torch, float64, dimension-major so the sum over components runs along contiguous memory (about 8x
    faster than scipy's logsumexp over the middle axis). The log-sum-exps are taken one row of z at a time, a
    (d, 1, S) block of 0.8 MB at S = 10,000 (3.3 s on 10,000 points here, against 12.3 s for blocks of 64 rows,
    51 MB allocated afresh each time), and summed `chunk` rows at a time, so the result is the same."""
    zs, ms, ls = (torch.from_numpy(np.ascontiguousarray(a[members].T, dtype=np.float64)) for a in (z, mu, logvar))
    inv_var, const = torch.exp(-ls), LOG_2PI + ls  # (d, S)
    total = torch.zeros(zs.shape[0], dtype=torch.float64)
    for start in range(0, zs.shape[1], chunk):
        rows = range(start, min(start + chunk, zs.shape[1]))
        total -= torch.cat([_log_mixture(zs[:, r : r + 1], ms, inv_var, const) for r in rows], 1).sum(1)
    return (total / zs.shape[1]).numpy() + np.log(zs.shape[1])


def _log_mixture(zs, ms, inv_var, const) -> torch.Tensor:
    """log sum_j N(z_i; mu_j, var_j) for each row i of zs (d, c) against every component j of ms (d, S): (d, c)."""
    diff = zs[:, :, None] - ms[:, None, :]  # (d, c, S)
    log_q = diff.square_().mul_(inv_var[:, None]).add_(const[:, None]).mul_(-0.5)
    return torch.logsumexp(log_q, dim=2)


# --- SAP: Kumar et al. 2018, "Variational Inference of Disentangled Latent Concepts ..." ---------------

SAP_SVM_C = 0.01  # the reference's LinearSVC(C=0.01, class_weight="balanced") per latent and factor


def sap(
    data: FactorDataset,
    representation_fn: RepresentationFn,
    rng: np.random.Generator,
    *,
    num_train: int = 10_000,
    num_test: int = 5_000,
    encode_batch: int = 1024,
) -> dict[str, float]:
    """Separated Attribute Predictability, discrete-factor version (classification accuracy)."""
    return sap_from_codes(*sample_train_test(data, representation_fn, rng, num_train, num_test, encode_batch))


def sap_from_codes(
    codes_train: np.ndarray, factors_train: np.ndarray, codes_test: np.ndarray, factors_test: np.ndarray
) -> dict[str, float]:
    """SAP = 1/K sum_k (S_top1,k - S_top2,k), S_ik the test accuracy of a linear SVM predicting factor k
    from latent i alone."""
    codes_train, factors_train, codes_test, factors_test = check_train_test(
        codes_train, factors_train, codes_test, factors_test
    )
    d, num_factors = codes_train.shape[1], factors_train.shape[1]
    for k in range(num_factors):
        if len(np.unique(factors_train[:, k])) < 2:
            raise DataError(f"factor {k} takes one value in the training sample; SAP cannot classify it")
    score = np.zeros((d, num_factors))  # (d, F): accuracy of latent i alone on factor k
    for i in range(d):
        for k in range(num_factors):
            svm = LinearSVC(C=SAP_SVM_C, class_weight="balanced")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                svm.fit(codes_train[:, i : i + 1], factors_train[:, k])
            score[i, k] = np.mean(svm.predict(codes_test[:, i : i + 1]) == factors_test[:, k])
    top = np.sort(score, axis=0)[::-1]
    return {"sap": float(np.mean(top[0] - top[1]))}


# --- DCI: Eastwood & Williams 2018, "A Framework for the Quantitative Evaluation of Disentangled ..." ---


def _gbt(seed: int) -> GradientBoostingClassifier:
    # the reference: scikit-learn's defaults (100 trees of depth 3); slow on 10,000 points x 40 classes
    return GradientBoostingClassifier(random_state=seed)


def _random_forest(seed: int) -> RandomForestClassifier:
    # a faster stand-in: every split weighs all latents (so a useless latent is rarely chosen) and the
    # depth limit stops the trees from fitting noise with the leftover latents, which deep trees do
    return RandomForestClassifier(n_estimators=20, max_depth=8, max_features=None, n_jobs=_jobs(), random_state=seed)


def _jobs() -> int:
    """The forest's threads: 2, or 1 in a pool's worker (a daemon: joblib cannot start workers there and says
    so once per forest; the pool already gives each worker its own core). The trees are the same either way."""
    return 1 if multiprocessing.current_process().daemon else 2


IMPORTANCE_ESTIMATORS: dict[str, Callable[[int], object]] = {"gbt": _gbt, "random_forest": _random_forest}


def dci(
    data: FactorDataset,
    representation_fn: RepresentationFn,
    rng: np.random.Generator,
    *,
    num_train: int = 10_000,
    num_test: int = 5_000,
    importance: str = "gbt",
    encode_batch: int = 1024,
) -> dict[str, float]:
    """Disentanglement, completeness and informativeness.

    `importance` picks the classifiers whose feature importances fill the matrix R (d, F):
    "gbt" is the reference (gradient boosted trees, scikit-learn defaults; minutes at the default sizes),
    "random_forest" is ~50x faster (20 trees of depth <= 8, all latents weighed at each split); its
    scores are close to, not equal to, the reference's (on two synthetic 10-latent codes at the default
    sizes, D 0.68 and 0.77 against 0.71 and 0.72, C 0.62 and 0.80 against 0.66 and 0.75). Compare DCI
    values only between runs that used the same estimator.
    """
    sample = sample_train_test(data, representation_fn, rng, num_train, num_test, encode_batch)
    return dci_from_codes(*sample, importance=importance, seed=seed_from(rng))


def dci_from_codes(
    codes_train: np.ndarray,
    factors_train: np.ndarray,
    codes_test: np.ndarray,
    factors_test: np.ndarray,
    *,
    importance: str = "gbt",
    seed: int = 0,
) -> dict[str, float]:
    """DCI from arrays: one classifier per factor gives a column of R and the train/test accuracy
    (the reference reports accuracy as "informativeness")."""
    check_choice("dci importance", importance, IMPORTANCE_ESTIMATORS)
    codes_train, factors_train, codes_test, factors_test = check_train_test(
        codes_train, factors_train, codes_test, factors_test
    )
    num_factors = factors_train.shape[1]
    if num_factors < 2:
        raise DataError("DCI needs at least 2 factors")
    r = np.zeros((codes_train.shape[1], num_factors))
    train_acc, test_acc = [], []
    for k in range(num_factors):
        model = IMPORTANCE_ESTIMATORS[importance](seed)
        model.fit(codes_train, factors_train[:, k])
        r[:, k] = np.abs(model.feature_importances_)
        train_acc.append(np.mean(model.predict(codes_train) == factors_train[:, k]))
        test_acc.append(np.mean(model.predict(codes_test) == factors_test[:, k]))
    return {
        "disentanglement": dci_disentanglement(r),
        "completeness": dci_completeness(r),
        "informativeness_train": float(np.mean(train_acc)),
        "informativeness_test": float(np.mean(test_acc)),
        "informativeness_test_per_factor": [float(a) for a in test_acc],
    }


def _one_minus_entropy(p: np.ndarray, axis: int) -> np.ndarray:
    """1 - H_K(p / sum p) along `axis`, entropy in base K = p.shape[axis] (1: all mass on one entry)."""
    p = p + 1e-11  # as the reference: an all-zero row counts as uniform
    p = p / p.sum(axis=axis, keepdims=True)
    return np.clip(1.0 + np.sum(p * np.log(p), axis=axis) / np.log(p.shape[axis]), 0.0, 1.0)


def dci_disentanglement(r: np.ndarray) -> float:
    """D = sum_i rho_i (1 - H_F(P_i.)), P_ij = R_ij / sum_k R_ik, rho_i = sum_j R_ij / sum R."""
    per_code = _one_minus_entropy(r, axis=1)
    weights = r.sum(axis=1) / r.sum() if r.sum() > 0 else np.full(len(r), 1 / len(r))
    return float(np.sum(per_code * weights))


def dci_completeness(r: np.ndarray) -> float:
    """C = sum_j rho_j (1 - H_d(P_.j)), P_ij = R_ij / sum_i R_ij, rho_j = sum_i R_ij / sum R."""
    per_factor = _one_minus_entropy(r, axis=0)
    weights = r.sum(axis=0) / r.sum() if r.sum() > 0 else np.full(r.shape[1], 1 / r.shape[1])
    return float(np.sum(per_factor * weights))


DISENTANGLEMENT_METRICS = {
    "mig": mig,
    "factor_vae": factor_vae_score,
    "beta_vae": beta_vae_score,
    "dci": dci,
    "sap": sap,
}
