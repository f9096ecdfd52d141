"""A trained run, back from its folder: its config and weights, on the device asked for; its data (checked
against the digest it recorded) are read only when something needs them (evaluating, reconstructing test
images, resuming), so a model loads without its dataset."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from vaelab.data import load_data
from vaelab.errors import ConfigError
from vaelab.runs.build import BuiltRun, OwnParts, RunData, assemble, build, split_data
from vaelab.runs.export_format import export_state, is_export
from vaelab.runs.folder import check_data, load_config, read_data_record
from vaelab.training.checkpoint import load_model_weights
from vaelab.training.config import RunConfig
from vaelab.training.device import resolve_device


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


def loading_device(cfg: RunConfig, device: str | torch.device | None) -> torch.device:
    """The device asked for; by default the one the run trained on when this machine has it, else the best
    one here (a run trained on a GPU loads on a CPU-only machine)."""
    if device is not None:
        return resolve_device(str(device))
    try:
        return resolve_device(cfg.train.device)
    except ConfigError:
        return resolve_device("auto")


def load_run(
    run_dir: str | Path,
    data_dir: str | None = None,
    cfg: RunConfig | None = None,
    own: OwnParts | None = None,
    device: str | torch.device | None = None,
) -> BuiltRun:
    """The run in `run_dir` with its trained weights loaded (eval mode) on `device` (see loading_device);
    `cfg` (default: the run's config.json) saves reading it when the caller has it; `own` as in run_data.
    A run whose data.json records its image shape is built without reading its data."""
    cfg = with_data_dir(cfg or load_config(run_dir), data_dir)
    where = loading_device(cfg, device)
    record = read_data_record(run_dir) or {}
    own = own or OwnParts()
    if "image_shape" in record and "training_size" in record and own.dataset is None:
        data = RunData(lambda: _read_data(run_dir, cfg, own))
        built = assemble(cfg, data, tuple(record["image_shape"]), record["training_size"], where, own)
    else:
        built = build(cfg, own=run_data(run_dir, cfg, own), device=where)
    load_model_weights(run_dir, built.model, export_state(run_dir) if is_export(run_dir) else None)
    built.model.eval()
    built.run_dir = Path(run_dir)
    return built


def _read_data(run_dir: str | Path, cfg: RunConfig, own: OwnParts):
    dataset = run_data(run_dir, cfg, own).dataset or load_data(cfg.data)
    return dataset, split_data(dataset, cfg)
