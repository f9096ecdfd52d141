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
        raise ConfigError("train.device cuda was asked for but torch sees no CUDA GPU; set train.device cpu or auto")
    if name.startswith("cuda:") and not int(name[5:]) < gpu_count():
        raise ConfigError(
            f"train.device {name} was asked for but torch sees {gpu_count()} CUDA GPU(s); set train.device cuda or auto"
        )
    if name == "mps" and not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
        raise ConfigError(
            "train.device mps was asked for but this machine has no MPS device; set train.device cpu or auto"
        )
    return torch.device(name)


def gpu_count() -> int:
    """How many CUDA GPUs torch sees (0 without CUDA)."""
    return torch.cuda.device_count() if torch.cuda.is_available() else 0


BF16_FLAGS = ("avx512_bf16", "amx_bf16")  # x86 instructions that compute in bfloat16 natively


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> set[str] | None:
    """The CPU's feature flags from /proc/cpuinfo (Linux), or None where they cannot be read."""
    try:
        with open(cpuinfo) as f:
            for line in f:
                if line.startswith("flags"):
                    return set(line.split(":", 1)[1].split())
    except OSError:
        return None
    return None


def precision_warning(device: torch.device, precision: str, flags: set[str] | None = None) -> str | None:
    """One line when bf16 will be slow: on a CPU without native bfloat16 instructions, autocast emulates it
    (the peers bench ran 7.5x slower than fp32 on such a CPU, 1.4x faster on one with AVX512-BF16)."""
    if precision != "bf16" or device.type != "cpu":
        return None
    flags = cpu_flags() if flags is None else flags
    if flags is None or any(f in flags for f in BF16_FLAGS):
        return None
    return (
        "vaelab: this CPU has no bf16 instructions (avx512_bf16 or amx_bf16): bf16 will be much slower than fp32; "
        "set train.precision fp32"
    )


def autocast(device: torch.device, precision: str = "fp32"):
    """The context the training step's forward pass runs in: nothing for fp32, bf16 or fp16 autocast otherwise.

    Refuses bf16 on a CUDA GPU without bfloat16 support (before Ampere) and on MPS, and fp16 anywhere but on a
    CUDA GPU (its gradients need a scaler, vaelab.training.optim.grad_scaler), with a one-line error."""
    if precision == "fp32":
        return contextlib.nullcontext()
    if precision == "fp16":
        if device.type != "cuda":
            raise ConfigError(f"train.precision fp16 needs a CUDA GPU, not {device.type}; use bf16 or fp32")
        return torch.autocast(device_type="cuda", dtype=torch.float16)
    if device.type == "cuda" and not torch.cuda.is_bf16_supported():
        raise ConfigError("train.precision bf16: this GPU has no bfloat16 support; set train.precision fp32")
    if device.type not in ("cuda", "cpu"):
        raise ConfigError(f"train.precision bf16 is supported on cuda and cpu, not {device.type}; use fp32")
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
