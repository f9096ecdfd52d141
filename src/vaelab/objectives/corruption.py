"""Input corruption for denoising autoencoders (Vincent et al. 2008): the model sees x_tilde, rebuilds x.

Each function maps clean images in [0, 1] to corrupted images in [0, 1] of the same shape. Without a
generator the noise comes from `vaelab.noise` (the training RNG, shard-aware); with one, from it.
"""

from __future__ import annotations

import torch

from vaelab import noise


def _randn(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    if generator is None:
        return noise.randn_like(x)
    return torch.randn(x.shape, generator=generator, device=generator.device, dtype=x.dtype).to(x.device)


def _rand(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    if generator is None:
        return noise.rand_like(x)
    return torch.rand(x.shape, generator=generator, device=generator.device, dtype=x.dtype).to(x.device)


def gaussian(x: torch.Tensor, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """x + level * eps, eps ~ N(0, I), clipped to [0, 1]."""
    return (x + level * _randn(x, generator)).clamp_(0, 1)


def masking(x: torch.Tensor, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each pixel set to 0 with probability `level` (masking noise)."""
    keep = _rand(x, generator) >= level
    return x * keep


def salt_pepper(x: torch.Tensor, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Each pixel, with probability `level`, set to 0 or 1 with equal chance."""
    u = _rand(x, generator)
    hit = u < level
    salt = u < level / 2
    return torch.where(hit, salt.to(x.dtype), x)


CORRUPTIONS = {"gaussian": gaussian, "masking": masking, "salt-pepper": salt_pepper}


def corrupt(x: torch.Tensor, kind: str, level: float, generator: torch.Generator | None = None) -> torch.Tensor:
    """Apply corruption `kind` ("none" returns x itself)."""
    if kind == "none":
        return x
    return CORRUPTIONS[kind](x, level, generator)
