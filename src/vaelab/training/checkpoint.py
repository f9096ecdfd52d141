"""Checkpoints as safetensors and JSON only: no pickle anywhere.

    model.safetensors      the model's state_dict
    optimizer.safetensors  the optimizer's tensors; its param_groups and scalars in the file's metadata
    state.json             epoch, step, whether the run finished, and sha256 of both tensor files

Each file is written atomically; state.json is written last and names the checksums of the files it
belongs with, so a crash between writes can never pair new weights with an old state.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from vaelab.atomic import atomic_write_bytes, atomic_write_text
from vaelab.errors import CheckpointError

MODEL_FILE, OPTIMIZER_FILE, STATE_FILE = "model.safetensors", "optimizer.safetensors", "state.json"


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def optimizer_to_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Flatten an optimizer state_dict into named tensors plus JSON metadata."""
    sd = optimizer.state_dict()
    tensors, scalars = {}, {}
    for pid, state in sd["state"].items():
        for key, value in state.items():
            if torch.is_tensor(value):
                tensors[f"state.{pid}.{key}"] = value.detach().cpu().contiguous()
            else:
                scalars[f"{pid}.{key}"] = value
    meta = {"param_groups": json.dumps(sd["param_groups"]), "scalars": json.dumps(scalars)}
    return tensors, meta


def tensors_to_optimizer_state(tensors: dict[str, torch.Tensor], meta: dict[str, str]) -> dict:
    state: dict[int, dict] = {}
    for name, value in tensors.items():
        _, pid, key = name.split(".", 2)
        state.setdefault(int(pid), {})[key] = value
    for name, value in json.loads(meta["scalars"]).items():
        pid, key = name.split(".", 1)
        state.setdefault(int(pid), {})[key] = value
    return {"state": state, "param_groups": json.loads(meta["param_groups"])}


def save_checkpoint(run_dir: str | Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer, state: dict) -> None:
    run_dir = Path(run_dir)
    model_bytes = st_save({k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()})
    opt_tensors, opt_meta = optimizer_to_tensors(optimizer)
    opt_bytes = st_save(opt_tensors, metadata=opt_meta)
    atomic_write_bytes(run_dir / MODEL_FILE, model_bytes)
    atomic_write_bytes(run_dir / OPTIMIZER_FILE, opt_bytes)
    full = {**state, "sha256": {MODEL_FILE: _sha256(model_bytes), OPTIMIZER_FILE: _sha256(opt_bytes)}}
    atomic_write_text(run_dir / STATE_FILE, json.dumps(full, indent=2) + "\n")


def read_state(run_dir: str | Path) -> dict:
    file = Path(run_dir) / STATE_FILE
    if not file.exists():
        raise CheckpointError(f"{run_dir} has no checkpoint ({STATE_FILE} missing): the run never finished an epoch")
    try:
        return json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise CheckpointError(f"cannot read {file}: {e}") from None


def _read_verified(run_dir: Path, name: str, state: dict) -> bytes:
    file = run_dir / name
    try:
        data = file.read_bytes()
    except OSError as e:
        raise CheckpointError(f"cannot read {file}: {e.strerror or e}") from None
    expected = state.get("sha256", {}).get(name)
    actual = _sha256(data)
    if expected != actual:
        raise CheckpointError(f"checkpoint file {file} is corrupt: sha256 {actual[:12]}... != {str(expected)[:12]}... in {STATE_FILE}")
    return data


def load_model_weights(run_dir: str | Path, model: torch.nn.Module, state: dict | None = None) -> dict:
    """Load verified weights into `model`; refuse a file whose shapes do not fit the model built from config."""
    run_dir = Path(run_dir)
    state = state if state is not None else read_state(run_dir)
    try:
        tensors = st_load(_read_verified(run_dir, MODEL_FILE, state))
    except SafetensorError as e:
        raise CheckpointError(f"{run_dir / MODEL_FILE} is not a valid safetensors file: {e}") from None
    own = model.state_dict()
    missing, unexpected = sorted(set(own) - set(tensors)), sorted(set(tensors) - set(own))
    if missing or unexpected:
        raise CheckpointError(
            f"{run_dir / MODEL_FILE} does not fit the model in config.json (missing {missing[:3]}, unexpected {unexpected[:3]})"
        )
    for name, value in tensors.items():
        if value.shape != own[name].shape:
            raise CheckpointError(
                f"{run_dir / MODEL_FILE}: {name} has shape {tuple(value.shape)} but config.json builds {tuple(own[name].shape)}"
            )
    model.load_state_dict(tensors)
    return state


def safetensors_metadata(data: bytes) -> dict[str, str]:
    """The `__metadata__` of a safetensors file: an 8-byte little-endian header size, then a JSON header."""
    size = int.from_bytes(data[:8], "little")
    return json.loads(data[8:8 + size]).get("__metadata__", {})


def load_optimizer_state(run_dir: str | Path, optimizer: torch.optim.Optimizer, state: dict) -> None:
    data = _read_verified(Path(run_dir), OPTIMIZER_FILE, state)
    optimizer.load_state_dict(tensors_to_optimizer_state(st_load(data), safetensors_metadata(data)))
