"""Command-line flags generated from the dataclass configs, and a parser whose errors fit on one line.

Every field of DataConfig, ModelConfig, ObjectiveConfig and TrainConfig becomes a flag (`latent_dim` ->
`--latent-dim`; a field may name its own flag, e.g. ModelConfig.kind -> `--model`). Precedence:
the dataclass defaults, then `--config FILE` (JSON or YAML, sections data/model/objective/train, the
same shape as a run's config.json), then the flags given.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import typing

from vaelab.config import from_dict, load_file
from vaelab.errors import ConfigError
from vaelab.parallel.pool import BACKENDS
from vaelab.parallel.ray_backend import RayConfig
from vaelab.runs.tracking.config import TRACKERS, TrackingConfig, tracking_for
from vaelab.training.config import RunConfig

SECTIONS = {f.name: f.type for f in dataclasses.fields(RunConfig)}
# Settings outside RunConfig that the library names by a field, and the Python API's arguments it names in
# backticks (vaelab.errors), as the command line spells them
OTHER_FLAGS = {
    "ray.address": "--address",
    "ray.cpus_per_run": "--cpus-per-run",
    "ray.gpus_per_run": "--gpus-per-run",
    "tracking.log": "--log",
    "tracking.mlflow_uri": "--mlflow-uri",
    "`out`": "--out",
    "`force`": "--force",
    "`disentanglement`": "--disentanglement",
    "`disentanglement_protocol`": "--disentanglement-protocol",
}


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line: `vaelab train: error: ... (see --help)`, exit 2."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def flag_name(field: dataclasses.Field) -> str:
    return "--" + (field.metadata.get("flag") or field.name).replace("_", "-")


def flag_words(message: str) -> str:
    """A library message in the command line's words: `train.lr` -> `--lr`, `out` (backticked) -> `--out`."""
    flags = {**{f"{section}.{name}": flag for section, name, flag in _config_flags()}, **OTHER_FLAGS}
    return re.sub(r"`\w+`|\b[a-z]+\.[a-z_]+\b", lambda m: flags.get(m.group(0), m.group(0)), message)


def _config_flags() -> list[tuple[str, str, str]]:
    """(section, field, flag) for every field of RunConfig's sections."""
    return [
        (section, f.name, flag_name(f)) for section, cls in _section_classes().items() for f in dataclasses.fields(cls)
    ]


def _section_classes() -> dict[str, type]:
    hints = typing.get_type_hints(RunConfig)
    return {name: hints[name] for name in SECTIONS}


def add_config_flags(parser: argparse.ArgumentParser, choices: dict[str, list[str]] | None = None) -> None:
    """Add one flag per config field (defaults suppressed, so only flags given are seen)."""
    choices = choices or {}
    for section, cls in _section_classes().items():
        group = parser.add_argument_group(f"{section} settings")
        hints = typing.get_type_hints(cls)
        defaults = cls()
        for f in dataclasses.fields(cls):
            hint = hints[f.name]
            default = getattr(defaults, f.name)
            shown = (" ".join(map(str, default)) or "none") if isinstance(default, tuple) else default
            kwargs: dict = {
                "dest": f"{section}.{f.name}",
                "default": argparse.SUPPRESS,
                "metavar": f.name.upper(),
                "help": f"{f.metadata.get('help', '')} (default: {shown})",
            }
            allowed = choices.get(f.name) or f.metadata.get("choices")
            if allowed:
                kwargs.update(choices=list(allowed), metavar="{" + ",".join(map(str, allowed)) + "}")
            if hint is bool:
                kwargs.update(action=argparse.BooleanOptionalAction, metavar=None)
            elif typing.get_origin(hint) is tuple:
                kwargs.update(nargs="+", type=typing.get_args(hint)[0])
            else:
                inner = [a for a in typing.get_args(hint) if a is not type(None)]
                kwargs["type"] = inner[0] if inner else hint
            group.add_argument(flag_name(f), **kwargs)


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """Defaults, overlaid by --config FILE, overlaid by the flags given."""
    data: dict = load_file(args.config) if getattr(args, "config", None) else {}
    for key, value in vars(args).items():
        if "." in key:
            section, name = key.split(".", 1)
            data.setdefault(section, {})
            if not isinstance(data[section], dict):
                data[section] = {}
            data[section][name] = value
    return from_dict(RunConfig, data)


def add_common(parser: argparse.ArgumentParser, data_dir: bool = True, seed: bool = False) -> None:
    """--quiet, and where the command reads data, --data-dir (and --seed for commands that sample)."""
    parser.add_argument("--quiet", action="store_true", help="no progress bars or per-epoch lines")
    if data_dir:
        parser.add_argument("--data-dir", default=None, help="folder searched first for dataset files")
    if seed:
        parser.add_argument("--seed", type=int, default=0, help="random seed for the noise this command draws")


def add_device(parser: argparse.ArgumentParser) -> None:
    """--device for commands that load a trained run."""
    parser.add_argument(
        "--device",
        default=None,
        help="where the model runs: cpu, cuda, cuda:1, mps or auto (default: the device it trained on if this "
        "machine has it, else the best one here)",
    )


def add_backend_flags(parser: argparse.ArgumentParser) -> None:
    """--backend local|ray and where and with what each run trains on Ray."""
    group = parser.add_argument_group("where runs train")
    group.add_argument(
        "--backend",
        choices=BACKENDS,
        default="local",
        help="local: --workers processes on this machine (default); ray: one Ray task per run "
        "(pip install 'vaelab[ray]')",
    )
    group.add_argument(
        "--address",
        default=None,
        metavar="auto|HOST:PORT|local",
        help="Ray cluster: auto (the running one), HOST:PORT, or local (a new one here); default: $RAY_ADDRESS, "
        "else the cluster `ray start` began on this machine, else a new local one",
    )
    group.add_argument(
        "--cpus-per-run", type=float, default=1.0, metavar="N", help="CPUs Ray reserves for each run (default: 1)"
    )
    group.add_argument(
        "--gpus-per-run", type=float, default=0.0, metavar="G", help="GPUs Ray reserves for each run (default: 0)"
    )


def ray_config(args: argparse.Namespace) -> RayConfig | None:
    """The RayConfig the flags ask for; None for the local backend (which refuses the Ray-only flags)."""
    if args.backend != "ray":
        given = [f for f, v in (("--address", args.address), ("--gpus-per-run", args.gpus_per_run)) if v]
        if given or args.cpus_per_run != 1.0:
            raise ConfigError(f"{', '.join(given) or '--cpus-per-run'} applies to --backend ray only")
        return None
    return RayConfig(args.address, args.cpus_per_run, args.gpus_per_run)


def add_tracking_flags(parser: argparse.ArgumentParser) -> None:
    """--log tensorboard|mlflow (repeatable) and where MLflow writes."""
    group = parser.add_argument_group("experiment tracking")
    group.add_argument(
        "--log",
        action="append",
        choices=TRACKERS,
        default=None,
        help="stream per-epoch metrics, the config and image grids to tensorboard (RUN/tensorboard) or mlflow; "
        "repeatable (pip install 'vaelab[tensorboard]' / 'vaelab[mlflow]')",
    )
    group.add_argument(
        "--mlflow-uri",
        default=None,
        metavar="URI",
        help="where MLflow writes: a tracking server's or database's URI, or a folder (a file store); "
        "default: $MLFLOW_TRACKING_URI, else MLflow's own default",
    )
    group.add_argument(
        "--mlflow-experiment",
        default=None,
        metavar="NAME",
        help="MLflow experiment name (default: $MLFLOW_EXPERIMENT_NAME, else vaelab)",
    )


def tracking_config(args: argparse.Namespace) -> TrackingConfig | None:
    return tracking_for(args.log, args.mlflow_uri, args.mlflow_experiment)
