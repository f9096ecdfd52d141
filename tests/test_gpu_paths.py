"""Where runs train on a GPU machine, tested here with the GPU faked (torch.cuda.is_available, device_count,
set_device and the process group monkeypatched): each local pool worker on its own GPU, --device honoured
under torchrun, and dSprites drawn on the training device with the CPU's pixels."""

from __future__ import annotations

import multiprocessing
import sys

import numpy as np
import pytest
import torch
import torch.distributed as dist

from vaelab.cli.commands import _train_device
from vaelab.cli.parser import build_parser
from vaelab.config import from_dict
from vaelab.data.dsprites import DSprites
from vaelab.data.factor_batches import FactorBatches
from vaelab.errors import ConfigError
from vaelab.parallel import gpus, jobs, pool
from vaelab.runs.build import build
from vaelab.runs.folder import prepare_run_dir
from vaelab.training import distributed
from vaelab.training.config import RunConfig, TrainConfig
from vaelab.training.device import resolve_device


def fake_gpus(monkeypatch, count: int) -> list[int]:
    """Make torch see `count` CUDA GPUs; returns the list set_device calls are recorded in."""
    chosen: list[int] = []
    monkeypatch.setattr(torch.cuda, "is_available", lambda: count > 0)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: count)
    monkeypatch.setattr(
        torch.cuda, "set_device", lambda d: chosen.append(d if isinstance(d, int) else torch.device(d).index)
    )
    return chosen


def small_cfg(device: str = "auto") -> RunConfig:
    return from_dict(
        RunConfig,
        {
            "data": {"dataset": "digits", "val_size": 100},
            "model": {"hidden": [16], "latent_dim": 2},
            "train": {"epochs": 1, "device": device},
        },
    )


# --- the local pool: worker i -> cuda:(i mod GPUs) ---------------------------------------------------------


def test_workers_take_the_visible_gpus_round_robin():
    assert gpus.worker_gpus(4, 2) == ("cuda:0", "cuda:1", "cuda:0", "cuda:1")
    assert gpus.worker_gpus(2, 4) == ("cuda:0", "cuda:1")
    assert gpus.worker_gpus(3, 1) == ("cuda:0",) * 3
    assert gpus.worker_gpus(4, 0) == ()


@pytest.mark.parametrize(
    "device, expected",
    [("auto", "cuda:1"), ("cuda", "cuda:1"), ("cpu", None), ("mps", None), ("cuda:0", None), ("cuda:3", None)],
)
def test_a_job_trains_on_its_workers_gpu_unless_its_config_names_a_device(device, expected):
    assert gpus.job_device(device, "cuda:1") == expected
    assert gpus.job_device(device, None) is None  # a worker without a GPU: the config's own device


def test_the_pool_pins_gpus_only_when_a_job_would_train_on_cuda(monkeypatch):
    fake_gpus(monkeypatch, 2)
    assert gpus.pool_gpus(4, ["auto", "cpu"]) == ("cuda:0", "cuda:1", "cuda:0", "cuda:1")
    assert gpus.pool_gpus(4, ["cpu", "cuda:1"]) == ()
    fake_gpus(monkeypatch, 0)
    assert gpus.pool_gpus(4, ["auto"]) == ()
    assert gpus.gpu_line("sweep", ("cuda:0", "cuda:1", "cuda:0", "cuda:1")) == (
        "sweep: 4 workers over 2 GPUs (cuda:0, cuda:1)"
    )
    assert gpus.gpu_line("sweep", ("cuda:0", "cuda:0")) == "sweep: 2 workers over 1 GPU (cuda:0)"


class InProcessPool:
    """multiprocessing's spawn Pool, in this process: each 'worker' runs the initializer once (its GPU is
    kept as the worker's state), then job k runs on worker k mod processes."""

    def __init__(self, processes, initializer, initargs):
        self.workers = []
        for _ in range(processes):
            initializer(*initargs)
            self.workers.append(gpus._own_gpu)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def imap_unordered(self, fn, payloads):
        for k, job in enumerate(payloads):
            gpus._own_gpu = self.workers[k % len(self.workers)]
            yield fn(job)

    def close(self):
        pass

    def join(self):
        pass


SPAWN = multiprocessing.get_context("spawn")


class InProcessContext:
    """The spawn context (its shared values and arrays), with its Pool run in this process."""

    Pool = InProcessPool

    def __getattr__(self, name):
        return getattr(SPAWN, name)


def test_a_sweep_on_two_gpus_puts_each_worker_on_its_own_and_says_so(monkeypatch, tmp_path, capsys):
    chosen = fake_gpus(monkeypatch, 2)
    monkeypatch.setattr(gpus, "_own_gpu", None)
    monkeypatch.setattr(pool.multiprocessing, "get_context", lambda kind: InProcessContext())
    monkeypatch.setattr(pool.torch, "set_num_threads", lambda n: None)  # this process's threads stay as they are
    monkeypatch.setattr(pool, "follow", lambda stop: None)  # nor do its signal handlers (a worker's, for good)
    trained = {}

    def fake_train_run(cfg, run_dir, *, device=None, **options):
        trained[run_dir] = (cfg.train.device, device)

    monkeypatch.setattr(jobs, "train_run", fake_train_run)
    devices = ["auto", "cuda", "auto", "auto", "cpu", "cuda:1"]
    todo = [(small_cfg(d), tmp_path / f"r{i}") for i, d in enumerate(devices)]
    pool.train_jobs(todo, workers=4, desc="sweep", argv=["vaelab", "sweep"])
    assert "sweep: 4 workers over 2 GPUs (cuda:0, cuda:1)" in capsys.readouterr().err
    assert chosen == [0, 1, 0, 1]  # each worker made its GPU the current device
    by_run = [trained[str(tmp_path / f"r{i}")] for i in range(len(devices))]
    assert by_run == [  # job k on worker k mod 4; cpu and an explicit cuda:1 as their configs say
        ("auto", "cuda:0"),
        ("cuda", "cuda:1"),
        ("auto", "cuda:0"),
        ("auto", "cuda:1"),
        ("cpu", None),
        ("cuda:1", None),
    ]


def test_a_job_passes_its_device_to_the_run_and_env_json_records_it(tmp_path):
    """The device a worker gives a job reaches build, and RUN/env.json records where it trained (the CPU
    here: a real GPU cannot be faked this far)."""
    built = build(small_cfg("auto"), device="cpu")
    assert built.device == torch.device("cpu")
    prepare_run_dir(tmp_path / "run", built.cfg, ["vaelab"], built.device)
    assert '"device": "cpu"' in (tmp_path / "run" / "env.json").read_text()


def test_an_explicit_gpu_index_is_a_valid_device_and_must_exist(monkeypatch):
    assert TrainConfig(device="cuda:1").device == "cuda:1"
    with pytest.raises(ConfigError, match="train.device must be one of auto, cpu, cuda, mps or cuda:N"):
        TrainConfig(device="gpu1")
    fake_gpus(monkeypatch, 2)
    assert resolve_device("cuda:1") == torch.device("cuda", 1)
    with pytest.raises(ConfigError, match="torch sees 2 CUDA GPU"):
        resolve_device("cuda:2")


# --- torchrun: --device honoured -------------------------------------------------------------------------


def fake_torchrun(monkeypatch, local_rank: int, gpu_count: int) -> dict:
    """WORLD_SIZE 2 and LOCAL_RANK in the environment, `gpu_count` fake GPUs, and a process group that
    records its backend instead of joining one."""
    group: dict = {}
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("LOCAL_RANK", str(local_rank))
    group["set_device"] = fake_gpus(monkeypatch, gpu_count)
    monkeypatch.setattr(dist, "is_initialized", lambda: "backend" in group)
    monkeypatch.setattr(dist, "init_process_group", lambda backend: group.update(backend=backend))
    monkeypatch.setattr(dist, "get_backend", lambda *a: group["backend"])
    return group


@pytest.mark.parametrize("device, backend, gpu", [("cpu", "gloo", None), ("auto", "nccl", 1), ("cuda", "nccl", 1)])
def test_under_torchrun_the_device_chooses_the_backend_and_the_gpu(monkeypatch, device, backend, gpu):
    group = fake_torchrun(monkeypatch, local_rank=1, gpu_count=2)
    assert distributed.init_from_env(device)
    assert group["backend"] == backend
    assert group["set_device"] == ([] if gpu is None else [gpu])
    expected = None if gpu is None else torch.device("cuda", gpu)
    assert distributed.local_device(device) == expected


def test_device_cpu_under_torchrun_on_a_gpu_node_builds_on_the_cpu(monkeypatch):
    fake_torchrun(monkeypatch, local_rank=1, gpu_count=2)
    distributed.init_from_env("cpu")
    assert build(small_cfg("cpu")).device == torch.device("cpu")


def test_more_processes_than_gpus_is_one_line_unless_nccl_may_share_a_gpu(monkeypatch):
    fake_torchrun(monkeypatch, local_rank=1, gpu_count=1)
    monkeypatch.delenv(distributed.MULTI_RANK, raising=False)
    with pytest.raises(ConfigError, match="NCCL needs one GPU per process") as error:
        distributed.init_from_env("auto")
    assert "\n" not in str(error.value)
    group = fake_torchrun(monkeypatch, local_rank=1, gpu_count=1)
    monkeypatch.setenv(distributed.MULTI_RANK, "1")  # NCCL 2.30+: both ranks on cuda:0
    distributed.init_from_env("auto")
    assert group["set_device"] == [0] and distributed.local_device("auto") == torch.device("cuda", 0)


def test_vaelab_train_reads_the_device_from_its_flags_or_the_resumed_run(tmp_path):
    parser = build_parser()
    args = parser.parse_args(["train", "--dataset", "digits", "--device", "cpu", "--out", str(tmp_path / "a")])
    assert _train_device(args) == "cpu"
    prepare_run_dir(tmp_path / "b", small_cfg("cuda:1"), ["vaelab"])
    assert _train_device(parser.parse_args(["train", "--resume", str(tmp_path / "b")])) == "cuda:1"


# --- dSprites on the training device ---------------------------------------------------------------------


@pytest.mark.parametrize("resolution", [64, 32])
def test_dsprites_drawn_by_torch_on_a_device_has_the_cpu_pixels(resolution):
    """The device path (torch tensors made on the given device) run here on the CPU, against numpy."""
    data = DSprites(resolution=resolution)
    rng = np.random.default_rng(7)
    corners = [[0, 5, 5, 0, 0], [0, 5, 5, 31, 31], [2, 5, 10, 0, 31], [1, 5, 15, 31, 0], [2, 0, 39, 16, 16]]
    factors = np.concatenate([data.sample_factors(3000, rng), corners])
    on_device = data.render(factors, device="cpu")
    assert on_device.dtype == torch.float32 and on_device.shape == (len(factors), 1, resolution, resolution)
    assert torch.equal(on_device, data.render(factors))
    assert torch.equal(data.observations_on(factors, "cpu"), data.sample_observations_from_factors(factors))


def test_factor_batches_draw_on_the_training_device_when_it_is_not_the_cpu(monkeypatch):
    data = DSprites(resolution=32)
    asked = []
    real = data.observations_on
    monkeypatch.setattr(data, "observations_on", lambda f, device: asked.append(device) or real(f, "cpu"))
    batches = FactorBatches(data, 64, 32, seed=1)
    factors = batches.factors(0, 0)
    host = batches.observations(factors, np.random.default_rng(0))
    assert asked == []  # on the CPU: numpy, as before
    batches.device = torch.device("cuda")  # what build gives a run on a GPU (only the device's name is used)
    assert torch.equal(batches.observations(factors, np.random.default_rng(0)), host)
    assert asked == [torch.device("cuda")]


if __name__ == "__main__":
    sys.exit(pytest.main([__file__]))
