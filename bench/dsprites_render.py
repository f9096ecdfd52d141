"""How fast the procedural dSprites renders a batch (target: 256 images at 64x64 in under 20 ms).

    PYTHONPATH=src python bench/dsprites_render.py [--repeats 50]

Times `DSprites.sample_observations_from_factors` (what training and the metrics call) on fresh random
factors for each repeat, prints min and median per batch, and writes bench/results/dsprites_render.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch

from vaelab.data.dsprites import DSprites

RESULTS = Path(__file__).resolve().parent / "results"
CASES = ((256, 64), (256, 32), (1024, 64), (64, 64))  # (batch, resolution)
TARGET_SECONDS = 0.020  # 256 at 64x64


def environment() -> dict:
    return {
        "machine": platform.machine(),
        "processor": platform.processor() or _cpu_model(),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "numpy": np.__version__,
        "torch_threads": torch.get_num_threads(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "load_average": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
    }


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def time_case(batch: int, resolution: int, repeats: int, seed: int = 0) -> dict:
    data = DSprites(resolution=resolution)
    rng = np.random.default_rng(seed)
    batches = [data.sample_factors(batch, rng) for _ in range(repeats + 3)]
    for factors in batches[:3]:  # warm-up
        data.sample_observations_from_factors(factors)
    times = []
    for factors in batches[3:]:
        start = time.perf_counter()
        data.sample_observations_from_factors(factors)
        times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    return {
        "batch": batch,
        "resolution": resolution,
        "repeats": repeats,
        "min_ms": 1e3 * best,
        "median_ms": 1e3 * median,
        "images_per_s_median": batch / median,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args()
    rows = [time_case(batch, resolution, args.repeats) for batch, resolution in CASES]
    print("| batch | resolution | min (ms) | median (ms) | images/s (median) |")
    print("|------:|-----------:|---------:|------------:|------------------:|")
    for r in rows:
        print(
            f"| {r['batch']} | {r['resolution']} | {r['min_ms']:.2f} | {r['median_ms']:.2f} | "
            f"{r['images_per_s_median']:,.0f} |"
        )
    target = next(r for r in rows if (r["batch"], r["resolution"]) == (256, 64))
    met = target["median_ms"] < 1e3 * TARGET_SECONDS
    verdict = "met" if met else "MISSED"
    print(f"target: 256 at 64x64 under {1e3 * TARGET_SECONDS:.0f} ms (median) -> {verdict}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / "dsprites_render.json"
    payload = {"environment": environment(), "target_ms": 1e3 * TARGET_SECONDS, "target_met": met, "results": rows}
    out.write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
