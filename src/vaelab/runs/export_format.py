"""How an exported model folder (vaelab.runs.export) is told apart from a run folder, and its weights verified."""

from __future__ import annotations

import json
from pathlib import Path

from vaelab.training.checkpoint import MODEL_FILE

INFO_FILE = "vaelab.json"  # the vaelab version, the source run, and the weights' sha256


def is_export(path: str | Path) -> bool:
    """Whether `path` is an exported model folder (weights at its top level, no checkpoint)."""
    return (Path(path) / INFO_FILE).exists() and (Path(path) / MODEL_FILE).exists()


def export_state(path: str | Path) -> dict:
    """What `load_model_weights` takes to read and verify an exported folder's weights."""
    info = json.loads((Path(path) / INFO_FILE).read_text())
    return {"_dir": str(path), "sha256": {MODEL_FILE: info["sha256"]}}
