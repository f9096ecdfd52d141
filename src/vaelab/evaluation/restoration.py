"""Denoising quality (PSNR, SSIM) and the sparsity of codes."""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from vaelab.errors import ConfigError


def _pair(clean, other) -> tuple[torch.Tensor, torch.Tensor]:
    a, b = torch.as_tensor(clean).float(), torch.as_tensor(other).float()
    if a.shape != b.shape or a.dim() != 4:
        raise ConfigError(
            f"expected two image batches (N, C, H, W) of one shape, got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return a, b


def psnr(clean, restored, data_range: float = 1.0) -> np.ndarray:
    """Peak signal-to-noise ratio per image, in dB: 10 log10(R^2 / MSE). Identical images give inf."""
    a, b = _pair(clean, restored)
    mse = (a - b).pow(2).flatten(1).mean(1)
    return (10 * torch.log10(data_range**2 / mse)).numpy()


def _gaussian_1d(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    x = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(x**2) / (2 * sigma**2))
    return g / g.sum()


def ssim(
    clean, restored, data_range: float = 1.0, window: int = 11, sigma: float = 1.5, k1: float = 0.01, k2: float = 0.03
) -> np.ndarray:
    """Structural similarity per image (Wang et al. 2004): an 11x11 Gaussian window (sigma 1.5), K1 = 0.01,
    K2 = 0.03, valid positions only, averaged over positions and channels. 1 for identical images.
    Computed in float64: E[x^2] - E[x]^2 in float32 loses ~1e-7, which C2 = 9e-4 turns into 2e-4 of SSIM.
    The window is separable (g g^T), so each local mean is a blur along rows then along columns: 11 + 11
    products per pixel instead of 121 (4x faster on 2,000 MNIST images here)."""
    a, b = (t.double() for t in _pair(clean, restored))
    c = a.shape[1]
    g = _gaussian_1d(min(window, a.shape[-1], a.shape[-2]), sigma)
    along_w, along_h = g.view(1, 1, 1, -1).repeat(c, 1, 1, 1), g.view(1, 1, -1, 1).repeat(c, 1, 1, 1)

    def blur(t):
        return F.conv2d(F.conv2d(t, along_w, groups=c), along_h, groups=c)

    mu_a, mu_b = blur(a), blur(b)
    var_a = blur(a * a) - mu_a**2
    var_b = blur(b * b) - mu_b**2
    cov = blur(a * b) - mu_a * mu_b
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    s = ((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (var_a + var_b + c2))
    return s.flatten(1).mean(1).numpy()


def sparsity_scores(codes, threshold: float = 1e-3) -> dict[str, float]:
    """How sparse codes (N, D) are. A unit is active on an input when |activation| > threshold.

    active_fraction_per_input  mean over inputs of the fraction of units active
    hoyer                      Hoyer (2004) sparsity, (sqrt(D) - L1/L2) / (sqrt(D) - 1), mean over inputs:
                               1 for a one-hot code, 0 for a constant one
    lifetime_mean              mean over units of the fraction of inputs that activate it
    dead_units                 units active on no input
    """
    z = np.abs(np.asarray(codes, np.float64))
    if z.ndim != 2 or z.shape[1] < 2:
        raise ConfigError(f"sparsity_scores expects codes (N, D >= 2), got {z.shape}")
    active = z > threshold
    d = z.shape[1]
    l1, l2 = z.sum(1), np.sqrt((z**2).sum(1))
    ratio = np.divide(l1, l2, out=np.full_like(l1, np.sqrt(d)), where=l2 > 0)
    hoyer = (np.sqrt(d) - ratio) / (np.sqrt(d) - 1)
    lifetime = active.mean(0)
    return {
        "active_fraction_per_input": float(active.mean(1).mean()),
        "hoyer": float(hoyer.mean()),
        "lifetime_mean": float(lifetime.mean()),
        "dead_units": int((lifetime == 0).sum()),
    }
