"""The autoencoder objective: reconstruction, plus optional sparsity on the code.

    loss = -log p(x|x_hat) + l1 * ||z||_1 + w_kl * sum_j KL(rho || rho_hat_j)

The L1 term penalises latent activity per input; the KL term (Ng 2011) pushes each unit's mean activation
rho_hat_j over the batch towards a small target rate rho (it needs codes in (0, 1): a sigmoid code).
Both regularise the latent code, not the parameters (the outline's point about "regularized" AEs).
"""

from __future__ import annotations

import torch

from vaelab.objectives.divergences import bernoulli_kl
from vaelab.objectives.likelihoods import LOG_LIKELIHOODS


def reconstruction(
    x: torch.Tensor,
    out: dict[str, torch.Tensor],
    likelihood: str = "bernoulli",
    l1: float = 0.0,
    sparsity_kl: float = 0.0,
    sparsity_target: float = 0.05,
) -> dict[str, torch.Tensor]:
    """Per-example terms (B,): `recon` = -log p(x|x_hat), `sparsity`, and the `loss` to minimise."""
    recon = -LOG_LIKELIHOODS[likelihood](x, out)  # (B,)
    z = out["z"]  # (B, D)
    sparsity = torch.zeros_like(recon)
    if l1 > 0:
        sparsity = sparsity + l1 * z.abs().sum(-1)
    if sparsity_kl > 0:
        rho_hat = z.mean(0)  # (D,) mean activation of each unit over the batch
        penalty = bernoulli_kl(sparsity_target, rho_hat).sum()
        sparsity = sparsity + sparsity_kl * penalty.expand_as(recon)
    return {"loss": recon + sparsity, "recon": recon, "sparsity": sparsity}
