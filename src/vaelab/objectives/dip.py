"""DIP-VAE (Kumar, Sattigeri & Balakrishnan 2018): the ELBO plus moment matching of the aggregate posterior.

The penalty pushes a covariance towards the identity, off-diagonal and diagonal weighted apart:

    P(C) = lambda_od * sum_{i != j} C_ij^2 + lambda_d * sum_i (C_ii - 1)^2

    DIP-VAE-I   C = Cov_p(x)[ mu(x) ]                                   the encoder's means
    DIP-VAE-II  C = Cov_q(z)[ z ] = E_p(x)[ diag sigma^2(x) ] + Cov_p(x)[ mu(x) ]

Covariances are estimated on the minibatch (biased, 1/B, as disentanglement_lib does). The paper's
ratios are the defaults: lambda_d = 10 lambda_od for DIP-VAE-I and lambda_d = lambda_od for DIP-VAE-II.
"""

from __future__ import annotations

import torch

from vaelab.objectives.divergences import gaussian_kl
from vaelab.objectives.likelihoods import LOG_LIKELIHOODS

DIAGONAL_RATIO = {"i": 10.0, "ii": 1.0}  # lambda_d / lambda_od by default (Kumar et al. 2018, section 4)


def dip_penalty(cov: torch.Tensor, lambda_od: float, lambda_d: float) -> torch.Tensor:
    """P(C) for a (D, D) covariance: 0 for the identity, growing with off-diagonal mass and diagonal gaps."""
    diag = torch.diagonal(cov)
    off = cov - torch.diag_embed(diag)
    return lambda_od * off.pow(2).sum() + lambda_d * (diag - 1).pow(2).sum()


def batch_covariance(v: torch.Tensor) -> torch.Tensor:
    """(B, D) -> (D, D): E[v v^T] - E[v] E[v]^T over the batch."""
    centred = v - v.mean(0, keepdim=True)
    return centred.T @ centred / v.shape[0]


def dipvae(
    x: torch.Tensor,
    out: dict[str, torch.Tensor],
    likelihood: str,
    variant: str = "i",
    lambda_od: float = 10.0,
    lambda_d: float | None = None,
) -> dict[str, torch.Tensor]:
    """Per-example terms (B,): recon, kl, dip (the batch penalty, spread evenly over examples), elbo, loss."""
    mu, logvar = out["mu"], out["logvar"]
    log_px_z = LOG_LIKELIHOODS[likelihood](x, out)
    kl = gaussian_kl(mu, logvar).sum(-1)
    cov = batch_covariance(mu)  # (D, D)
    if variant == "ii":
        cov = cov + torch.diag_embed(logvar.exp().mean(0))
    weight_d = lambda_od * DIAGONAL_RATIO[variant] if lambda_d is None else lambda_d
    dip = dip_penalty(cov, lambda_od, weight_d).expand_as(kl)  # so that loss.mean() is the formula
    return {"loss": -log_px_z + kl + dip, "recon": -log_px_z, "kl": kl, "dip": dip, "elbo": log_px_z - kl}
