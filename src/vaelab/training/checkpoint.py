"""Checkpoints as safetensors and JSON only: no pickle anywhere.

    RUN/checkpoint/model.safetensors      the model's state_dict
    RUN/checkpoint/optimizer.safetensors  the optimizer's tensors; param_groups and scalars in its metadata
    RUN/checkpoint/trainer.safetensors    RNG states
    RUN/checkpoint/auxiliary.safetensors  an objective's own network and its optimizer (FactorVAE), if any
    RUN/checkpoint/state.json             epoch, batch, step, finished, fp16's loss scaler (train.precision
                                          fp16 only), and the sha256 of each tensor file

A new checkpoint is written whole into RUN/checkpoint.tmp (every file fsynced), then swapped in by two
renames (checkpoint -> checkpoint.old, checkpoint.tmp -> checkpoint). A crash at any moment leaves a
complete checkpoint in `checkpoint` or, between the renames, in `checkpoint.old`, which loading falls
back to. The checksums catch a file damaged later; a damaged checkpoint is refused, never used.
`write_folder` writes any such folder (RUN/best, vaelab.training.early_stop) the same way.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from vaelab.atomic import atomic_write_bytes, atomic_write_text, fsync_dir
from vaelab.errors import CheckpointError

FOLDER = "checkpoint"
MODEL_FILE, OPTIMIZER_FILE, EXTRA_FILE, STATE_FILE = (
    "model.safetensors",
    "optimizer.safetensors",
    "trainer.safetensors",
    "state.json",
)
AUXILIARY_FILE = "auxiliary.safetensors"


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


def _module_tensors(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().contiguous() for k, v in module.state_dict().items()}


def auxiliary_bytes(auxiliary) -> bytes:
    """An auxiliary network's weights (module.*) and optimizer tensors (optimizer.*) in one safetensors file."""
    tensors, meta = optimizer_to_tensors(auxiliary.optimizer)
    named = {f"module.{k}": v for k, v in _module_tensors(auxiliary.module).items()}
    named.update({f"optimizer.{k}": v for k, v in tensors.items()})
    return st_save(named, meta)


def save_checkpoint(
    run_dir: str | Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    state: dict,
    extra_tensors: dict[str, torch.Tensor] | None = None,
    auxiliary=None,
) -> None:
    run_dir = Path(run_dir)
    files = {
        MODEL_FILE: model_bytes(model),
        OPTIMIZER_FILE: st_save(*optimizer_to_tensors(optimizer)),
        EXTRA_FILE: st_save({k: v.detach().cpu().contiguous() for k, v in (extra_tensors or {}).items()}),
    }
    if auxiliary is not None:
        files[AUXILIARY_FILE] = auxiliary_bytes(auxiliary)
    write_folder(run_dir, FOLDER, files, state)


def model_bytes(model: torch.nn.Module) -> bytes:
    return st_save(_module_tensors(model))


def write_folder(run_dir: Path, folder: str, files: dict[str, bytes], state: dict) -> None:
    """RUN/FOLDER holding `files` and STATE_FILE (`state` with each file's sha256), swapped in whole."""
    tmp, current, old = run_dir / f"{folder}.tmp", run_dir / folder, run_dir / f"{folder}.old"
    try:
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        for name, data in files.items():
            atomic_write_bytes(tmp / name, data)
        full = {**state, "sha256": {name: _sha256(data) for name, data in files.items()}}
        atomic_write_text(tmp / STATE_FILE, json.dumps(full, indent=2) + "\n")
    except OSError as e:
        shutil.rmtree(tmp, ignore_errors=True)
        raise CheckpointError(
            f"cannot write the {folder} in {run_dir}: {e.strerror or e}; free some space or "
            f"choose another `out` folder (the previous {folder} is intact)"
        ) from None
    if current.exists():
        shutil.rmtree(old, ignore_errors=True)
        current.rename(old)
    tmp.rename(current)
    fsync_dir(run_dir)
    shutil.rmtree(old, ignore_errors=True)


def checkpoint_dir(run_dir: str | Path, folder: str = FOLDER) -> Path:
    """The folder holding the newest complete checkpoint (falls back to checkpoint.old after a crash)."""
    run_dir = Path(run_dir)
    for path in (run_dir / folder, run_dir / f"{folder}.old"):
        if (path / STATE_FILE).exists():
            return path
    raise CheckpointError(f"{run_dir} has no {folder} yet: the run stopped before its first one")


def read_state(run_dir: str | Path, folder: str = FOLDER) -> dict:
    """The state.json of RUN/checkpoint (or of another folder written by `write_folder`), with its "_dir"."""
    file = checkpoint_dir(run_dir, folder) / STATE_FILE
    try:
        state = json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise CheckpointError(f"cannot read {file}: {e}") from None
    state["_dir"] = str(file.parent)
    return state


def _read_verified(state: dict, name: str) -> bytes:
    file = Path(state["_dir"]) / name
    try:
        data = file.read_bytes()
    except OSError as e:
        raise CheckpointError(f"cannot read {file}: {e.strerror or e}") from None
    expected = state.get("sha256", {}).get(name)
    actual = _sha256(data)
    if expected != actual:
        raise CheckpointError(
            f"checkpoint file {file} is corrupt: its sha256 {actual[:12]}... does not match "
            f"{str(expected)[:12]}... in {STATE_FILE}; retrain, or restore the file"
        )
    return data


def _load_tensors(state: dict, name: str) -> dict[str, torch.Tensor]:
    try:
        return st_load(_read_verified(state, name))
    except SafetensorError as e:
        raise CheckpointError(f"{Path(state['_dir']) / name} is not a valid safetensors file: {e}") from None


def load_model_weights(run_dir: str | Path, model: torch.nn.Module, state: dict | None = None) -> dict:
    """Load verified weights into `model`; refuse a file whose shapes do not fit the model built from config."""
    state = state if state is not None else read_state(run_dir)
    tensors = _load_tensors(state, MODEL_FILE)
    own = model.state_dict()
    missing, unexpected = sorted(set(own) - set(tensors)), sorted(set(tensors) - set(own))
    where = Path(state["_dir"]) / MODEL_FILE
    if missing or unexpected:
        raise CheckpointError(
            f"{where} does not fit the model in config.json (missing {missing[:3]}, unexpected {unexpected[:3]})"
        )
    for name, value in tensors.items():
        if value.shape != own[name].shape:
            raise CheckpointError(
                f"{where}: {name} has shape {tuple(value.shape)} but config.json builds {tuple(own[name].shape)}"
            )
    model.load_state_dict(tensors)
    return state


def load_extra_tensors(run_dir: str | Path, state: dict) -> dict[str, torch.Tensor]:
    return _load_tensors(state, EXTRA_FILE) if EXTRA_FILE in state.get("sha256", {}) else {}


def safetensors_metadata(data: bytes) -> dict[str, str]:
    """The `__metadata__` of a safetensors file: an 8-byte little-endian header size, then a JSON header."""
    size = int.from_bytes(data[:8], "little")
    return json.loads(data[8 : 8 + size]).get("__metadata__", {})


def load_optimizer_state(run_dir: str | Path, optimizer: torch.optim.Optimizer, state: dict) -> None:
    data = _read_verified(state, OPTIMIZER_FILE)
    try:
        tensors = st_load(data)
        optimizer.load_state_dict(tensors_to_optimizer_state(tensors, safetensors_metadata(data)))
    except (SafetensorError, ValueError, KeyError) as e:
        raise CheckpointError(f"the optimizer state in {state['_dir']} does not fit this run: {e}") from None


def load_auxiliary(state: dict, auxiliary) -> None:
    """Restore an objective's own network and optimizer; refuse a checkpoint that has none or does not fit."""
    if AUXILIARY_FILE not in state.get("sha256", {}):
        raise CheckpointError(f"{state['_dir']} has no {AUXILIARY_FILE}, but this objective trains a {auxiliary.name}")
    data = _read_verified(state, AUXILIARY_FILE)
    try:
        tensors = st_load(data)
        auxiliary.module.load_state_dict({k[7:]: v for k, v in tensors.items() if k.startswith("module.")})
        opt = {k[10:]: v for k, v in tensors.items() if k.startswith("optimizer.")}
        auxiliary.optimizer.load_state_dict(tensors_to_optimizer_state(opt, safetensors_metadata(data)))
    except (SafetensorError, RuntimeError, ValueError, KeyError) as e:
        raise CheckpointError(f"the {auxiliary.name} in {state['_dir']} does not fit this run: {e}") from None
