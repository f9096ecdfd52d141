"""Choosing where to compute."""

from __future__ import annotations

import contextlib

import torch

from vaelab.errors import ConfigError


def resolve_device(name: str = "auto") -> torch.device:
    """auto: CUDA if available, else Apple's MPS, else the CPU; a named device must exist."""
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ConfigError("train.device cuda was asked for but torch sees no CUDA GPU; use --device cpu or auto")
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError("train.device mps was asked for but this machine has no MPS device; use --device cpu or auto")
    return torch.device(name)


def autocast(device: torch.device, precision: str = "fp32"):
    """The context the training step's forward pass runs in: nothing for fp32, bf16 autocast otherwise.

    Refuses bf16 on a CUDA GPU without bfloat16 support (before Ampere) and on MPS, with a one-line error."""
    if precision == "fp32":
        return contextlib.nullcontext()
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ConfigError("train.precision bf16: this GPU has no bfloat16 support; use --precision fp32")
    if device.type not in ("cuda", "cpu"):
        raise ConfigError(f"train.precision bf16 is supported on cuda and cpu, not {device.type}; use fp32")
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
