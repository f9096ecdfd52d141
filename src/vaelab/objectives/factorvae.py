"""FactorVAE (Kim & Mnih 2018): the ELBO plus gamma times a total-correlation estimate by a discriminator.

    TC(z) = KL(q(z) || prod_d q(z_d)) ~ E_q(z)[ log D(z) / (1 - D(z)) ]        the density-ratio trick

A discriminator D tells codes z ~ q(z) (posterior samples of a batch) from codes whose dimensions are
each permuted independently across the batch, which are samples of prod_d q(z_d). With two logits
(joint, permuted), log D / (1 - D) = logit_joint - logit_permuted. Two steps per batch:

    VAE step            loss = -log p(x|z) + KL(q(z|x) || p(z)) + gamma * (logit_joint(z) - logit_permuted(z))
    discriminator step  cross-entropy of D on z.detach() (label joint) and permute_dims(z.detach()) (permuted)

As in disentanglement_lib (Locatello et al. 2019), both steps use the same batch, and D is an MLP of six
1000-unit LeakyReLU layers trained by Adam (lr 1e-4, betas 0.5, 0.9). The discriminator belongs to the
objective, not to the model: `FactorDiscriminator` holds it with its optimizer, takes its step after the
model's, and gives the trainer its state to checkpoint.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vaelab.objectives.divergences import gaussian_kl
from vaelab.objectives.likelihoods import LOG_LIKELIHOODS

JOINT, PERMUTED = 0, 1  # the discriminator's two classes
HIDDEN, LAYERS = 1000, 6  # Kim & Mnih 2018, appendix
LR, BETAS = 1e-4, (0.5, 0.9)


def permute_dims(z: torch.Tensor) -> torch.Tensor:
    """Each column of z (B, D) permuted independently across the batch: every marginal q(z_d) is kept, the
    dependence between dimensions is broken (Kim & Mnih 2018, algorithm 2)."""
    order = torch.argsort(torch.rand(z.shape, device=z.device), dim=0)  # (B, D): a permutation per column
    return z.gather(0, order)


class Discriminator(nn.Module):
    """z (B, D) -> logits (B, 2) of (joint, permuted)."""

    def __init__(self, latent_dim: int, hidden: int = HIDDEN, layers: int = LAYERS):
        super().__init__()
        sizes = [latent_dim] + [hidden] * layers
        blocks: list[nn.Module] = []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            blocks += [nn.Linear(n_in, n_out), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*blocks, nn.Linear(sizes[-1], 2))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z)


def tc_estimate(discriminator: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """log D(z) / (1 - D(z)) per example (B,): the density-ratio estimate of the total correlation."""
    logits = discriminator(z)
    return logits[:, JOINT] - logits[:, PERMUTED]


def factorvae(
    x: torch.Tensor,
    out: dict[str, torch.Tensor],
    likelihood: str,
    discriminator: nn.Module,
    gamma: float = 10.0,
) -> dict[str, torch.Tensor]:
    """Per-example terms (B,): recon, kl, tc (the discriminator's estimate), elbo and the loss."""
    log_px_z = LOG_LIKELIHOODS[likelihood](x, out)
    kl = gaussian_kl(out["mu"], out["logvar"]).sum(-1)
    tc = tc_estimate(discriminator, out["z"])
    return {"loss": -log_px_z + kl + gamma * tc, "recon": -log_px_z, "kl": kl, "tc": tc, "elbo": log_px_z - kl}


def discriminator_terms(discriminator: nn.Module, z: torch.Tensor) -> dict[str, torch.Tensor]:
    """The discriminator's loss on codes z (B, D) against their dimension-wise permutation, and its accuracy."""
    z = z.detach()
    logits = discriminator(torch.cat([z, permute_dims(z)]))  # (2B, 2)
    labels = torch.cat([torch.full((len(z),), JOINT), torch.full((len(z),), PERMUTED)]).to(z.device)
    loss = F.cross_entropy(logits, labels)
    return {"loss": loss, "accuracy": (logits.argmax(1) == labels).float().mean()}


class FactorDiscriminator:
    """The auxiliary network of FactorVAE with its own optimizer and step (the objective owns it)."""

    name = "discriminator"

    def __init__(self, latent_dim: int):
        self.module = Discriminator(latent_dim)
        self.optimizer: torch.optim.Optimizer | None = None

    def to(self, device: torch.device) -> FactorDiscriminator:
        """Place the network on `device` and build its optimizer there (once)."""
        self.module.to(device)
        if self.optimizer is None:
            self.optimizer = torch.optim.Adam(self.module.parameters(), lr=LR, betas=BETAS)
        return self

    def step(self, out: dict[str, torch.Tensor]) -> dict[str, float]:
        """One update of D on this batch's codes, after the model's step."""
        terms = discriminator_terms(self.module, out["z"])
        self.optimizer.zero_grad(set_to_none=True)  # also drops what the VAE step left in D's gradients
        terms["loss"].backward()
        self.optimizer.step()
        return {k: v.detach() for k, v in terms.items()}
