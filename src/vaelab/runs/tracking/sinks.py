"""The two tracking sinks behind vaelab.runs.tracking.hook: TensorBoard (torch.utils.tensorboard) and MLflow.

A sink is opened with (TrackingConfig, the run's RunConfig, run folder, epochs already done or None for a
fresh run) and has two methods: `log_epoch(scalars, images, epoch)` and `close(error)`. Each imports its
library when opened, so vaelab runs without either; a missing one is one line saying how to install it.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import torch

from vaelab.errors import VaelabError
from vaelab.runs.tracking.config import TrackingConfig, absolute_uri, hyperparameters, missing_tracker
from vaelab.training.config import RunConfig
from vaelab.training.sigint import Interrupted
from vaelab.viz.grid import image_grid, save_grid

MLFLOW_RUN_FILE = "mlflow.json"  # in the run folder: the MLflow run a resumed run keeps logging to
MLFLOW_BATCH = 100  # params per log_batch request (MLflow's limit)
DATABASES = ("sqlite", "postgresql", "mysql", "mssql")  # MLflow's SQLAlchemy stores (MLflow 3's default: sqlite)


class TensorBoardSink:
    """Scalars, images and hyperparameters in RUN/tensorboard, read by `tensorboard --logdir`."""

    def __init__(self, tracking: TrackingConfig, cfg: RunConfig, run_dir: Path, resume_epoch: int | None):
        try:
            from torch.utils.tensorboard import SummaryWriter
            from torch.utils.tensorboard.summary import hparams
        except ImportError:
            raise missing_tracker("tensorboard") from None
        log_dir = Path(run_dir) / "tensorboard"
        if resume_epoch is None:
            shutil.rmtree(log_dir, ignore_errors=True)  # a run trained afresh starts a fresh log
        # purge_step: TensorBoard drops what an interrupted run logged after the epoch it resumes from
        self.writer = SummaryWriter(str(log_dir), purge_step=None if resume_epoch is None else resume_epoch + 1)
        self.hparams = hparams(hyperparameters(cfg), {"val/loss": 0.0, "train/loss": 0.0})
        if resume_epoch is None:
            experiment, session_start, _ = self.hparams
            self.writer.file_writer.add_summary(experiment)
            self.writer.file_writer.add_summary(session_start)
        self.writer.add_text("config", "```\n" + json.dumps(hyperparameters(cfg), indent=1) + "\n```", 0)

    def log_epoch(self, scalars: dict[str, float], images: dict[str, tuple[torch.Tensor, int]], epoch: int) -> None:
        for tag, value in scalars.items():
            self.writer.add_scalar(tag, value, epoch)
        for tag, (batch, nrow) in images.items():
            grid = image_grid(batch, nrow)  # (H, W) or (H, W, C)
            self.writer.add_image(tag, grid, epoch, dataformats="HW" if grid.ndim == 2 else "HWC")
        self.writer.flush()  # a killed run keeps every epoch it finished

    def close(self, error: BaseException | None) -> None:
        if error is None:
            self.writer.file_writer.add_summary(self.hparams[2])  # session end: success
        self.writer.close()


class MlflowSink:
    """One MLflow run per run folder: params, per-epoch metrics, image artifacts, and its end status."""

    def __init__(self, tracking: TrackingConfig, cfg: RunConfig, run_dir: Path, resume_epoch: int | None):
        tracking = pinned(tracking)  # as prepare_mlflow pinned it (unless the sink is opened on its own)
        self.client = mlflow_client(tracking.mlflow_uri)
        self.run_file = Path(run_dir) / MLFLOW_RUN_FILE
        self.run_id = self._previous_run(tracking) if resume_epoch is not None else None
        if self.run_id is None:
            self.run_id = self._new_run(tracking, cfg, Path(run_dir))
        else:
            self.client.update_run(self.run_id, status="RUNNING")

    def _previous_run(self, tracking: TrackingConfig) -> str | None:
        try:
            saved = json.loads(self.run_file.read_text())
            if saved["uri"] == tracking.mlflow_uri:
                return self.client.get_run(saved["run_id"]).info.run_id
        except Exception:  # noqa: BLE001 - no file, another store, or a deleted run: start a new MLflow run
            pass
        return None

    def _new_run(self, tracking: TrackingConfig, cfg: RunConfig, run_dir: Path) -> str:
        from mlflow.entities import Param

        experiment_id = _experiment_id(self.client, tracking.mlflow_experiment)
        tags = {"vaelab.run_dir": str(run_dir.absolute())}
        run_id = self.client.create_run(experiment_id, tags=tags, run_name=run_dir.name).info.run_id
        params = [Param(k, str(v)) for k, v in hyperparameters(cfg).items()]
        for i in range(0, len(params), MLFLOW_BATCH):
            self.client.log_batch(run_id, params=params[i : i + MLFLOW_BATCH])
        self.run_file.write_text(json.dumps({"uri": tracking.mlflow_uri, "run_id": run_id}) + "\n")
        return run_id

    def log_epoch(self, scalars: dict[str, float], images: dict[str, tuple[torch.Tensor, int]], epoch: int) -> None:
        from mlflow.entities import Metric

        now = int(time.time() * 1000)
        self.client.log_batch(self.run_id, metrics=[Metric(k, v, now, epoch) for k, v in scalars.items()])
        with tempfile.TemporaryDirectory() as tmp:
            for name, (batch, nrow) in images.items():
                path = save_grid(Path(tmp) / f"epoch{epoch:03d}.png", batch, nrow=nrow)
                self.client.log_artifact(self.run_id, str(path), artifact_path=name)

    def close(self, error: BaseException | None) -> None:
        interrupted = isinstance(error, (KeyboardInterrupt, Interrupted))
        status = "FINISHED" if error is None else "KILLED" if interrupted else "FAILED"
        self.client.set_terminated(self.run_id, status=status)


def pinned(tracking: TrackingConfig) -> TrackingConfig:
    """`tracking` resolved, with its store explicit so that every worker logs to the same one: the
    `mlflow_uri` given, else MLflow's own choice ($MLFLOW_TRACKING_URI, else its default), a folder made an
    absolute file: URI."""
    try:
        import mlflow
    except ImportError:
        raise missing_tracker("mlflow") from None
    tracking = tracking.resolved()
    return dataclasses.replace(tracking, mlflow_uri=tracking.mlflow_uri or absolute_uri(mlflow.get_tracking_uri()))


def mlflow_client(uri: str):
    """A client of the tracking store `uri` (a pinned one: see `pinned`)."""
    if uri.startswith("file:"):
        # a folder store was asked for: MLflow 3 keeps it in maintenance mode and opens it only when allowed
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    try:
        from mlflow import MlflowClient
    except ImportError:
        raise missing_tracker("mlflow") from None
    return MlflowClient(tracking_uri=uri)


def prepare_mlflow(tracking: TrackingConfig) -> TrackingConfig:
    """`tracking` pinned, its experiment created once before runs start in parallel (workers racing to create
    it in a folder store could make two experiments of the same name); a store MLflow cannot open is one line."""
    tracking = pinned(tracking)
    from mlflow.exceptions import MlflowException

    try:
        _experiment_id(mlflow_client(tracking.mlflow_uri), tracking.mlflow_experiment)
    except MlflowException as e:
        raise unusable_store(tracking.mlflow_uri, e) from None
    return tracking


def unusable_store(uri: str, error: Exception) -> VaelabError:
    """MLflow's many-line refusal of a store, as one line that says what to do instead."""
    if uri.split(":", 1)[0].split("+")[0] in DATABASES and importlib.util.find_spec("sqlalchemy") is None:
        why = "a database store needs the full mlflow package (pip install mlflow), not mlflow-skinny"
    else:
        why = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
    return VaelabError(
        f"MLflow cannot open the tracking store {uri}: {why}; "
        "give tracking.mlflow_uri (a tracking server's URI, or a folder) or set MLFLOW_TRACKING_URI"
    )


def _experiment_id(client, name: str) -> str:
    """The id of experiment `name`, created if missing (two workers may race to create it: one wins)."""
    found = client.get_experiment_by_name(name)
    if found is not None:
        return found.experiment_id
    try:
        return client.create_experiment(name)
    except Exception:  # noqa: BLE001 - created meanwhile by another process
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return found.experiment_id


SINKS = {"tensorboard": TensorBoardSink, "mlflow": MlflowSink}
