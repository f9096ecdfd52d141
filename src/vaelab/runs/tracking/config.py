"""What a run streams to TensorBoard and MLflow, and the words both trackers share.

`TrackingConfig` says which trackers (`log`) and where MLflow writes; `vaelab.runs.tracking.hook` opens
them for each run. Both libraries are optional extras, imported only by the sinks (sinks.py).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from vaelab.config import check_choice, to_dict
from vaelab.errors import VaelabError

TRACKERS = ("tensorboard", "mlflow")


@dataclass(frozen=True)
class TrackingConfig:
    """Which trackers a run streams to, and where MLflow writes."""

    log: tuple[str, ...] = ()  # any of TRACKERS
    mlflow_uri: str = "mlruns"  # a folder (a local file store) or a tracking server's URI
    mlflow_experiment: str = "vaelab"

    def __post_init__(self):
        for name in self.log:
            check_choice("tracking.log", name, TRACKERS)

    def resolved(self) -> TrackingConfig:
        """The same, with a folder `mlflow_uri` made absolute: workers on other nodes or folders agree."""
        return dataclasses.replace(self, mlflow_uri=absolute_uri(self.mlflow_uri))


def absolute_uri(uri: str) -> str:
    """'mlruns' -> 'file:///abs/mlruns'; URIs with a scheme (file:, http:, sqlite:, ...) are kept."""
    if "://" in uri or uri.startswith("file:"):
        return uri
    return Path(uri).expanduser().absolute().as_uri()


def missing_tracker(name: str) -> VaelabError:
    """The one line that says how to install a tracker (each is an extra named after its package)."""
    return VaelabError(f"tracking.log {name} needs the {name} package: pip install 'vaelab[{name}]'")


def hyperparameters(cfg) -> dict[str, str | int | float | bool]:
    """A RunConfig flattened to {'model.latent_dim': 20, 'model.hidden': '[400]', ...}."""
    flat = {}
    for section, fields in to_dict(cfg).items():
        for name, value in fields.items():
            keep = isinstance(value, (str, int, float, bool))
            flat[f"{section}.{name}"] = value if keep else str(value)
    return flat
