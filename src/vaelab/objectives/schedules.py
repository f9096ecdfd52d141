"""KL-weight and capacity schedules, as functions of training progress t in epochs (a float).

All return a multiplier in [0, 1] for the KL weight beta, except `capacity` which returns nats.
"""

from __future__ import annotations

import math


def constant(t: float) -> float:
    return 1.0


def linear_warmup(t: float, warmup_epochs: float) -> float:
    """Bowman et al. (2016): the KL weight rises linearly from 0 to 1 over `warmup_epochs`."""
    return min(1.0, max(0.0, t / warmup_epochs))


def cyclical(t: float, total_epochs: float, cycles: int, ratio: float) -> float:
    """Fu et al. (2019): M cycles; in each, rise linearly over a fraction R of the cycle, then hold at 1."""
    period = total_epochs / cycles
    tau = (t % period) / period
    return min(1.0, tau / ratio)


def sigmoid(t: float, warmup_epochs: float, steepness: float) -> float:
    """A smooth warm-up: 1 / (1 + exp(-k (t / T - 1/2))), half-way at T / 2."""
    return 1.0 / (1.0 + math.exp(-steepness * (t / warmup_epochs - 0.5)))


def capacity(t: float, capacity_max: float, capacity_epochs: float) -> float:
    """Burgess et al. (2018): C(t) rises linearly from 0 to C_max nats over `capacity_epochs`."""
    return capacity_max * min(1.0, max(0.0, t / capacity_epochs))
