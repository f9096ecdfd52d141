"""Typed, frozen dataclass configs: the shared machinery.

Each part of vaelab keeps its own config next to the code that uses it (`DataConfig` in `vaelab.data`,
`ModelConfig` in `vaelab.models`, ...). This module gives them what they share:

- `option(default, help)`: a field with a help text (the CLI turns every field into a flag);
- `to_dict` / `from_dict`: an exact JSON round trip, refusing unknown keys with a did-you-mean;
- `check_choices` / `check_range`: validation that names the field and the allowed values (the allowed
  values of a field are its `option(choices=...)`, declared once);
- `load_file`: JSON or YAML config files.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import types
import typing
from pathlib import Path
from typing import Any

from vaelab.errors import ConfigError


def option(default: Any, help: str, choices: tuple | None = None, flag: str | None = None) -> Any:
    """A dataclass field with a help text (and allowed values) that the CLI shows.

    The CLI flag is `--field-name` unless `flag` names another (e.g. ModelConfig.kind is `--model`).
    """
    meta = {"help": help, "choices": choices, "flag": flag}
    if isinstance(default, (list, dict, set)):
        raise TypeError("configs are frozen: use a tuple default")
    return dataclasses.field(default=default, metadata=meta)


def check_choice(where: str, value: Any, choices: typing.Iterable) -> None:
    choices = list(choices)
    if value not in choices:
        allowed = ", ".join(str(c) for c in choices)
        raise ConfigError(f"{where} must be one of {allowed} (got {value!r})")


def check_choices(cfg: Any, section: str) -> None:
    """Refuse a field of `cfg` whose value is not among its `option(choices=...)`, named `section.field` (a
    tuple field: each of its items)."""
    for f in dataclasses.fields(cfg):
        if f.metadata.get("choices"):
            value = getattr(cfg, f.name)
            for item in value if isinstance(value, tuple) else (value,):
                check_choice(f"{section}.{f.name}", item, f.metadata["choices"])


def check_range(
    where: str,
    value: float | None,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> None:
    """Refuse `value` outside [low, high] (or the open ends), NaN and infinity included."""
    if value is None:
        return
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where} must be a finite number (got {value})")
    if low is not None and (value < low or (low_open and value == low)):
        sign = ">" if low_open else ">="
        raise ConfigError(f"{where} must be {sign} {low} (got {value})")
    if high is not None and (value > high or (high_open and value == high)):
        sign = "<" if high_open else "<="
        raise ConfigError(f"{where} must be {sign} {high} (got {value})")


def to_dict(cfg: Any) -> dict:
    """A config as plain JSON-ready data (tuples become lists)."""
    out = {}
    for f in dataclasses.fields(cfg):
        value = getattr(cfg, f.name)
        if dataclasses.is_dataclass(value):
            value = to_dict(value)
        elif isinstance(value, tuple):
            value = list(value)
        out[f.name] = value
    return out


def unknown_key_error(where: str, key: str, known: typing.Iterable[str]) -> ConfigError:
    known = sorted(known)
    close = difflib.get_close_matches(key, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known keys: {', '.join(known)}"
    return ConfigError(f"unknown config key {where}{key!r}{hint}")


def from_dict(cls: type, data: dict, where: str = "") -> Any:
    """Build `cls` from plain data, coercing lists to tuples and refusing unknown keys."""
    if not isinstance(data, dict):
        raise ConfigError(f"config section {where or cls.__name__} must be a mapping (got {type(data).__name__})")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    for key in data:
        if key not in names:
            raise unknown_key_error(where, key, names)
    kwargs = {key: _coerce(hints[key], value, f"{where}{key}") for key, value in data.items()}
    return cls(**kwargs)


def _coerce(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _coerce(inner, value, where)
    if dataclasses.is_dataclass(hint):
        return from_dict(hint, value, where + ".")
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where} must be a list (got {value!r})")
        return tuple(_coerce(args[0], v, where) for v in value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where} must be true or false (got {value!r})")
        return value
    if hint is int:
        if isinstance(value, bool) or not (isinstance(value, int) or (isinstance(value, float) and value.is_integer())):
            raise ConfigError(f"{where} must be a whole number (got {value!r})")
        return int(value)
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where} must be a number (got {value!r})")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string (got {value!r})")
        return value
    return value


def replace(cfg: Any, **changes: Any) -> Any:
    """`dataclasses.replace` that also validates (frozen configs check themselves in __post_init__)."""
    return dataclasses.replace(cfg, **changes)


def load_file(path: str | Path) -> dict:
    """Read a JSON or YAML config file into plain data."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise ConfigError(f"cannot read config file {path}: {e.strerror or e}") from None
    try:
        if path.suffix.lower() in (".yaml", ".yml"):
            import yaml

            data = yaml.safe_load(text)
        else:
            data = json.loads(text)
    except Exception as e:  # noqa: BLE001 - any parse error becomes one line
        first = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise ConfigError(f"config file {path} is not valid {path.suffix.lstrip('.') or 'JSON'}: {first}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must hold a mapping at the top level")
    return data
