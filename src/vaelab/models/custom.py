"""Your own encoder and decoder in place of the MLP or conv networks (model.arch "custom").

The contract, checked once on a dummy batch of two when the model is built:

- encoder: images (N, C, H, W) in [0, 1] -> features (N, F) of any size F; vaelab adds one linear layer
  F -> 2D for a VAE (its output split into mu and logvar) or F -> D for an AE (the code). A VAE's encoder
  may instead return a pair (mu, logvar), each (N, D), used as they are.
- decoder: codes (N, D) -> (N, C, H, W), the parameters of p(x|z): logits for the Bernoulli likelihood
  (so no sigmoid at the end), means for the Gaussian one.

D is model.latent_dim; (C, H, W) is the data's image shape. The modules are trained in place (the
model holds them, and the linear layer, in its state dict, so a checkpoint restores all of them).
"""

from __future__ import annotations

import contextlib

import torch
from torch import nn

from vaelab.errors import ConfigError
from vaelab.models.config import ModelConfig

DUMMY_BATCH = 2  # images in the check's dummy batch (more than one, for batch norm)
HOW = "pass both: vaelab.train(..., encoder=..., decoder=...), and vaelab.load(RUN, encoder=..., decoder=...)"


class CustomEncoder(nn.Module):
    """Your encoder, then the linear layer to the code's size (or nothing, if it returns (mu, logvar))."""

    def __init__(self, net: nn.Module, head: nn.Linear | None):
        super().__init__()
        self.net = net
        self.head = head

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.net(x)
        if self.head is None:
            return torch.cat(tuple(out), dim=-1)  # (mu, logvar), each (N, D) -> (N, 2D), as VAE.encode expects
        return self.head(out.flatten(1))  # (N, F) -> (N, out_dim)


@contextlib.contextmanager
def _checking(*modules: nn.Module):
    """Eval mode without gradients (batch norm's statistics untouched), each module's mode restored after."""
    modes = [m.training for m in modules]
    try:
        with torch.no_grad():
            for m in modules:
                m.eval()
            yield
    finally:
        for m, mode in zip(modules, modes):
            m.train(mode)


def _device(module: nn.Module) -> torch.device:
    return next(module.parameters(), torch.empty(0)).device


def _call(module: nn.Module, x: torch.Tensor, what: str):
    try:
        return module(x.to(_device(module)))
    except Exception as e:  # noqa: BLE001 - any failure of the user's module becomes one line
        shape = tuple(x.shape)
        raise ConfigError(f"your {what} failed on a dummy batch of shape {shape}: {type(e).__name__}: {e}") from None


def _encoder_head(out, cfg: ModelConfig, out_dim: int) -> nn.Linear | None:
    """Check the encoder's output on the dummy batch; the linear layer it needs (None for (mu, logvar))."""
    n, d = DUMMY_BATCH, cfg.latent_dim
    if isinstance(out, (tuple, list)):
        shapes = [tuple(t.shape) if isinstance(t, torch.Tensor) else type(t).__name__ for t in out]
        if cfg.kind != "vae" or len(out) != 2 or shapes != [(n, d), (n, d)]:
            raise ConfigError(
                f"your encoder returned {len(out)} values of shapes {shapes}; return features (N, F), or for a vae "
                f"the pair (mu, logvar), each (N, {d}) with {d} = model.latent_dim"
            )
        return None
    if not isinstance(out, torch.Tensor) or out.dim() < 2 or out.shape[0] != n:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ConfigError(f"your encoder must map images (N, C, H, W) to features (N, F); for N = {n} it gave {shape}")
    return nn.Linear(out[0].numel(), out_dim)  # (N, F) -> (N, 2D) for a vae, (N, D) for an ae


def custom_networks(
    cfg: ModelConfig,
    image_shape: tuple[int, int, int],
    out_dim: int,
    encoder: nn.Module | None,
    decoder: nn.Module | None,
) -> tuple[nn.Module, nn.Module]:
    """Your encoder (with its linear layer to `out_dim`) and decoder, after one check on a dummy batch."""
    if not isinstance(encoder, nn.Module) or not isinstance(decoder, nn.Module):
        raise ConfigError(f"model.arch custom takes your own encoder and decoder (torch.nn.Module); {HOW}")
    with _checking(encoder, decoder):
        head = _encoder_head(_call(encoder, torch.zeros(DUMMY_BATCH, *image_shape), "encoder"), cfg, out_dim)
        x_hat = _call(decoder, torch.zeros(DUMMY_BATCH, cfg.latent_dim), "decoder")
    expected = (DUMMY_BATCH, *image_shape)
    if not isinstance(x_hat, torch.Tensor) or tuple(x_hat.shape) != expected:
        shape = tuple(x_hat.shape) if isinstance(x_hat, torch.Tensor) else type(x_hat).__name__
        raise ConfigError(
            f"your decoder must map codes (N, {cfg.latent_dim}) to images (N, C, H, W) = {expected} for N = "
            f"{DUMMY_BATCH}; it gave {shape}"
        )
    if head is not None:
        head.to(_device(encoder))
    return CustomEncoder(encoder, head), decoder
