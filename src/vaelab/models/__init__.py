"""Models: networks with `encode`, `reparameterize` (VAE) and `decode`; no losses inside."""

from __future__ import annotations

from torch import nn

from vaelab.models.autoencoders import VAE, Autoencoder
from vaelab.models.config import ModelConfig

MODELS = {"ae": Autoencoder, "vae": VAE}


def build_model(cfg: ModelConfig, image_shape: tuple[int, int, int]) -> nn.Module:
    """The model `cfg.kind` for images of shape (C, H, W)."""
    return MODELS[cfg.kind](cfg, tuple(image_shape))


__all__ = ["MODELS", "VAE", "Autoencoder", "ModelConfig", "build_model"]
