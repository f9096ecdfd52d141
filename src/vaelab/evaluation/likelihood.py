"""The importance-weighted estimate of log p(x) (Burda, Grosse & Salakhutdinov 2016).

    log p(x) >= L_K = log (1/K) sum_k p(x, z_k) / q(z_k|x),   z_k ~ q(z|x)

L_1 is the ELBO; L_K rises towards log p(x) as K grows (K = 5000 is the literature's protocol for test
NLL). Computed with logsumexp over chunks of samples, so memory stays bounded whatever K is.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch

from vaelab.objectives.iwae import log_weights


@torch.no_grad()
def iwae_log_likelihood(
    encode: Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
    decode_log_prob: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    num_samples: int = 5000,
    chunk: int = 500,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """L_K per example, (B,), in nats.

    encode(x) -> (mu, logvar), each (B, D): the Gaussian q(z|x).
    decode_log_prob(x, z) -> (S, B): log p(x|z) for z of shape (S, B, D), summed over pixels.
    The prior is N(0, I). Samples are drawn `chunk` at a time and combined with a running logsumexp.
    """
    mu, logvar = encode(x)
    std = torch.exp(0.5 * logvar)
    total = None
    drawn = 0
    while drawn < num_samples:
        s = min(chunk, num_samples - drawn)
        eps = torch.randn((s, *mu.shape), generator=generator, device=generator.device if generator else mu.device)
        z = mu + std * eps.to(mu.device)  # (S, B, D)
        log_w = log_weights(decode_log_prob(x, z), z, mu, logvar)  # (S, B)
        part = torch.logsumexp(log_w.double(), dim=0)
        total = part if total is None else torch.logaddexp(total, part)
        drawn += s
    return (total - math.log(num_samples)).float()
