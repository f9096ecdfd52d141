"""What a run folder holds, asked in one place: nothing, another run, or this config's run at some stage."""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path

from vaelab.config import to_dict
from vaelab.runs.folder import load_config
from vaelab.training.checkpoint import read_state
from vaelab.training.config import RunConfig


class RunState(enum.Enum):
    EMPTY = "empty"  # no run: no config.json, or none that can be read
    FOREIGN = "foreign"  # a run of another config
    STARTED = "started"  # this config, stopped before its first checkpoint
    UNFINISHED = "unfinished"  # this config, with a checkpoint to continue from
    FINISHED = "finished"  # this config, trained to its last epoch or stopped early (train.early_stop, a callback)


def run_state(run_dir: str | Path, cfg: RunConfig) -> RunState:
    """What `run_dir` holds of `cfg`. Configs compare as dataclasses, so a config.json written before a field
    was added (it reads back with that field's default) is the same config; where the data files are looked
    for (data.data_dir) and the signals that stop it (train.stop_signals) are not part of a run's identity."""
    try:
        held = load_config(run_dir)
    except Exception:  # noqa: BLE001 - missing or unreadable: no run to reuse
        return RunState.EMPTY
    if _identity(held) != _identity(cfg):
        return RunState.FOREIGN
    try:
        finished = read_state(run_dir).get("finished", False)
    except Exception:  # noqa: BLE001 - no checkpoint, or none that can be trusted: nothing to continue from
        return RunState.STARTED
    return RunState.FINISHED if finished else RunState.UNFINISHED


def differences(run_dir: str | Path, cfg: RunConfig, most: int = 3) -> str:
    """Where the run in `run_dir` differs from `cfg`, for a message: 'train.epochs 3 (here 5), ...'."""
    held, given = to_dict(_identity(load_config(run_dir))), to_dict(_identity(cfg))
    found = [
        f"{section}.{name} {held[section][name]} (here {value})"
        for section, fields in given.items()
        for name, value in fields.items()
        if held[section].get(name) != value
    ]
    return ", ".join(found[:most]) + (f" and {len(found) - most} more" if len(found) > most else "")


def _identity(cfg: RunConfig) -> RunConfig:
    return dataclasses.replace(
        cfg,
        data=dataclasses.replace(cfg.data, data_dir=None),
        train=dataclasses.replace(cfg.train, stop_signals=()),
    )
