"""Models: networks with `encode`, `reparameterize` (VAE) and `decode`; no losses inside."""

from __future__ import annotations

from torch import nn

from vaelab.models.autoencoders import VAE, Autoencoder, Posterior
from vaelab.models.config import ModelConfig

MODELS = {"ae": Autoencoder, "vae": VAE}


def build_model(
    cfg: ModelConfig,
    image_shape: tuple[int, int, int],
    encoder: nn.Module | None = None,
    decoder: nn.Module | None = None,
) -> nn.Module:
    """The model `cfg.kind` for images of shape (C, H, W); with arch "custom", around your own encoder and
    decoder (see vaelab.models.custom)."""
    return MODELS[cfg.kind](cfg, tuple(image_shape), encoder, decoder)


__all__ = ["MODELS", "VAE", "Autoencoder", "ModelConfig", "Posterior", "build_model"]
