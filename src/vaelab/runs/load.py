"""A trained run, back from its folder: its config, its data (checked against the digest it recorded) and
its weights."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from vaelab.data import load_data
from vaelab.runs.build import BuiltRun, OwnParts, build
from vaelab.runs.folder import check_data, load_config, read_data_record
from vaelab.training.checkpoint import load_model_weights
from vaelab.training.config import RunConfig


def with_data_dir(cfg: RunConfig, data_dir: str | None) -> RunConfig:
    """`cfg` reading its dataset files from `data_dir` (None: where it did)."""
    if data_dir is None:
        return cfg
    return dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, data_dir=data_dir))


def run_data(run_dir: str | Path, cfg: RunConfig, own: OwnParts | None = None) -> OwnParts:
    """What a run folder is built with: your `own` data, or for your own data on disk the files at the
    absolute path RUN/data.json records; either way checked against the digest recorded there."""
    own = own or OwnParts()
    record = read_data_record(run_dir)
    if own.dataset is None and record and record.get("path"):
        data = dataclasses.replace(cfg.data, dataset=record["path"])
        own = dataclasses.replace(own, dataset=load_data(data))
    if own.dataset is not None:
        check_data(run_dir, own.dataset)
    return own


def load_run(
    run_dir: str | Path, data_dir: str | None = None, cfg: RunConfig | None = None, own: OwnParts | None = None
) -> BuiltRun:
    """The run in `run_dir` with its trained weights loaded (eval mode); `cfg` (default: the run's
    config.json) saves reading it when the caller has it; `own` as in run_data."""
    cfg = with_data_dir(cfg or load_config(run_dir), data_dir)
    built = build(cfg, own=run_data(run_dir, cfg, own))
    load_model_weights(run_dir, built.model)
    built.model.eval()
    built.run_dir = Path(run_dir)
    return built
