"""What a GPU changes, checked in one command (under ten minutes on one GPU); writes bench/results/gpu_check.json.

    python bench/gpu_check.py [--out DIR] [--only CHECK ...]

Each check is one small function that returns its numbers and "ok" (true, false, or null when skipped):
  training   a CUDA run in fp32, bf16 and fp16 against the CPU's fp32 test loss, same data and seed
  speed      seconds per MNIST epoch on the GPU: vaelab's loop against the fused-Adam floor (train_speed.py)
  torchrun   2 processes under torchrun (NCCL) against 1 process: the same parameters, one GPU per process
             on 2+ GPUs; on one GPU both share it with NCCL_MULTI_RANK_GPU_ENABLE=1 (NCCL 2.30+; older
             NCCL refuses, "Duplicate GPU detected": skipped), and without it vaelab's one-line refusal is
             expected; and --device cpu under torchrun on this GPU node trains on the CPU (gloo)
  sweep      a 4-run sweep in 2 local workers: each worker on its own GPU (RUN/env.json), said in one line
  ray        a Ray sweep with --gpus-per-run 0.5 (skipped when ray is not installed)
  dsprites   dSprites rendered on the GPU against the CPU: identical pixels, and the time per batch
  nll        the importance-weighted NLL's throughput (images x K per second) on the GPU, and on the CPU

Without a GPU it prints "no GPU: nothing to check", writes a JSON saying so, and exits 0. With one, it exits
1 when a check fails.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, summary, timed, write_result  # noqa: E402
from nll import nll_point, run_config  # noqa: E402
from train_speed import floor_epoch, seeded_examples_vae  # noqa: E402
from vaelab.config import from_dict  # noqa: E402
from vaelab.data import load_dataset  # noqa: E402
from vaelab.data.batches import Batches  # noqa: E402
from vaelab.data.dsprites import DSprites  # noqa: E402
from vaelab.models import ModelConfig, build_model  # noqa: E402
from vaelab.objectives import ObjectiveConfig, make_objective  # noqa: E402
from vaelab.parallel.gpus import worker_gpus  # noqa: E402
from vaelab.runs.build import build  # noqa: E402
from vaelab.runs.evaluate import evaluation_report  # noqa: E402
from vaelab.runs.train import train_run  # noqa: E402
from vaelab.training.config import RunConfig, TrainConfig  # noqa: E402
from vaelab.training.device import gpu_count  # noqa: E402
from vaelab.training.distributed import MULTI_RANK  # noqa: E402
from vaelab.training.trainer import fit  # noqa: E402

NAME = "gpu_check"
GPU = "cuda"  # the device the in-process checks run on (the first GPU torch sees)
NO_GPU = "no GPU: nothing to check"
SEED = 0
TRAINING = {  # the CPU's and the GPU's runs: 10,000 MNIST images, 3 epochs of the 784-400-20 VAE
    "data": {"dataset": "mnist", "subset": 10_000, "val_size": 1000},
    "model": {"hidden": [400], "latent_dim": 20},
    "train": {"epochs": 3, "batch_size": 128, "seed": SEED},
}
LOSS_GAP = {"fp32": 0.01, "bf16": 0.03, "fp16": 0.03}  # relative test-loss gap to the CPU's fp32 run, at most
SPEED_TARGET = 1.10  # vaelab's epoch within 1.10x of the fused floor (train_speed.py's target on the CPU)
SPEED_EPOCHS = 3  # timed epochs per contender, after one warm-up epoch each
SMALL = ["--dataset", "mnist", "--subset", "1000", "--val-size", "100", "--hidden", "64", "--latent-dim", "4"]
SMALL += ["--epochs", "1", "--batch-size", "64", "--quiet"]
TORCHRUN_TOLERANCE = 1e-4  # max |parameter difference|, 2 processes against 1 (GPU reductions differ in order)
REFUSAL = "NCCL needs one GPU per process"  # vaelab's line when a node has fewer GPUs than processes
DSPRITES_BATCHES, DSPRITES_BATCH = 20, 256
NLL_GPU, NLL_CPU = (1000, 200), (100, 20)  # (K, test images)


def gpu_names() -> list[str]:
    return [torch.cuda.get_device_name(i) for i in range(gpu_count())]


def synced(fn):
    """fn, then wait for the GPU: a wall time that includes the kernels fn queued."""
    return lambda: (fn(), torch.cuda.synchronize())[0]


def env_device(run_dir: Path) -> str | None:
    return json.loads((run_dir / "env.json").read_text()).get("device")


def python_m(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m ARGS` in a new process (with `env` added to the environment), its output captured."""
    env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, timeout=600, env=env)


def check_training(work: Path) -> dict:
    """A CUDA run in fp32, bf16 and fp16 against the CPU's fp32 test loss on the same data and seed."""

    def held_out_loss(device: str, precision: str) -> float:
        train = {**TRAINING["train"], "device": device, "precision": precision}
        cfg = from_dict(RunConfig, {**TRAINING, "train": train})
        built = train_run(cfg, work / f"{device}-{precision}", quiet=True, existing="replace")
        return float(evaluation_report(built)["loss"])

    cpu = held_out_loss("cpu", "fp32")
    runs = {}
    for precision, gap in LOSS_GAP.items():
        if precision == "bf16" and not torch.cuda.is_bf16_supported():
            runs[precision] = {"ok": None, "skipped": "this GPU has no bfloat16"}
            continue
        started = time.perf_counter()
        loss = held_out_loss(GPU, precision)
        seen = abs(loss - cpu) / cpu
        ok = seen <= gap and env_device(work / f"{GPU}-{precision}").startswith(GPU)
        seconds = round(time.perf_counter() - started, 2)
        runs[precision] = {"test_loss": loss, "relative_gap": seen, "at_most": gap, "seconds": seconds, "ok": ok}
    return {"cpu_test_loss": cpu, "runs": runs, "ok": all(r["ok"] is not False for r in runs.values())}


def check_speed(work: Path) -> dict:
    """Seconds per MNIST epoch on the GPU: vaelab's `fit` against the fused-Adam floor (train_speed.py)."""
    device = torch.device(GPU)
    ds = load_dataset("mnist")
    premade = list(Batches(ds.train_images, 128, seed=SEED, device=device).epoch(0))
    floor = synced(floor_epoch(seeded_examples_vae().to(device), premade, fused=True))
    torch.manual_seed(SEED)
    model = build_model(ModelConfig(hidden=(400,), latent_dim=20), ds.image_shape)
    objective = make_objective(ObjectiveConfig(), "vae", "bernoulli", 1, len(ds.train_images))
    train = Batches(ds.train_images, 128, seed=SEED, device=device)
    cfg = TrainConfig(epochs=1, batch_size=128, device=GPU)
    times = {"vaelab": [], "floor": []}
    for _ in range(SPEED_EPOCHS + 1):  # interleaved; the first of each is a warm-up
        times["vaelab"].append(fit(model, objective, train, None, cfg, quiet=True)[0]["seconds"])
        started = time.perf_counter()
        floor()
        times["floor"].append(time.perf_counter() - started)
    results = {name: summary(t[1:]) for name, t in times.items()}
    ratio = results["vaelab"]["median"] / results["floor"]["median"]
    ok = ratio <= SPEED_TARGET
    return {"seconds_per_epoch": results, "vaelab_over_floor": ratio, "target": SPEED_TARGET, "ok": ok}


def torchrun(out: Path, processes: int, *flags: str, env: dict | None = None) -> subprocess.CompletedProcess:
    launcher = ["torch.distributed.run", "--standalone", "--nproc_per_node", str(processes)]
    return python_m(*launcher, "-m", "vaelab", "train", *SMALL, *flags, "--out", str(out), env=env)


def max_difference(a: Path, b: Path) -> float:
    x, y = (load_file(run / "checkpoint" / "model.safetensors") for run in (a, b))
    return max((x[k].double() - y[k].double()).abs().max().item() for k in x)


def nccl_against_one(work: Path) -> dict:
    """2 NCCL processes against 1 process, same global batch and seed: one GPU each on 2+ GPUs; on one GPU
    both on it, which NCCL allows from 2.30 with NCCL_MULTI_RANK_GPU_ENABLE=1 (older NCCL refuses)."""
    shared = {} if gpu_count() >= 2 else {MULTI_RANK: "1"}
    one = python_m("vaelab", "train", *SMALL, "--out", str(work / "one"))
    two = torchrun(work / "two", 2, env=shared)
    result = {"shared_gpu": bool(shared), "returncode": two.returncode, "stderr": two.stderr[-500:]}
    if one.returncode == two.returncode == 0:
        diff = max_difference(work / "one", work / "two")
        result.update(max_parameter_difference=diff, at_most=TORCHRUN_TOLERANCE)
        return {**result, "ok": diff < TORCHRUN_TOLERANCE}
    if shared and "Duplicate GPU" in two.stderr:
        return {**result, "ok": None, "skipped": "this torch's NCCL refuses two ranks on one GPU (before 2.30)"}
    return {**result, "ok": False}


def check_torchrun(work: Path) -> dict:
    """NCCL (nccl_against_one); on one GPU, vaelab's one-line refusal of 2 processes when ranks may not share
    it; and --device cpu under torchrun on this GPU node: gloo, on the CPU."""
    cpu = torchrun(work / "cpu", 2, "--device", "cpu")
    device_cpu = {"returncode": cpu.returncode, "stderr": cpu.stderr[-500:]}
    device_cpu["ok"] = cpu.returncode == 0 and env_device(work / "cpu") == "cpu"
    result = {"gpus": gpu_count(), "device_cpu": device_cpu, "nccl": nccl_against_one(work)}
    if gpu_count() == 1:
        refused = torchrun(work / "refused", 2, env={MULTI_RANK: "0"})
        ok = refused.returncode != 0 and REFUSAL in refused.stderr
        result["one_gpu_refusal"] = {"expected": REFUSAL, "stderr": refused.stderr[-500:], "ok": ok}
    verdicts = [part["ok"] for part in result.values() if isinstance(part, dict)]
    return {**result, "ok": all(v is not False for v in verdicts)}


def sweep_file(work: Path) -> Path:
    spec = {"base": {"data": {"dataset": "mnist", "subset": 1000, "val_size": 100}, "train": {"epochs": 1}}}
    spec["grid"] = {"train.seed": [0, 1, 2, 3]}
    (work / "sweep.json").write_text(json.dumps(spec))
    return work / "sweep.json"


def run_devices(out: Path) -> list[str | None]:
    return sorted(env_device(run) for run in (out / "runs").iterdir())


def check_sweep(work: Path) -> dict:
    """A 4-run sweep in 2 local workers: the workers' GPUs round-robin (RUN/env.json), said in one line."""
    work.mkdir(parents=True, exist_ok=True)
    done = python_m("vaelab", "sweep", str(sweep_file(work)), "--workers", "2", "--out", str(work / "out"))
    expected = sorted(set(worker_gpus(2, gpu_count())))
    devices = run_devices(work / "out") if done.returncode == 0 else []
    said = f"sweep: 2 workers over {len(expected)} GPU" in done.stderr
    ok = done.returncode == 0 and sorted(set(devices)) == expected and said
    return {"returncode": done.returncode, "devices": devices, "expected": expected, "said": said, "ok": ok}


def check_ray(work: Path) -> dict:
    """A Ray sweep with --gpus-per-run 0.5: two runs share a GPU; each trains on CUDA."""
    if importlib.util.find_spec("ray") is None:
        return {"ok": None, "skipped": "ray is not installed (pip install 'vaelab[ray]')"}
    work.mkdir(parents=True, exist_ok=True)
    flags = ["--backend", "ray", "--address", "local", "--gpus-per-run", "0.5", "--out", str(work / "out")]
    done = python_m("vaelab", "sweep", str(sweep_file(work)), *flags)
    devices = run_devices(work / "out") if done.returncode == 0 else []
    ok = done.returncode == 0 and bool(devices) and all(str(d).startswith("cuda") for d in devices)
    return {"returncode": done.returncode, "devices": devices, "stderr": done.stderr[-500:], "ok": ok}


def check_dsprites(work: Path) -> dict:
    """dSprites batches rendered on the GPU against the CPU: identical pixels, and milliseconds per batch."""
    data = DSprites(resolution=64)
    rng = np.random.default_rng(SEED)
    batches = [data.sample_factors(DSPRITES_BATCH, rng) for _ in range(DSPRITES_BATCHES)]
    same = all(torch.equal(data.render(f), data.render(f, GPU).cpu()) for f in batches)
    ways = {
        "cpu": lambda f: data.render(f),
        "cpu_then_copy": lambda f: data.render(f).to(GPU),
        "gpu": lambda f: data.render(f, GPU),
    }
    ms = {}
    for way, render in ways.items():
        times = [timed(synced(lambda f=f, render=render: render(f)), 1)[0] for f in batches]
        ms[way] = 1e3 * statistics.median(times)
    return {"batch": DSPRITES_BATCH, "batches": DSPRITES_BATCHES, "identical": same, "median_ms": ms, "ok": same}


def check_nll(work: Path) -> dict:
    """The importance-weighted NLL estimate's throughput (image-samples per second), GPU and CPU, on Burda et
    al.'s network untrained (its cost does not depend on the weights; bench/nll.py --rate on the CPU)."""
    cfg = run_config("vae", SEED, 0)
    points = {}
    for name, device, (samples, images) in (("gpu", GPU, NLL_GPU), ("cpu", "cpu", NLL_CPU)):
        built = build(cfg, device=device)
        nll_point(built, 10, 10)  # warm-up
        points[name] = nll_point(built, samples, images)
    ok = all(math.isfinite(p["nll"]) for p in points.values())
    return {**points, "gpu_over_cpu_rate": points["gpu"]["rate"] / points["cpu"]["rate"], "ok": ok}


CHECKS = {
    "training": check_training,
    "speed": check_speed,
    "torchrun": check_torchrun,
    "sweep": check_sweep,
    "ray": check_ray,
    "dsprites": check_dsprites,
    "nll": check_nll,
}


def run_check(name: str, work: Path) -> dict:
    """One check, timed; an exception is its failure, recorded in one line."""
    started = time.perf_counter()
    print(f"gpu_check: {name} ...", file=sys.stderr, flush=True)
    try:
        result = CHECKS[name](work / name)
    except Exception as e:  # noqa: BLE001 (a failed check is a result; the others still run)
        result = {"ok": False, "error": f"{type(e).__name__}: {e}"}
    return {**result, "seconds": round(time.perf_counter() - started, 2)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=RESULTS, help="folder of the JSON (default: bench/results)")
    parser.add_argument("--only", nargs="+", choices=list(CHECKS), default=list(CHECKS), help="checks to run")
    args = parser.parse_args(argv)
    if gpu_count() == 0:
        print(NO_GPU)
        path = write_result(NAME, {"gpus": 0, "checked": False, "reason": NO_GPU, "checks": {}}, args.out)
        print(f"wrote {path}")
        return 0
    with tempfile.TemporaryDirectory(prefix="gpu_check-") as tmp:
        checks = {name: run_check(name, Path(tmp)) for name in args.only}
    passed = all(c["ok"] is not False for c in checks.values())
    payload = {"gpus": gpu_count(), "gpu_names": gpu_names(), "cuda": torch.version.cuda, "checked": True}
    path = write_result(NAME, {**payload, "passed": passed, "checks": checks}, args.out)
    for name, check in checks.items():
        verdict = {True: "ok", False: "FAILED", None: "skipped"}[check["ok"]]
        print(f"{name:10s} {verdict:8s} {check['seconds']:7.1f} s  {check.get('error') or check.get('skipped') or ''}")
    print(f"wrote {path}")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
