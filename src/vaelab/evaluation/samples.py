"""Sample quality: sharpness, Frechet distance, classifier confidence."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from vaelab.errors import ConfigError

LAPLACIAN = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def laplacian_variance(images) -> np.ndarray:
    """Per image, the variance of its Laplacian (3x3 kernel, valid convolution): a blur measure, as used
    for VAE samples in the WAE paper (Tolstikhin et al. 2018). Images (N, C, H, W) in [0, 1], all on the
    same pixel scale; channels are averaged first. Higher is sharper; a constant image scores 0."""
    x = torch.as_tensor(np.asarray(images) if not torch.is_tensor(images) else images).float()
    if x.dim() != 4:
        raise ConfigError(f"laplacian_variance expects images (N, C, H, W), got {tuple(x.shape)}")
    grey = x.mean(1, keepdim=True)
    lap = F.conv2d(grey, LAPLACIAN.view(1, 1, 3, 3).to(grey))  # (N, 1, H-2, W-2)
    return lap.flatten(1).var(dim=1, unbiased=False).numpy()


def frechet_distance(feats_a, feats_b) -> float:
    """Frechet distance between Gaussians fitted to two feature sets (Heusel et al. 2017):
    ||mu_a - mu_b||^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))."""
    a, b = np.asarray(feats_a, np.float64), np.asarray(feats_b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ConfigError(f"frechet_distance needs two (N >= 2, D) feature sets, got {a.shape} and {b.shape}")
    mu_a, mu_b = a.mean(0), b.mean(0)
    s_a, s_b = np.atleast_2d(np.cov(a, rowvar=False)), np.atleast_2d(np.cov(b, rowvar=False))
    # tr (S_a S_b)^(1/2) = sum of sqrt eigenvalues of the symmetric S_a^(1/2) S_b S_a^(1/2): stable, real.
    w, v = np.linalg.eigh(s_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    trace_root = np.sqrt(np.clip(np.linalg.eigvalsh(root_a @ s_b @ root_a), 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(s_a) + np.trace(s_b) - 2 * trace_root)


def classifier_confidence(probs) -> dict[str, float]:
    """From class probabilities (N, K): mean max-probability (confidence), mean entropy (nats), and the
    entropy of the mean prediction (diversity of the predicted classes; log K when all are used evenly)."""
    p = np.asarray(probs, np.float64)
    if p.ndim != 2 or not np.allclose(p.sum(1), 1, atol=1e-4):
        raise ConfigError("classifier_confidence expects rows of probabilities (N, K) summing to 1")
    ent = -(p * np.log(np.clip(p, 1e-12, 1))).sum(1)
    mean = p.mean(0)
    return {
        "confidence": float(p.max(1).mean()),
        "entropy": float(ent.mean()),
        "class_diversity": float(-(mean * np.log(np.clip(mean, 1e-12, 1))).sum()),
    }
