"""What a run streams to TensorBoard and MLflow, and the words both trackers share.

`TrackingConfig` says which trackers (`log`) and where MLflow writes; `vaelab.runs.tracking.hook` opens
them for each run. Both libraries are optional extras, imported only by the sinks (sinks.py).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from vaelab.config import check_choice, to_dict
from vaelab.errors import VaelabError

TRACKERS = ("tensorboard", "mlflow")
DEFAULT_EXPERIMENT = "vaelab"  # when neither mlflow_experiment nor $MLFLOW_EXPERIMENT_NAME names one
MLFLOW_WORDS = ("databricks", "databricks-uc", "uc")  # URIs without "://" that MLflow reads as a scheme


@dataclass(frozen=True)
class TrackingConfig:
    """Which trackers a run streams to, and where MLflow writes."""

    log: tuple[str, ...] = ()  # any of TRACKERS
    # None: MLflow's own choice ($MLFLOW_TRACKING_URI, else its default store); a folder or a file: URI (a
    # folder store, which MLflow 3 opens only when asked to: vaelab asks); or a server's or database's URI
    mlflow_uri: str | None = None
    mlflow_experiment: str | None = None  # None: $MLFLOW_EXPERIMENT_NAME, else DEFAULT_EXPERIMENT

    def __post_init__(self):
        for name in self.log:
            check_choice("tracking.log", name, TRACKERS)

    def resolved(self) -> TrackingConfig:
        """The same, with the experiment named and a folder `mlflow_uri` made absolute: workers on other nodes
        or folders agree. No `mlflow_uri` stays None: MLflow's choice, pinned by sinks.prepare_mlflow."""
        uri = absolute_uri(self.mlflow_uri) if self.mlflow_uri else None
        name = self.mlflow_experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME") or DEFAULT_EXPERIMENT
        return dataclasses.replace(self, mlflow_uri=uri, mlflow_experiment=name)


def tracking_for(log, mlflow_uri: str | None = None, mlflow_experiment: str | None = None) -> TrackingConfig | None:
    """What `--log NAME --mlflow-uri URI --mlflow-experiment NAME` (and the Python API's `log=`) ask for:
    the trackers named in `log` (a name or several; repeats dropped), None when it names none. From Python
    `log` may also be a TrackingConfig, which says where MLflow logs: `log=TrackingConfig(("mlflow",), URI)`."""
    if isinstance(log, TrackingConfig):
        return log
    names = (log,) if isinstance(log, str) else tuple(log or ())
    return TrackingConfig(tuple(dict.fromkeys(names)), mlflow_uri, mlflow_experiment) if names else None


def absolute_uri(uri: str) -> str:
    """'mlruns' -> 'file:///abs/mlruns'; URIs with a scheme (file:, http:, sqlite:, databricks, ...) are kept."""
    if "://" in uri or uri.startswith("file:") or uri in MLFLOW_WORDS:
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
