"""The two models: a deterministic autoencoder and a variational autoencoder.

Neither computes a loss: `forward` returns the tensors an objective needs (see `vaelab.objectives`).
Sparse, denoising and beta variants are objectives and configs over these same two modules.

Decoder outputs `x_hat` are distribution parameters of p(x|z): Bernoulli logits, or Gaussian means with
standard deviation exp(log_scale) per channel (fixed, or learned when `learn_sigma`).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import torch
from torch import nn

from vaelab import noise
from vaelab.models.config import ModelConfig
from vaelab.models.networks import build_networks

CODE_ACTIVATIONS = {"none": nn.Identity, "relu": nn.ReLU, "sigmoid": nn.Sigmoid}


class Posterior(NamedTuple):
    """What `encode` returns for every model: q(z|x)'s mean and log-variance, each (B, D); a plain AE's code
    is its `mean`, with `logvar` None (a point, not a distribution). Unpacks as `mu, logvar = encode(x)`."""

    mean: torch.Tensor
    logvar: torch.Tensor | None = None


class LikelihoodScale(nn.Module):
    """log sigma of a Gaussian decoder, one per channel: a parameter if learned, else a buffer."""

    def __init__(self, cfg: ModelConfig, channels: int):
        super().__init__()
        value = torch.full((channels,), math.log(cfg.sigma))
        if cfg.learn_sigma:
            self.log_scale = nn.Parameter(value)
        else:
            self.register_buffer("log_scale", value)

    def forward(self) -> torch.Tensor:
        return self.log_scale.view(1, -1, 1, 1)  # (C,) -> (1, C, 1, 1), broadcasts over (B, C, H, W)


class _Decoded(nn.Module):
    """Shared by both models: a decoder network plus, for a Gaussian p(x|z), its scale."""

    def _init_decoder(self, cfg: ModelConfig, image_shape: tuple[int, int, int], decoder: nn.Module) -> None:
        self.config = cfg
        self.image_shape = tuple(image_shape)
        self.latent_dim = cfg.latent_dim
        self.decoder = decoder
        self.scale = LikelihoodScale(cfg, image_shape[0]) if cfg.likelihood == "gaussian" else None

    def decode(self, z: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
        """p(x|z)'s parameters: (B, D) -> (B, C, H, W) logits (Bernoulli) or means (Gaussian). An autoregressive
        decoder reads the image x it scores (teacher forcing); without x it gives its mean-field logits."""
        return self.decoder(z, x) if self.config.decoder == "autoregressive" else self.decoder(z)

    def decoder_outputs(self, z: torch.Tensor, x: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        out = {"x_hat": self.decode(z, x)}
        if self.scale is not None:
            out["log_scale"] = self.scale()
        return out

    def sample_prior(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """z ~ N(0, I): (n, D) on the model's device (drawn on the CPU so a CPU generator is reproducible).
        The VAE's prior; for a plain AE, the same codes show what its decoder makes of them."""
        device = next(self.parameters()).device
        return torch.randn(n, self.latent_dim, generator=generator).to(device)

    def mean_image(self, x_hat: torch.Tensor) -> torch.Tensor:
        """The decoder's mean E[x|z] in [0, 1], for pictures: sigmoid of logits, or clamped means."""
        if self.config.likelihood == "bernoulli":
            return torch.sigmoid(x_hat)
        return x_hat.clamp(0, 1)


class Autoencoder(_Decoded):
    """x -> z = f(x) -> x_hat = g(z). Deterministic; the code may pass through a nonlinearity."""

    def __init__(self, cfg: ModelConfig, image_shape: tuple[int, int, int], encoder=None, decoder=None):
        super().__init__()
        self.encoder, decoder = build_networks(cfg, image_shape, cfg.latent_dim, encoder, decoder)
        self.code_activation = CODE_ACTIVATIONS[cfg.code_activation]()
        self._init_decoder(cfg, image_shape, decoder)

    def encode(self, x: torch.Tensor) -> Posterior:
        """The code z = f(x) as a Posterior with no variance: (B, C, H, W) -> mean (B, D)."""
        return Posterior(self.code_activation(self.encoder(x)))

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        z = self.encode(x).mean
        return {"z": z, **self.decoder_outputs(z, x)}


class VAE(_Decoded):
    """Kingma & Welling (2014): q(z|x) = N(mu(x), diag(exp(logvar(x)))), p(z) = N(0, I), p(x|z) by the decoder."""

    def __init__(self, cfg: ModelConfig, image_shape: tuple[int, int, int], encoder=None, decoder=None):
        super().__init__()
        self.encoder, decoder = build_networks(cfg, image_shape, 2 * cfg.latent_dim, encoder, decoder)
        self._init_decoder(cfg, image_shape, decoder)

    def encode(self, x: torch.Tensor) -> Posterior:
        """q(z|x)'s parameters: (B, C, H, W) -> mu (B, D), logvar (B, D)."""
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        return Posterior(mu, logvar)

    @staticmethod
    def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
        """The reparameterization trick: z = mu + sigma * eps with eps ~ N(0, I), so dz/dmu and dz/dsigma exist."""
        eps = noise.randn_like(mu)
        return mu + torch.exp(0.5 * logvar) * eps

    def forward(self, x: torch.Tensor, samples: int = 1) -> dict[str, torch.Tensor]:
        """One z per input; with samples = k > 1, k per input: z (B, k, D) and x_hat (B, k, C, H, W)."""
        mu, logvar = self.encode(x)
        if samples == 1:
            z = self.reparameterize(mu, logvar)
            return {"mu": mu, "logvar": logvar, "z": z, **self.decoder_outputs(z, x)}
        b, d = mu.shape
        z = self.reparameterize(mu.unsqueeze(1).expand(b, samples, d), logvar.unsqueeze(1).expand(b, samples, d))
        x_k = x.unsqueeze(1).expand(b, samples, *x.shape[1:]).reshape(b * samples, *x.shape[1:])
        out = self.decoder_outputs(z.reshape(b * samples, d), x_k)
        out["x_hat"] = out["x_hat"].view(b, samples, *out["x_hat"].shape[1:])
        return {"mu": mu, "logvar": logvar, "z": z, **out}
