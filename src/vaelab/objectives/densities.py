"""The Gaussian log-density, written once: every objective and estimator that needs log N(z; mu, sigma^2).

log N(z; mu, exp(logvar)) = -1/2 (log 2 pi + logvar + (z - mu)^2 / exp(logvar))     per dimension
"""

from __future__ import annotations

import math

import numpy as np
import torch

LOG_2PI = math.log(2 * math.pi)


def log_normal(z, mu, logvar):
    """Elementwise log N(z; mu, exp(logvar)) of torch tensors (objectives) or numpy arrays (the evaluation's
    estimators): broadcasts, no sum."""
    exp = torch.exp if isinstance(logvar, torch.Tensor) else np.exp
    return -0.5 * (LOG_2PI + logvar + (z - mu) ** 2 * exp(-logvar))


def log_standard_normal(z: torch.Tensor) -> torch.Tensor:
    """Elementwise log N(z; 0, 1), the prior's density: broadcasts, no sum."""
    return -0.5 * (LOG_2PI + z.pow(2))
