"""vaelab from Python: train, load and resume runs (sweeps, the tutorial and its experiments: api_pool.py).

    import vaelab
    run = vaelab.train(dataset="mnist", model="vae", latent_dim=20, epochs=5, out="runs/vae")
    run = vaelab.load("runs/vae")
    mu, logvar = run.encode(x)        # x: (N, C, H, W) in [0, 1]
    images = run.sample(16)

Keywords are the settings of a run's config, named as the CLI's flags (`latent_dim` is `--latent-dim`,
`model` is `--model`), and checked the same way (one-line `vaelab.errors.ConfigError`s). `dataset` is a
built-in dataset's name, a path (a folder of images, a .npz or a .npy), or images in memory: a numpy
array, a torch tensor, a pair (images, labels), or a torch Dataset. `encoder` and `decoder` are networks
of your own (their contract: `vaelab.models.custom`).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from vaelab.api_pool import experiment, run_tutorial, sweep  # noqa: F401 - vaelab.api.experiment, as before
from vaelab.config import from_dict, load_file
from vaelab.data import ImageDataset, load_data
from vaelab.data.arrays import IN_MEMORY, digest, from_memory
from vaelab.errors import ConfigError
from vaelab.run import Run
from vaelab.runs.build import OwnParts
from vaelab.runs.callbacks import Callback, callback_hook
from vaelab.runs.folder import load_config
from vaelab.runs.hooks import EpochHook, chain_hooks
from vaelab.runs.load import load_run
from vaelab.runs.tracking.config import TrackingConfig, tracking_for
from vaelab.runs.tracking.hook import tracking_hook
from vaelab.runs.train import train_run
from vaelab.training.config import RunConfig, with_settings
from vaelab.training.early_stop import load_best_weights
from vaelab.training.sigint import Interrupted

Config = RunConfig | dict | str | Path | None


def _base(config: Config) -> RunConfig:
    """A RunConfig from a RunConfig, its dict (a run's config.json), a JSON/YAML file, or the defaults."""
    if config is None:
        return RunConfig()
    if isinstance(config, RunConfig):
        return config
    if isinstance(config, dict):
        return from_dict(RunConfig, config)
    return from_dict(RunConfig, load_file(config))


def _in_memory(data: Any, cfg: RunConfig) -> ImageDataset:
    dataset = from_memory(data, cfg.data.test_fraction)
    if dataset.name != IN_MEMORY:  # an ImageDataset passed as it is: its splits kept, digested together
        images = torch.cat([dataset.train_images, dataset.test_images])
        labels = torch.cat([dataset.train_labels, dataset.test_labels])
        source = f"in memory: an ImageDataset ({dataset.name})"
        dataset = dataclasses.replace(
            dataset, name=IN_MEMORY, source=source, digest=digest(images, labels, dataset.classes)
        )
    return dataset


def _networks(settings: dict, encoder, decoder) -> dict:
    """Your own networks make model.arch "custom"; naming another arch beside them is refused."""
    if encoder is None and decoder is None:
        return settings
    if settings.get("arch", "custom") != "custom":
        raise ConfigError(f"encoder= and decoder= replace the {settings['arch']} networks: leave arch out")
    return {**settings, "arch": "custom"}


def train(
    config: Config = None,
    *,
    out: str | Path,
    dataset: Any = None,
    encoder: torch.nn.Module | None = None,
    decoder: torch.nn.Module | None = None,
    force: bool = False,
    quiet: bool = False,
    log: str | Sequence[str] | TrackingConfig = (),
    callbacks: Sequence[Callback] = (),
    **settings: Any,
) -> Run:
    """Train a model into the run folder `out` and return it as a Run.

    `config` (optional): a RunConfig, a dict shaped like config.json, or a JSON/YAML file; `settings`
    override it by name (`latent_dim=20`, `epochs=5`, `model="ae"`, `beta=4`, `early_stop=3`, ...). Data
    and networks are checked before anything is written. A run of the same settings already in `out`
    continues from its checkpoint, or is returned as it is once finished; a run of other settings is refused;
    `force` trains afresh whatever `out` holds.
    `log` streams the run to "tensorboard" and/or "mlflow" as `--log` does (MLflow where $MLFLOW_TRACKING_URI
    says, or give `log=TrackingConfig(("mlflow",), URI, EXPERIMENT)` from vaelab.runs.tracking.config);
    `callbacks` are your `vaelab.Callback`s, called after every
    step and epoch in this process (see vaelab.runs.callbacks).
    """
    hook = _hook(log, callbacks)  # a missing tracker: refused before training
    if isinstance(dataset, (str, Path)):
        settings["dataset"] = str(dataset)
    settings = _networks(settings, encoder, decoder)
    cfg = with_settings(_base(config), **settings)
    data = None
    if dataset is not None and not isinstance(dataset, (str, Path)):
        data = _in_memory(dataset, cfg)
        cfg = with_settings(cfg, dataset=IN_MEMORY)
    given = ", ".join(f"{k}={v!r}" for k, v in settings.items())
    argv = ["python", "-c", f"vaelab.train(out={str(out)!r}, {given}{', dataset=...' if data else ''})"]
    with _resumable(out):
        own = OwnParts(data, encoder, decoder)
        built = train_run(cfg, out, own=own, argv=argv, quiet=quiet, hook=hook, existing=_existing(force))
    return Run(built)


def _hook(log, callbacks) -> EpochHook | None:
    """The trackers `log` names, as `--log` opens them, then your callbacks."""
    tracking = tracking_hook(tracking_for(log))
    return chain_hooks(tracking, callback_hook(callbacks))


def _existing(force: bool) -> str:
    return "replace" if force else "reuse"  # an unfinished run of these settings continues, as on the CLI


@contextlib.contextmanager
def _resumable(out: str | Path):
    """An interrupted run says how to continue it from Python."""
    try:
        yield
    except Interrupted as e:
        raise Interrupted(f"{e}; vaelab.resume({str(out)!r}) continues it", e.run_dir, e.signum) from None


def _own(cfg: RunConfig, dataset: Any, encoder, decoder) -> OwnParts:
    if dataset is None:
        data = None
    elif isinstance(dataset, (str, Path)):  # your data, moved: found at their new place, checked by digest
        data = load_data(dataclasses.replace(cfg.data, dataset=str(dataset)))
    else:
        data = _in_memory(dataset, cfg)
    return OwnParts(data, encoder, decoder)


def load(
    path: str | Path,
    *,
    dataset: Any = None,
    encoder: torch.nn.Module | None = None,
    decoder: torch.nn.Module | None = None,
    data_dir: str | None = None,
    device: str | torch.device | None = None,
    best: bool = False,
) -> Run:
    """A trained run from its folder, on `device` (default: the one it trained on if this machine has it, else
    the best one here). The model loads without its data: they are read when first needed (`evaluate`,
    `images`, resuming). Your own data on disk are then found where the run recorded them and checked against
    its digest; data passed in memory (or moved) must be given again as `dataset`, and your own networks as
    `encoder` and `decoder` (fresh instances: the checkpoint restores their weights). `best`: the weights
    of the epoch with the lowest validation loss (RUN/best, kept by runs trained with `early_stop`) in place
    of the last epoch's."""
    cfg = load_config(path)
    built = load_run(path, data_dir, cfg, _own(cfg, dataset, encoder, decoder), device=device)
    if best:
        load_best_weights(path, built.model)
    return Run(built)


def resume(
    path: str | Path,
    *,
    dataset: Any = None,
    encoder: torch.nn.Module | None = None,
    decoder: torch.nn.Module | None = None,
    quiet: bool = False,
    log: str | Sequence[str] | TrackingConfig = (),
    callbacks: Sequence[Callback] = (),
) -> Run:
    """Continue an interrupted run from its last checkpoint (`vaelab train --resume`; a run stopped before
    its first checkpoint starts over; a finished one, stopped early or not, trains nothing more); `dataset`,
    `encoder` and `decoder` as in `load`; `log` and `callbacks` as in `train`."""
    cfg = load_config(path)
    hook = _hook(log, callbacks)
    with _resumable(path):
        own = _own(cfg, dataset, encoder, decoder)
        train_run(cfg, path, own=own, quiet=quiet, hook=hook, existing="continue")
    return load(path, dataset=dataset, encoder=encoder, decoder=decoder)
