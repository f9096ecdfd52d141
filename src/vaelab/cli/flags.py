"""Command-line flags generated from the dataclass configs, and a parser whose errors fit on one line.

Every field of DataConfig, ModelConfig, ObjectiveConfig and TrainConfig becomes a flag (`latent_dim` ->
`--latent-dim`; a field may name its own flag, e.g. ModelConfig.kind -> `--model`). Precedence:
the dataclass defaults, then `--config FILE` (JSON or YAML, sections data/model/objective/train, the
same shape as a run's config.json), then the flags given.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing

from vaelab.config import from_dict, load_file
from vaelab.training.config import RunConfig

SECTIONS = {f.name: f.type for f in dataclasses.fields(RunConfig)}


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line: `vaelab train: error: ... (see --help)`, exit 2."""

    def error(self, message: str) -> typing.NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def flag_name(field: dataclasses.Field) -> str:
    return "--" + (field.metadata.get("flag") or field.name).replace("_", "-")


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
