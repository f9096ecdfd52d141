"""The self-describing run folder: the files written before training starts, and reading them back.

RUN/config.json        the RunConfig, exactly (vaelab.config.to_dict)
RUN/argv.txt           the command line (or Python call) that made it
RUN/env.json           versions, machine, device, date
RUN/data.json          the data's image shape, classes and size; your own data's path and sha256 digest
RUN/metrics.jsonl      one JSON line per epoch (vaelab.training.history)
RUN/checkpoint/        weights, optimizer and RNG state, position (vaelab.training.checkpoint)
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import shlex
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

from vaelab.atomic import atomic_write_text
from vaelab.config import from_dict, to_dict
from vaelab.data.arrays import IN_MEMORY
from vaelab.data.dataset import ImageDataset
from vaelab.errors import CheckpointError, DataError, VaelabError
from vaelab.training.config import RunConfig
from vaelab.training.history import METRICS_FILE
from vaelab.version import __version__


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment(device: str | torch.device | None = None) -> dict:
    """What produced a result: versions, machine, device, date."""
    return {
        "vaelab": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu": cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.is_available(),
        "device": str(device) if device is not None else None,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def prepare_run_dir(path: str | Path, cfg: RunConfig, argv: list[str] | None, device=None, force: bool = False) -> Path:
    """Create RUN and write config.json, argv.txt and env.json; refuse to overwrite a run unless `force`."""
    path = Path(path)
    if (path / "config.json").exists() and not force:
        raise VaelabError(f"{path} already holds a run; choose another `out` folder, or overwrite it with `force`")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as e:
        reason = e.strerror or e
        raise VaelabError(f"cannot write to run folder {path}: {reason}; choose a writable `out` folder") from None
    if force:
        (path / METRICS_FILE).unlink(missing_ok=True)
        for name in ("checkpoint", "checkpoint.old", "checkpoint.tmp", "best", "best.old", "best.tmp"):
            shutil.rmtree(path / name, ignore_errors=True)
    atomic_write_text(path / "config.json", json.dumps(to_dict(cfg), indent=2) + "\n")
    atomic_write_text(path / "argv.txt", shlex.join(argv if argv is not None else sys.argv) + "\n")
    atomic_write_text(path / "env.json", json.dumps(environment(device), indent=2) + "\n")
    return path


def load_config(path: str | Path) -> RunConfig:
    path = Path(path)
    file = path / "config.json"
    if not file.exists():
        raise CheckpointError(
            f"{path} is not a vaelab run folder (no config.json); pass the `out` folder a run was trained into"
        )
    try:
        data = json.loads(file.read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise CheckpointError(f"cannot read {file}: {e}") from None
    return from_dict(RunConfig, data)


def recorded_argv(path: str | Path) -> list[str] | None:
    """The command recorded in RUN/argv.txt (None if there is none)."""
    file = Path(path) / "argv.txt"
    return shlex.split(file.read_text()) if file.exists() else None


def record_data(path: str | Path, dataset: ImageDataset, training_size: int) -> None:
    """RUN/data.json: what the model was trained on, so that the run loads without its data (image shape,
    channels, classes, the training-set size its objective was built for), and, for your own data, where they
    were read and their sha256 digest (built-in sets are found by name and carry no digest)."""
    record = {
        "dataset": dataset.name,
        "source": dataset.source,
        "path": None if dataset.name == IN_MEMORY or not dataset.digest else dataset.source,
        "sha256": dataset.digest or None,
        "images": len(dataset.train_images) + len(dataset.test_images),
        "image_shape": list(dataset.image_shape),
        "classes": list(dataset.classes),
        "training_size": int(training_size),
    }
    atomic_write_text(Path(path) / "data.json", json.dumps(record, indent=2) + "\n")


def read_data_record(path: str | Path) -> dict | None:
    file = Path(path) / "data.json"
    return json.loads(file.read_text()) if file.exists() else None


def check_data(path: str | Path, dataset: ImageDataset) -> None:
    """Refuse data whose digest differs from the one recorded when the run was trained."""
    record = read_data_record(path)
    if record is None or not record.get("sha256") or record["sha256"] == dataset.digest:
        return
    raise DataError(
        f"the data changed since {path} was trained: {record['source']} had sha256 {record['sha256'][:16]}..., "
        f"now {dataset.source} has {(dataset.digest or 'none')[:16]}...; restore them, or train a new run"
    )
