"""--log tensorboard / --log mlflow: what a run streams is read back with the libraries' own readers
(TensorBoard's EventAccumulator, mlflow.search_runs), never by grepping their files."""

from __future__ import annotations

import json
import signal

import pytest

from vaelab.cli import main
from vaelab.config import from_dict
from vaelab.errors import VaelabError
from vaelab.runs.build import build
from vaelab.runs.hooks import chain_hooks
from vaelab.runs.tracking import hook as tracking
from vaelab.runs.tracking.config import TrackingConfig
from vaelab.runs.tracking.hook import Tracking, tracking_hook
from vaelab.runs.train import train_run
from vaelab.training.config import RunConfig
from vaelab.training.sigint import Interrupted

from .builders import SignalAfterEpoch, resume
from .extras import need

ARGS = ["--dataset", "digits", "--val-size", "100", "--hidden", "32", "--latent-dim", "2", "--batch-size", "256"]
CONFIG = {
    "data": {"dataset": "digits", "val_size": 100},
    "model": {"hidden": [32], "latent_dim": 2},
    "train": {"epochs": 3, "batch_size": 256},
}


def metrics(run_dir) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines()]


def events(run_dir):
    need("tensorboard")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir / "tensorboard"), size_guidance={"scalars": 0, "images": 0})
    acc.Reload()
    return acc


def mlflow_runs(uri: str, experiment: str = "vaelab") -> list:
    need("mlflow")
    import mlflow

    mlflow.set_tracking_uri(uri)
    return mlflow.search_runs(experiment_names=[experiment], output_format="list")


def history(uri: str, run_id: str, key: str) -> list[tuple[int, float]]:
    from mlflow import MlflowClient

    return [(m.step, m.value) for m in MlflowClient(uri).get_metric_history(run_id, key)]


@pytest.fixture(scope="module")
def logged(tmp_path_factory):
    """One 2-epoch run streamed to both trackers, and the same run without them."""
    need("tensorboard"), need("mlflow")
    root = tmp_path_factory.mktemp("tracked")
    uri = (root / "mlruns").as_uri()
    both = ["--log", "tensorboard", "--log", "mlflow", "--mlflow-uri", str(root / "mlruns")]
    assert main(["train", *ARGS, "--epochs", "2", "--out", str(root / "run"), "--quiet", *both]) == 0
    assert main(["train", *ARGS, "--epochs", "2", "--out", str(root / "plain"), "--quiet"]) == 0
    return root, uri


def test_tensorboard_holds_every_epoch_the_images_and_the_config(logged):
    root, _ = logged
    acc, written = events(root / "run"), metrics(root / "run")
    assert [(s.step, s.value) for s in acc.Scalars("train/loss")] == [
        (r["epoch"], pytest.approx(r["loss"])) for r in written
    ]
    assert [s.value for s in acc.Scalars("val/kl")] == [pytest.approx(r["val_kl"]) for r in written]
    assert {"train/kl_weight", "train/seconds", "train/lr", "val/seconds"} <= set(acc.Tags()["scalars"])
    for tag in ("reconstructions", "samples"):
        assert [i.step for i in acc.Images(tag)] == [1, 2] and acc.Images(tag)[0].width > 0
    from tensorboard.plugins.hparams import plugin_data_pb2

    content = acc.PluginTagToContent("hparams")["_hparams_/session_start_info"]
    hparams = plugin_data_pb2.HParamsPluginData.FromString(content).session_start_info.hparams
    assert hparams["model.latent_dim"].number_value == 2 and hparams["data.dataset"].string_value == "digits"


def test_mlflow_holds_params_per_epoch_metrics_and_image_artifacts(logged):
    root, uri = logged
    [run] = mlflow_runs(uri)
    written = metrics(root / "run")
    assert run.info.run_name == "run" and run.info.status == "FINISHED"
    assert run.data.params["model.latent_dim"] == "2" and run.data.params["objective.beta"] == "1.0"
    assert history(uri, run.info.run_id, "train/loss") == [(r["epoch"], pytest.approx(r["loss"])) for r in written]
    assert history(uri, run.info.run_id, "val/loss")[-1][1] == pytest.approx(written[-1]["val_loss"])
    from mlflow import MlflowClient

    files = [f.path for f in MlflowClient(uri).list_artifacts(run.info.run_id, "samples")]
    assert files == ["samples/epoch001.png", "samples/epoch002.png"]


def test_logging_leaves_training_unchanged(logged):
    root, _ = logged
    drop = ("seconds", "val_seconds")
    strip = [{k: v for k, v in r.items() if k not in drop} for r in metrics(root / "run")]
    assert strip == [{k: v for k, v in r.items() if k not in drop} for r in metrics(root / "plain")]


def test_a_resumed_run_continues_the_same_logs(tmp_path):
    cfg = TrackingConfig(("tensorboard", "mlflow"), str(tmp_path / "mlruns"), "resume")
    run_dir = tmp_path / "run"
    hook = chain_hooks(tracking_hook(cfg), SignalAfterEpoch(signal.SIGINT))
    with pytest.raises(Interrupted):
        train_run(from_dict(RunConfig, CONFIG), run_dir, quiet=True, hook=hook)
    uri = cfg.resolved().mlflow_uri
    [run] = mlflow_runs(uri, "resume")
    assert run.info.status == "KILLED" and history(uri, run.info.run_id, "train/loss")[0][0] == 1
    resume(run_dir, quiet=True, hook=tracking_hook(cfg))
    [again] = mlflow_runs(uri, "resume")  # the same MLflow run, continued
    assert again.info.run_id == run.info.run_id and again.info.status == "FINISHED"
    assert [step for step, _ in history(uri, run.info.run_id, "train/loss")] == [1, 2, 3]
    assert [s.step for s in events(run_dir).Scalars("train/loss")] == [1, 2, 3]


def test_only_rank_zero_logs(tmp_path, monkeypatch):
    setup = build(from_dict(RunConfig, CONFIG))
    monkeypatch.setattr(tracking.distributed, "is_main", lambda: False)
    logger = Tracking(TrackingConfig(("tensorboard", "mlflow"), (tmp_path / "mlruns").as_uri()))(setup, tmp_path)
    logger({"epoch": 1, "loss": 1.0})
    logger.close(None)
    assert logger.sinks == [] and list(tmp_path.iterdir()) == []


def test_a_missing_tracker_is_one_line_before_anything_trains(tmp_path, monkeypatch, capsys):
    real = tracking.importlib.util.find_spec
    monkeypatch.setattr(tracking.importlib.util, "find_spec", lambda name: None if name == "mlflow" else real(name))
    with pytest.raises(VaelabError, match=r"pip install 'vaelab\[mlflow\]'"):
        tracking_hook(TrackingConfig(("mlflow",)))
    assert main(["train", *ARGS, "--out", str(tmp_path / "run"), "--log", "mlflow"]) == 1
    assert "pip install 'vaelab[mlflow]'" in capsys.readouterr().err and not (tmp_path / "run").exists()
    with pytest.raises(SystemExit, match="2"):  # not a tracker: argparse's usage error
        main(["train", *ARGS, "--out", str(tmp_path / "run"), "--log", "wandb"])


@pytest.fixture
def mlflow_env(tmp_path, monkeypatch):
    """An empty working folder and none of MLflow's settings: no MLFLOW_* variables, and no tracking URI left
    by an earlier test's reader (mlflow.set_tracking_uri sets one process-wide)."""
    need("mlflow")
    from mlflow.tracking._tracking_service import utils

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(utils, "_tracking_uri", None)
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_EXPERIMENT_NAME", "MLFLOW_ALLOW_FILE_STORE"):
        monkeypatch.setenv(name, "")  # recorded, so that what vaelab sets is undone after the test
        monkeypatch.delenv(name)
    return tmp_path


def test_mlflow_writes_where_its_environment_variables_say(mlflow_env, monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "store")  # a folder, relative to where vaelab is started
    monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", "from-env")
    assert main(["train", *ARGS, "--epochs", "1", "--out", "run", "--quiet", "--log", "mlflow"]) == 0
    uri = (mlflow_env / "store").as_uri()
    [run] = mlflow_runs(uri, "from-env")  # MLflow's reader opens the folder store vaelab asked for
    assert run.info.run_name == "run" and run.info.status == "FINISHED"
    assert json.loads((mlflow_env / "run" / "mlflow.json").read_text())["uri"] == uri  # pinned, absolute
    assert not (mlflow_env / "mlruns").exists() and not (mlflow_env / "mlflow.db").exists()


@pytest.mark.parametrize(
    "given, env, name", [(None, "from-env", "from-env"), ("given", "from-env", "given"), (None, None, "vaelab")]
)
def test_the_experiment_is_the_one_given_else_mlflows_variable_else_vaelab(monkeypatch, given, env, name):
    if env:
        monkeypatch.setenv("MLFLOW_EXPERIMENT_NAME", env)
    else:
        monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    assert TrackingConfig(("mlflow",), mlflow_experiment=given).resolved().mlflow_experiment == name


def test_a_uri_given_wins_over_mlflows_variable_and_a_folder_becomes_an_absolute_file_uri(mlflow_env, monkeypatch):
    from vaelab.runs.tracking.sinks import pinned

    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://tracking.example:5000")
    assert pinned(TrackingConfig(("mlflow",))).mlflow_uri == "http://tracking.example:5000"
    assert pinned(TrackingConfig(("mlflow",), "runs/mlruns")).mlflow_uri == (mlflow_env / "runs/mlruns").as_uri()
    assert pinned(TrackingConfig(("mlflow",), "databricks")).mlflow_uri == "databricks"  # a scheme, not a folder


def test_without_a_uri_or_variable_mlflow_uses_its_own_default_store(mlflow_env, capsys):
    import importlib.util

    code = main(["train", *ARGS, "--epochs", "1", "--out", "run", "--quiet", "--log", "mlflow"])
    if importlib.util.find_spec("sqlalchemy") is None:  # mlflow-skinny: MLflow 3's default sqlite store cannot open
        err = capsys.readouterr().err.strip()
        assert code == 1 and len(err.splitlines()) == 1 and not (mlflow_env / "run").exists()
        assert "pip install mlflow" in err and "--mlflow-uri" in err and "MLFLOW_TRACKING_URI" in err
    else:  # sqlalchemy present (vaelab's mlflow extra): MLflow's default database in the working folder
        import mlflow

        assert code == 0 and (mlflow_env / "mlflow.db").exists()
        assert mlflow.get_tracking_uri().startswith("sqlite:")  # the runs in the database, not a folder store
        [run] = mlflow_runs(mlflow.get_tracking_uri())
        assert run.info.run_name == "run"
