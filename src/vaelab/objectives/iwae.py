"""The importance-weighted bound (Burda, Grosse & Salakhutdinov 2016), as a training objective.

With k samples z_1..z_k ~ q(z|x) and weights w_i = p(x|z_i) p(z_i) / q(z_i|x),

    log p(x) >= L_k = E[ log (1/k) sum_i w_i ] >= L_1 = ELBO,

and L_k rises towards log p(x) as k grows. Training maximises L_k (computed stably with logsumexp).
The model's outputs carry the k samples on a second axis: z (B, k, D), x_hat (B, k, C, H, W)
(z (B, D) and x_hat (B, C, H, W) are read as k = 1).
"""

from __future__ import annotations

import math

import torch

from vaelab.objectives.densities import log_normal, log_standard_normal
from vaelab.objectives.divergences import gaussian_kl
from vaelab.objectives.likelihoods import LOG_LIKELIHOODS


def log_weights(log_px_z: torch.Tensor, z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """log w = log p(x|z) + log N(z; 0, I) - log q(z|x), summed over latents: z (..., D) with mu and logvar
    broadcasting to it, log_px_z of z's shape without D. Training's bound and the evaluation's estimate
    (`vaelab.evaluation.likelihood`) both weigh their samples with it."""
    return log_px_z + log_standard_normal(z).sum(-1) - log_normal(z, mu, logvar).sum(-1)


def iwae(x: torch.Tensor, out: dict[str, torch.Tensor], likelihood: str = "bernoulli") -> dict[str, torch.Tensor]:
    """Per-example terms (B,): `loss` = -L_k, `iwae` = L_k, and the single-sample `recon`, `kl`, `elbo`."""
    if out["z"].dim() == 2:  # one sample per input: (B, D) -> (B, 1, D)
        out = {**out, "z": out["z"].unsqueeze(1), "x_hat": out["x_hat"].unsqueeze(1)}
    z, mu, logvar = out["z"], out["mu"], out["logvar"]  # (B, k, D), (B, D), (B, D)
    b, k = z.shape[:2]
    flat = {key: v.flatten(0, 1) if key == "x_hat" else v for key, v in out.items()}  # (B*k, C, H, W)
    x_k = x.unsqueeze(1).expand(b, k, *x.shape[1:]).flatten(0, 1)
    log_px_z = LOG_LIKELIHOODS[likelihood](x_k, flat).view(b, k)  # (B, k)
    log_w = log_weights(log_px_z, z, mu.unsqueeze(1), logvar.unsqueeze(1))  # (B, k)
    bound = torch.logsumexp(log_w, dim=1) - math.log(k)  # (B,)
    kl = gaussian_kl(mu, logvar).sum(-1)
    recon = -log_px_z.mean(1)
    return {"loss": -bound, "iwae": bound, "recon": recon, "kl": kl, "elbo": -recon - kl}
