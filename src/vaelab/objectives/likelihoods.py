"""log p(x|z) for the decoder likelihoods, summed over pixels: (B, C, H, W) -> (B,)."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)


def bernoulli_log_likelihood(x: torch.Tensor, out: dict[str, torch.Tensor]) -> torch.Tensor:
    """log Bern(x; sigmoid(logits)) = x log p + (1 - x) log(1 - p), computed stably from logits.

    For x in [0, 1] (not binarized) this is the usual unnormalised "continuous" use of the Bernoulli.
    """
    bce = F.binary_cross_entropy_with_logits(out["x_hat"], x, reduction="none")
    return -bce.flatten(1).sum(-1)


def gaussian_log_likelihood(x: torch.Tensor, out: dict[str, torch.Tensor]) -> torch.Tensor:
    """log N(x; mean, sigma^2) = -1/2 ((x - mean) / sigma)^2 - log sigma - 1/2 log(2 pi), per pixel."""
    log_scale = out["log_scale"]
    z = (x - out["x_hat"]) * torch.exp(-log_scale)
    per_pixel = -0.5 * z.pow(2) - log_scale - 0.5 * LOG_2PI
    return per_pixel.flatten(1).sum(-1)


LOG_LIKELIHOODS = {"bernoulli": bernoulli_log_likelihood, "gaussian": gaussian_log_likelihood}
