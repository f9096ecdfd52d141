"""beta-TCVAE (Chen et al. 2018): the KL term split in three, with a weight on the total correlation.

    E_x KL(q(z|x) || p(z)) = I_q(x; z)                                  index-code mutual information
                           + KL(q(z) || prod_d q(z_d))                  total correlation (TC)
                           + sum_d KL(q(z_d) || p(z_d))                 dimension-wise KL

    loss = -log p(x|z) + alpha * MI + beta * TC + gamma * DWKL          (alpha = gamma = 1)

q(z) and q(z_d) are estimated on the minibatch by minibatch-weighted sampling (the paper's MWS):
log q(z_i) ~ logsumexp_j log q(z_i | x_j) - log(N M), with N the dataset size and M the batch size.
"""

from __future__ import annotations

import math

import torch

from vaelab.objectives.densities import log_normal, log_standard_normal
from vaelab.objectives.divergences import gaussian_kl
from vaelab.objectives.likelihoods import LOG_LIKELIHOODS


def tcvae(
    x: torch.Tensor,
    out: dict[str, torch.Tensor],
    likelihood: str,
    dataset_size: int,
    beta: float = 6.0,
    alpha: float = 1.0,
    gamma: float = 1.0,
) -> dict[str, torch.Tensor]:
    """Per-example terms (B,): recon, kl (analytic), mi, tc, dwkl, elbo and the loss."""
    mu, logvar, z = out["mu"], out["logvar"], out["z"]
    log_px_z = LOG_LIKELIHOODS[likelihood](x, out)
    b = z.shape[0]
    # log q(z_i | x_j) per dimension: (B, B, D) for every sample i and encoding j
    pairwise = log_normal(z[:, None, :], mu[None, :, :], logvar[None, :, :])
    log_norm = math.log(dataset_size * b)
    log_qz = torch.logsumexp(pairwise.sum(-1), dim=1) - log_norm  # (B,)
    log_prod_qzd = (torch.logsumexp(pairwise, dim=1) - log_norm).sum(-1)  # (B,)
    log_qz_x = log_normal(z, mu, logvar).sum(-1)  # (B,)
    log_pz = log_standard_normal(z).sum(-1)  # (B,)
    mi, tc, dwkl = log_qz_x - log_qz, log_qz - log_prod_qzd, log_prod_qzd - log_pz
    kl = gaussian_kl(mu, logvar).sum(-1)
    loss = -log_px_z + alpha * mi + beta * tc + gamma * dwkl
    return {"loss": loss, "recon": -log_px_z, "kl": kl, "mi": mi, "tc": tc, "dwkl": dwkl, "elbo": log_px_z - kl}
