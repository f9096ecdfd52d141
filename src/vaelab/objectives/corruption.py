"""Input corruption for denoising autoencoders (Vincent et al. 2008): the model sees x_tilde, rebuilds x.

Each function maps clean images in [0, 1] to corrupted images in [0, 1] of the same shape.
"""

from __future__ import annotations

import torch


def gaussian(x: torch.Tensor, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """x + level * eps, eps ~ N(0, I), clipped to [0, 1]."""
    eps = torch.randn(x.shape, generator=generator, device=x.device, dtype=x.dtype)
    return (x + level * eps).clamp_(0, 1)


def masking(x: torch.Tensor, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each pixel set to 0 with probability `level` (masking noise)."""
    keep = torch.rand(x.shape, generator=generator, device=x.device) >= level
    return x * keep


def salt_pepper(x: torch.Tensor, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each pixel, with probability `level`, set to 0 or 1 with equal chance."""
    u = torch.rand(x.shape, generator=generator, device=x.device)
    hit = u < level
    salt = u < level / 2
    return torch.where(hit, salt.to(x.dtype), x)


CORRUPTIONS = {"gaussian": gaussian, "masking": masking, "salt-pepper": salt_pepper}


def corrupt(x: torch.Tensor, kind: str, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Apply corruption `kind` ("none" returns x itself)."""
    if kind == "none":
        return x
    return CORRUPTIONS[kind](x, level, generator)
