"""The VAE objective: the evidence lower bound and its weighted variants.

    log p(x) >= ELBO = E_q(z|x)[log p(x|z)] - KL(q(z|x) || p(z))          (Kingma & Welling 2014)

The first term is the likelihood (reconstruction) term, estimated with the one z in `out`; the second is
analytic for a Gaussian q and a N(0, I) prior. Training minimises

    loss = -log p(x|z) + w * KL                 beta-VAE (Higgins et al. 2017) with w = beta * schedule(t)
    loss = -log p(x|z) + gamma * |KL - C(t)|    capacity annealing (Burgess et al. 2018)

with optional free bits (Kingma et al. 2016): a latent dimension whose batch-mean KL is below lambda
nats costs lambda and gets no gradient pushing it further down.
"""

from __future__ import annotations

import torch

from vaelab.objectives.divergences import gaussian_kl
from vaelab.objectives.likelihoods import LOG_LIKELIHOODS


def elbo(
    x: torch.Tensor,
    out: dict[str, torch.Tensor],
    likelihood: str = "bernoulli",
    kl_weight: float = 1.0,
    free_bits: float = 0.0,
    capacity: float | None = None,
    gamma: float = 1000.0,
) -> dict[str, torch.Tensor]:
    """Per-example terms (B,): `recon` = -log p(x|z), `kl`, `elbo`, and the `loss` to minimise."""
    log_px_z = LOG_LIKELIHOODS[likelihood](x, out)  # (B,)
    kl_per_dim = gaussian_kl(out["mu"], out["logvar"])  # (B, D)
    kl = kl_per_dim.sum(-1)  # (B,)
    kl_in_loss = kl
    if free_bits > 0:
        # Dimensions with batch-mean KL below lambda contribute the constant lambda instead.
        used = (kl_per_dim.mean(0) >= free_bits).to(kl_per_dim.dtype)  # (D,)
        kl_in_loss = (kl_per_dim * used + free_bits * (1 - used)).sum(-1)
    if capacity is not None:
        # gamma * |E_batch[KL] - C|, spread evenly over the examples so that loss.mean() is the formula.
        penalty = gamma * (kl_in_loss.mean() - capacity).abs()
        loss = -log_px_z + penalty.expand_as(kl)
    else:
        loss = -log_px_z + kl_weight * kl_in_loss
    return {"loss": loss, "recon": -log_px_z, "kl": kl, "elbo": log_px_z - kl}
