"""Encoder and decoder networks: MLP and convolutional, for any (C, H, W) image shape.

An encoder maps images (B, C, H, W) to a feature vector (B, out_dim); a decoder maps a code (B, D) to
images (B, C, H, W) of distribution parameters (logits or means). The autoencoder modules in
`autoencoders.py` decide what `out_dim` means (a code, or the mean and log-variance of q(z|x)).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from vaelab.errors import ConfigError
from vaelab.models.autoregressive import RowGRUDecoder
from vaelab.models.config import ModelConfig
from vaelab.models.custom import custom_networks

ACTIVATION_LAYERS = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU, "leaky_relu": nn.LeakyReLU}


def mlp(sizes: list[int], activation: str) -> nn.Sequential:
    """Linear layers with `activation` between them (none after the last)."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(ACTIVATION_LAYERS[activation]())
    return nn.Sequential(*layers)


class MLPEncoder(nn.Module):
    def __init__(self, cfg: ModelConfig, image_shape: tuple[int, int, int], out_dim: int):
        super().__init__()
        self.net = mlp([math.prod(image_shape), *cfg.hidden, out_dim], cfg.activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.flatten(1))  # (B, C, H, W) -> (B, C*H*W) -> (B, out_dim)


class MLPDecoder(nn.Module):
    def __init__(self, cfg: ModelConfig, image_shape: tuple[int, int, int]):
        super().__init__()
        self.image_shape = tuple(image_shape)
        self.net = mlp([cfg.latent_dim, *reversed(cfg.hidden), math.prod(image_shape)], cfg.activation)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(-1, *self.image_shape)  # (B, D) -> (B, C, H, W)


def conv_grid(image_shape: tuple[int, int, int], channels: tuple[int, ...]) -> tuple[int, int]:
    """Spatial size after len(channels) stride-2 convolutions; refuses sizes that do not halve cleanly."""
    _, h, w = image_shape
    factor = 2 ** len(channels)
    if h % factor or w % factor:
        raise ConfigError(
            f"model.channels: {len(channels)} stride-2 layers need an image size divisible by {factor} "
            f"(got {h}x{w}); use {max_conv_layers(h, w)} layers or fewer"
        )
    return h // factor, w // factor


def max_conv_layers(h: int, w: int) -> int:
    n = 0
    while h % 2 == 0 and w % 2 == 0 and h > 1:
        h, w, n = h // 2, w // 2, n + 1
    return n


class ConvEncoder(nn.Module):
    """Stride-2 4x4 convolutions (each halves H and W), then an MLP (as in Burgess et al. 2018)."""

    def __init__(self, cfg: ModelConfig, image_shape: tuple[int, int, int], out_dim: int):
        super().__init__()
        channels = cfg.channels
        gh, gw = conv_grid(image_shape, channels)
        layers: list[nn.Module] = []
        for c_in, c_out in zip((image_shape[0], *channels[:-1]), channels):
            layers += [nn.Conv2d(c_in, c_out, kernel_size=4, stride=2, padding=1), ACTIVATION_LAYERS[cfg.activation]()]
        self.conv = nn.Sequential(*layers)
        self.head = mlp([channels[-1] * gh * gw, *cfg.hidden, out_dim], cfg.activation)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv(x)  # (B, C, H, W) -> (B, C_last, H / 2^L, W / 2^L)
        return self.head(h.flatten(1))  # -> (B, out_dim)


class ConvDecoder(nn.Module):
    """The mirror of `ConvEncoder`: an MLP to a small grid, then stride-2 transposed convolutions."""

    def __init__(self, cfg: ModelConfig, image_shape: tuple[int, int, int]):
        super().__init__()
        channels = cfg.channels
        gh, gw = conv_grid(image_shape, channels)
        self.grid = (channels[-1], gh, gw)
        act = ACTIVATION_LAYERS[cfg.activation]
        self.head = nn.Sequential(
            mlp([cfg.latent_dim, *reversed(cfg.hidden), channels[-1] * gh * gw], cfg.activation), act()
        )
        ups: list[nn.Module] = []
        outs = (*reversed(channels[:-1]), image_shape[0])
        for i, (c_in, c_out) in enumerate(zip(reversed(channels), outs)):
            ups.append(nn.ConvTranspose2d(c_in, c_out, kernel_size=4, stride=2, padding=1))
            if i < len(channels) - 1:
                ups.append(act())
        self.deconv = nn.Sequential(*ups)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.head(z).view(-1, *self.grid)  # (B, D) -> (B, C_last, H / 2^L, W / 2^L)
        return self.deconv(h)  # -> (B, C, H, W)


ENCODERS = {"mlp": MLPEncoder, "conv": ConvEncoder}
DECODERS = {"mlp": MLPDecoder, "conv": ConvDecoder}


def build_networks(
    cfg: ModelConfig,
    image_shape: tuple[int, int, int],
    out_dim: int,
    encoder: nn.Module | None = None,
    decoder: nn.Module | None = None,
) -> tuple[nn.Module, nn.Module]:
    """The encoder (images -> out_dim features) and decoder (codes -> images) of `cfg.arch`, created in that
    order; for arch "custom", your own `encoder` and `decoder`, checked (see vaelab.models.custom)."""
    if cfg.arch == "custom":
        return custom_networks(cfg, image_shape, out_dim, encoder, decoder)
    if encoder is not None or decoder is not None:
        raise ConfigError(f"your own encoder and decoder need model.arch custom (got {cfg.arch})")
    encoder = ENCODERS[cfg.arch](cfg, image_shape, out_dim)
    if cfg.decoder == "autoregressive":
        return encoder, RowGRUDecoder(cfg.latent_dim, image_shape, hidden=cfg.decoder_hidden)
    return encoder, DECODERS[cfg.arch](cfg, image_shape)
