"""The random noise models and objectives draw (the reparameterization's eps, input corruption).

By default these are torch.randn_like / torch.rand_like. Data-parallel training gives each process a
contiguous shard of every global batch; inside `shard(offset, total)` each process draws the noise of
the whole global batch from its RNG (which is identical on every process: same seed, same draws) and
keeps its own rows. Example i of a global batch therefore gets the same noise whether the batch is
split over 1 process or N, which is what makes N-process training match 1-process training.
"""

from __future__ import annotations

import contextlib
import contextvars

import torch

_PLAN: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar("vaelab_noise_plan", default=None)


def _draw(fn, like: torch.Tensor) -> torch.Tensor:
    plan = _PLAN.get()
    if plan is None:
        return fn(like.shape, device=like.device, dtype=like.dtype)
    offset, total = plan
    full = fn((total, *like.shape[1:]), device=like.device, dtype=like.dtype)  # the global batch's noise
    return full[offset : offset + like.shape[0]]


def randn_like(like: torch.Tensor) -> torch.Tensor:
    """Standard normal noise shaped like `like` (rows are examples)."""
    return _draw(torch.randn, like)


def rand_like(like: torch.Tensor) -> torch.Tensor:
    """Uniform [0, 1) noise shaped like `like` (rows are examples)."""
    return _draw(torch.rand, like)


@contextlib.contextmanager
def shard(offset: int, total: int):
    """Within this block, noise is drawn for a global batch of `total` rows; this process keeps rows
    offset .. offset + its batch size."""
    token = _PLAN.set((offset, total))
    try:
        yield
    finally:
        _PLAN.reset(token)
