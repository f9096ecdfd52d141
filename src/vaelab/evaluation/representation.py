"""How well latent codes organise the data: probes fit on training codes, clusters of test codes.

Codes are standardised with the training codes' mean and standard deviation before probing, so the
scores do not depend on the latent space's scale (a VAE's codes are near unit scale, an AE's need not be).
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score, silhouette_score
from sklearn.neighbors import KNeighborsClassifier

from vaelab.errors import ConfigError


def _check(z, y, name: str) -> tuple[np.ndarray, np.ndarray]:
    z, y = np.asarray(z, dtype=np.float64), np.asarray(y)
    if z.ndim != 2 or len(z) != len(y) or len(z) < 2:
        raise ConfigError(f"{name}: codes (N, D) and labels (N,) must match, got {z.shape} and {y.shape}")
    if not np.isfinite(z).all():
        raise ConfigError(f"{name}: codes hold NaN or infinity")
    return z, y


def _standardise(train_z: np.ndarray, test_z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    mean, std = train_z.mean(0), train_z.std(0) + 1e-8
    return (train_z - mean) / std, (test_z - mean) / std


def knn_accuracy(train_z, train_y, test_z, test_y, k: int = 5) -> dict[str, float]:
    """Accuracy of a k-nearest-neighbour classifier (Euclidean, standardised codes) on the test codes."""
    train_z, train_y = _check(train_z, train_y, "knn_accuracy train")
    test_z, test_y = _check(test_z, test_y, "knn_accuracy test")
    a, b = _standardise(train_z, test_z)
    clf = KNeighborsClassifier(n_neighbors=min(k, len(a)), n_jobs=2).fit(a, train_y)
    return {"accuracy": float((clf.predict(b) == test_y).mean())}


def linear_probe_accuracy(train_z, train_y, test_z, test_y, max_iter: int = 1000) -> dict[str, float]:
    """Accuracy of multinomial logistic regression (L2, C = 1) fit on standardised training codes."""
    train_z, train_y = _check(train_z, train_y, "linear_probe train")
    test_z, test_y = _check(test_z, test_y, "linear_probe test")
    a, b = _standardise(train_z, test_z)
    clf = LogisticRegression(max_iter=max_iter).fit(a, train_y)
    return {"accuracy": float((clf.predict(b) == test_y).mean())}


def cluster_scores(z, y, n_clusters: int | None = None, seed: int = 0) -> dict[str, float]:
    """k-means on the codes with k = number of classes (10 restarts); agreement with the labels as
    normalised mutual information and adjusted Rand index (1: the clusters are the classes, ~0: chance)."""
    z, y = _check(z, y, "cluster_scores")
    k = n_clusters or len(np.unique(y))
    pred = KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(z)
    return {"nmi": float(normalized_mutual_info_score(y, pred)), "ari": float(adjusted_rand_score(y, pred))}


def silhouette(z, y, sample_size: int = 5000, seed: int = 0) -> dict[str, float]:
    """Mean silhouette of the codes grouped by label (Rousseeuw 1987), on up to `sample_size` codes:
    near 1 for tight, separate classes; near 0 or below for mixed ones."""
    z, y = _check(z, y, "silhouette")
    if len(np.unique(y)) < 2:
        raise ConfigError("silhouette needs at least two labels")
    size = min(sample_size, len(z))
    return {"silhouette": float(silhouette_score(z, y, sample_size=size, random_state=seed))}
