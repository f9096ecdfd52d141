"""log p(x|z) for the decoder likelihoods, summed over pixels: (B, C, H, W) -> (B,)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from vaelab.objectives.densities import log_normal


def bernoulli_log_likelihood(x: torch.Tensor, out: dict[str, torch.Tensor]) -> torch.Tensor:
    """log Bern(x; sigmoid(logits)) = x log p + (1 - x) log(1 - p), computed stably from logits.

    For x in [0, 1] (not binarized) this is the usual unnormalised "continuous" use of the Bernoulli.
    """
    bce = F.binary_cross_entropy_with_logits(out["x_hat"], x, reduction="none")
    return -bce.flatten(1).sum(-1)


def gaussian_log_likelihood(x: torch.Tensor, out: dict[str, torch.Tensor]) -> torch.Tensor:
    """log N(x; mean, sigma^2) = -1/2 ((x - mean) / sigma)^2 - log sigma - 1/2 log(2 pi), per pixel."""
    log_scale = out["log_scale"]
    return log_normal(x, out["x_hat"], 2 * log_scale).flatten(1).sum(-1)


LOG_LIKELIHOODS = {"bernoulli": bernoulli_log_likelihood, "gaussian": gaussian_log_likelihood}
