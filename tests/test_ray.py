"""Sweeps and experiments on Ray: a local Ray cluster (2 CPUs, started once for the module) trains the same
runs as the local pool, to the same test losses; a failing task names its run and keeps the others; a
sweep whose driver was interrupted resumes, skipping the runs that finished."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from vaelab.cli import main
from vaelab.errors import VaelabError
from vaelab.parallel.ray_backend import RayConfig
from vaelab.parallel.sweep import expand, read_sweep, run_sweep
from vaelab.runs.state import RunState, run_state
from vaelab.runs.tracking.config import TrackingConfig
from vaelab.training.checkpoint import read_state
from vaelab.tutorial.context import Context, group_configs, train_groups

from .extras import need

BASE = {
    "data": {"dataset": "digits", "val_size": 100},
    "model": {"hidden": [32], "latent_dim": 2},
    "train": {"epochs": 1, "batch_size": 256, "threads": 1},  # one thread in a pool worker and a Ray task alike
}
GRID = {"objective.beta": [0.5, 2.0], "train.seed": [0, 1]}


@pytest.fixture(scope="module")
def ray_cluster():
    need("ray")
    import ray

    # address="local": a Ray instance of its own, whatever RAY_ADDRESS or `ray start` left on this machine
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()


def write(tmp_path, grid, base=BASE, name="sweep.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps({"base": base, "grid": grid}))
    return str(path)


def rows(summary: dict) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "train_seconds"} for r in summary["runs"]]


def test_a_sweep_on_ray_equals_the_local_pool(ray_cluster, tmp_path, monkeypatch):
    path = write(tmp_path, GRID)
    tensorboard = TrackingConfig(("tensorboard",))
    local = run_sweep(path, tmp_path / "local", workers=2, quiet=True, tracking=tensorboard)
    uri = (tmp_path / "mlruns").as_uri()
    on_ray = run_sweep(path, tmp_path / "ray", ray=RayConfig(), quiet=True, tracking=TrackingConfig(("mlflow",), uri))
    assert on_ray["backend"] == "ray" and local["backend"] == "local" and on_ray["trained"] == 4
    assert rows(on_ray) == rows(local)  # the same test losses, to the last bit, on the CPU
    assert on_ray["configs"] == local["configs"] and len(rows(local)) == 4
    import mlflow

    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 reads a folder store only when asked to
    mlflow.set_tracking_uri(uri)  # each Ray task streamed its run to MLflow
    runs = mlflow.search_runs(experiment_names=["vaelab"], output_format="list")
    assert sorted(r.info.run_name for r in runs) == sorted(r["run"] for r in local["runs"])
    assert all(any((tmp_path / "local" / "runs" / r["run"] / "tensorboard").iterdir()) for r in local["runs"])


def test_a_failing_task_names_its_run_and_the_others_are_kept(ray_cluster, tmp_path, capsys):
    # digits has 1,500 training images: val_size 5000 passes the config check but fails in the task
    path = write(tmp_path, {"data.val_size": [100, 5000], "train.seed": [0, 1]})
    out = tmp_path / "out"
    with pytest.raises(VaelabError, match=r"2 of 4 runs failed on Ray.*valsize5000-seed0: ConfigError: data.val_size"):
        run_sweep(path, out, ray=RayConfig())
    assert "[2/4]" in capsys.readouterr().err  # the two good runs were reported as they finished
    for name, _, cfg in expand(read_sweep(path)):
        assert (run_state(out / "runs" / name, cfg) is RunState.FINISHED) == name.startswith("valsize100")


def test_an_interrupted_sweep_on_ray_resumes_skipping_finished_runs(ray_cluster, tmp_path):
    base = {**BASE, "train": {**BASE["train"], "epochs": 1}}
    path = write(tmp_path, {"train.epochs": [1, 150], "train.seed": [0, 1]}, base)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "vaelab", "sweep", path, "--out", str(out), "--backend", "ray"]
    driver = subprocess.Popen([*cmd, "--address", ray_cluster], stderr=subprocess.PIPE, text=True)
    fast = [out / "runs" / f"epochs1-seed{s}" for s in (0, 1)]
    deadline = time.monotonic() + 120
    while not all(_finished(f) for f in fast):
        assert driver.poll() is None and time.monotonic() < deadline, driver.stderr.read() if driver.poll() else ""
        time.sleep(0.1)
    driver.send_signal(signal.SIGINT)  # Ctrl-C while the two long runs train
    assert driver.wait(timeout=60) == 130, driver.stderr.read()
    stamps = {f: os.stat(f / "checkpoint" / "state.json").st_mtime_ns for f in fast}
    unfinished = [f for f in (out / "runs").iterdir() if not _finished(f)]
    assert unfinished  # the interrupt stopped at least one long run (one may end in the grace for returning tasks)
    summary = run_sweep(path, out, ray=RayConfig(), quiet=True)
    assert summary["trained"] == len(unfinished)  # only the interrupted runs trained again
    assert {f: os.stat(f / "checkpoint" / "state.json").st_mtime_ns for f in fast} == stamps
    assert [r["run"] for r in summary["runs"] if r["test_loss"] > 0] == [r["run"] for r in summary["runs"]]
    assert all(_finished(out / "runs" / r["run"]) for r in summary["runs"])


def test_experiment_runs_train_on_ray(ray_cluster, tmp_path):
    tensorboard = TrackingConfig(("tensorboard",))
    ctx = Context(tmp_path, "tiny", seeds=2, dataset="digits", quiet=True, ray=RayConfig(), tracking=tensorboard)
    sections = {"data": {"val_size": 100}, "model": {"hidden": [32], "latent_dim": 2}, "train": {"epochs": 2}}
    trained = train_groups(ctx, {"vae": group_configs(ctx, "vae", **sections)})["vae"]
    assert [s.cfg.train.seed for s in trained] == [0, 1] and all(_finished(s.run_dir) for s in trained)
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    for setup in trained:  # each run streamed its epochs from its Ray task
        acc = EventAccumulator(str(setup.run_dir / "tensorboard"))
        acc.Reload()
        assert [s.step for s in acc.Scalars("train/loss")] == [1, 2]


def test_tutorial_and_experiment_take_the_backend_and_the_trackers(tmp_path, monkeypatch):
    from vaelab.tutorial import run as tutorial

    seen = {}
    monkeypatch.setattr(tutorial, "run_tutorial", lambda out, **kw: seen.update(kw) or tmp_path / "index.html")
    monkeypatch.setattr(tutorial, "run_experiment", lambda name, ctx: seen.update(ctx=ctx) or tmp_path)
    flags = ["--backend", "ray", "--address", "auto", "--cpus-per-run", "2", "--log", "tensorboard", "--log", "mlflow"]
    assert main(["tutorial", "--out", str(tmp_path), *flags]) == 0
    assert seen["ray"] == RayConfig("auto", 2.0, 0.0) and seen["tracking"].log == ("tensorboard", "mlflow")
    assert main(["experiment", "generation", "--out", str(tmp_path), *flags, "--gpus-per-run", "0.5"]) == 0
    assert seen["ctx"].ray == RayConfig("auto", 2.0, 0.5) and seen["ctx"].tracking == seen["tracking"]


def test_the_ray_backend_without_ray_is_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails, as without the extra
    path = write(tmp_path, {"objective.beta": [1.0]})
    assert main(["sweep", path, "--out", str(tmp_path / "out"), "--backend", "ray", "--quiet"]) == 1
    assert "pip install 'vaelab[ray]'" in capsys.readouterr().err


def test_ray_flags_need_the_ray_backend(tmp_path, capsys):
    path = write(tmp_path, {"objective.beta": [1.0]})
    assert main(["sweep", path, "--out", str(tmp_path / "out"), "--address", "auto"]) == 2
    assert "--backend ray" in capsys.readouterr().err and not (tmp_path / "out").exists()


def _finished(run_dir) -> bool:
    try:
        return bool(read_state(run_dir).get("finished"))
    except VaelabError:
        return False


def test_an_interrupt_cancels_only_the_tasks_still_running():
    """A task that returns within the grace period is left to return: cancelling a task whose reply is on
    its way aborts Ray 2.60's driver (the race this guards against)."""
    from vaelab.parallel import ray_backend as ray_pool

    class FakeRay:  # three tasks: "done" has returned, "returning" ends within the grace, "long" trains on
        def __init__(self):
            self.cancelled, self.waits = [], []

        def wait(self, refs, num_returns, timeout):
            self.waits.append((list(refs), timeout))
            ready = [r for r in refs if r != "long"] if not self.cancelled else list(refs)
            return ready, [r for r in refs if r not in ready]

        def cancel(self, ref, force):
            self.cancelled.append((ref, force))

    fake = FakeRay()
    assert ray_pool._cancel(fake, ["done", "returning", "long"]) == ["long"]
    assert fake.cancelled == [("long", True)]
    assert fake.waits == [
        (["done", "returning", "long"], ray_pool.RETURNING_WAIT_SECONDS),
        (["long"], ray_pool.CANCEL_WAIT_SECONDS),
    ]
    assert ray_pool._cancel(FakeRay(), []) == []
