"""KL divergences with closed forms."""

from __future__ import annotations

import torch


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) || N(0, I)) per dimension, for q = N(mu, diag(exp(logvar))).

    KL = -1/2 * (1 + logvar - mu^2 - exp(logvar))   (Kingma & Welling 2014, appendix B)
    (B, D) -> (B, D); sum over D for the KL of the whole code.
    """
    return -0.5 * (1 + logvar - mu.pow(2) - logvar.exp())


def bernoulli_kl(rho: float, rho_hat: torch.Tensor, eps: float = 1e-6) -> torch.Tensor:
    """KL(Bernoulli(rho) || Bernoulli(rho_hat)) elementwise (the sparse autoencoder's penalty, Ng 2011).

    KL = rho * log(rho / rho_hat) + (1 - rho) * log((1 - rho) / (1 - rho_hat))
    """
    rho_hat = rho_hat.clamp(eps, 1 - eps)
    return rho * torch.log(rho / rho_hat) + (1 - rho) * torch.log((1 - rho) / (1 - rho_hat))
