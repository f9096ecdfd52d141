"""How a VAE uses its latent space: active units, KL per dimension, I(x; z), and the prior's holes."""

from __future__ import annotations

import math

import numpy as np

from vaelab.errors import ConfigError
from vaelab.objectives.densities import LOG_2PI, log_normal


def _codes(a, name: str = "codes") -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] < 2:
        raise ConfigError(f"{name} must have shape (N >= 2, D); got {a.shape}")
    if not np.isfinite(a).all():
        raise ConfigError(f"{name} hold NaN or infinity")
    return a


def active_units(mu, threshold: float = 0.01) -> dict:
    """Burda et al. (2016): unit d is active when Cov_x(E_q[z_d | x]) > threshold (0.01).

    mu: posterior means (N, D). Returns the count, the fraction and the per-unit variances."""
    mu = _codes(mu, "mu")
    var = mu.var(axis=0)
    return {
        "active_units": int((var > threshold).sum()),
        "active_fraction": float((var > threshold).mean()),
        "variance": var.tolist(),
    }


def kl_per_dimension(mu, logvar) -> np.ndarray:
    """E_x KL(q(z_d|x) || N(0, 1)) for each dimension d: (D,). A collapsed unit has KL ~ 0."""
    mu, logvar = _codes(mu, "mu"), _codes(logvar, "logvar")
    return (-0.5 * (1 + logvar - mu**2 - np.exp(logvar))).mean(axis=0)


def mutual_information(mu, logvar, seed: int = 0) -> float:
    """I(x; z) under the encoder's joint q(x, z) = p_data(x) q(z|x), the estimator of Hoffman & Johnson
    (2016) as used by He et al. (2019): E_x[ E_q(z|x) log q(z|x) ] - E_z log q(z), with q(z) the mixture of
    the N posteriors evaluated by logsumexp. One z per x; O(N^2 D) memory in blocks. Upper bound log N."""
    mu, logvar = _codes(mu, "mu"), _codes(logvar, "logvar")
    n, d = mu.shape
    rng = np.random.default_rng(seed)
    z = mu + np.exp(0.5 * logvar) * rng.standard_normal(mu.shape)
    log_qz_x = log_normal(z, mu, logvar).sum(1)
    log_qz = np.empty(n)
    inv_var = np.exp(-logvar)
    const = -0.5 * (d * LOG_2PI + logvar.sum(1))  # (N,) per component
    for start in range(0, n, 256):
        zb = z[start : start + 256, None, :]  # (b, 1, D) against all N components
        log_comp = const[None] - 0.5 * (((zb - mu[None]) ** 2) * inv_var[None]).sum(-1)  # (b, N)
        m = log_comp.max(1, keepdims=True)
        log_qz[start : start + 256] = (m[:, 0] + np.log(np.exp(log_comp - m).sum(1))) - math.log(n)
    return float(np.mean(log_qz_x - log_qz))


MI_SATURATION = 0.95  # an estimate above this share of its ceiling log N is flagged: N caps it, not the model


def mutual_information_report(mu, logvar, seed: int = 0) -> dict:
    """I(x; z) by `mutual_information` with its ceiling log N beside it, and whether the estimate is at that
    ceiling (above MI_SATURATION * log N): then the true I(x; z) may be larger, and more points would show it."""
    n = len(_codes(mu, "mu"))
    mi, ceiling = mutual_information(mu, logvar, seed), math.log(n)
    return {
        "mutual_information": mi,
        "mutual_information_max": ceiling,
        "mutual_information_saturated": mi > MI_SATURATION * ceiling,
    }


def mmd_rbf(a, b, bandwidths=(0.5, 1.0, 2.0, 4.0), max_points: int = 2000, seed: int = 0) -> float:
    """Maximum mean discrepancy (unbiased, Gretton et al. 2012) with a sum of RBF kernels
    k(x, y) = sum_s exp(-||x - y||^2 / (2 s^2 D)): bandwidths are scaled by the dimension D so one set
    works at every latent size. 0 when the two samples come from one distribution."""
    a, b = _codes(a, "a"), _codes(b, "b")
    rng = np.random.default_rng(seed)
    a = a[rng.permutation(len(a))[:max_points]]
    b = b[rng.permutation(len(b))[:max_points]]
    d = a.shape[1]

    def k(x, y):
        sq = (x**2).sum(1)[:, None] + (y**2).sum(1)[None] - 2 * x @ y.T
        return sum(np.exp(-np.maximum(sq, 0) / (2 * s * s * d)) for s in bandwidths)

    kaa, kbb, kab = k(a, a), k(b, b), k(a, b)
    n, m = len(a), len(b)
    return float(
        (kaa.sum() - np.trace(kaa)) / (n * (n - 1)) + (kbb.sum() - np.trace(kbb)) / (m * (m - 1)) - 2 * kab.mean()
    )


def gaussian_fit_kl(z) -> float:
    """KL(N(mean, cov) || N(0, I)) of a Gaussian fitted to the samples z (N, D): 0 for a perfect match."""
    z = _codes(z, "z")
    mean, cov = z.mean(0), np.cov(z, rowvar=False).reshape(z.shape[1], z.shape[1])
    sign, logdet = np.linalg.slogdet(cov)
    if sign <= 0:
        return float("inf")
    return float(0.5 * (np.trace(cov) + mean @ mean - z.shape[1] - logdet))


def prior_gap(z, seed: int = 0) -> dict[str, float]:
    """How far samples z (N, D) of the aggregate posterior q(z) lie from the prior N(0, I): MMD against as
    many prior samples, the KL of a Gaussian fit, and the moment gaps ||mean|| and ||cov - I||_F / D."""
    z = _codes(z, "z")
    prior = np.random.default_rng(seed + 1).standard_normal(z.shape)
    cov = np.cov(z, rowvar=False).reshape(z.shape[1], z.shape[1])
    return {
        "mmd": mmd_rbf(z, prior, seed=seed),
        "gaussian_fit_kl": gaussian_fit_kl(z),
        "mean_norm": float(np.linalg.norm(z.mean(0))),
        "cov_gap": float(np.linalg.norm(cov - np.eye(z.shape[1])) / z.shape[1]),
    }
