"""How fast the procedural dSprites renders a batch (target: 256 images at 64x64 in under 20 ms).

    python bench/dsprites_render.py [--repeats 50]

Times `DSprites.sample_observations_from_factors` (what training and the metrics call) on fresh random
factors for each repeat, prints min and median per batch, and writes bench/results/dsprites_render.json.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import print_table, write_result  # noqa: E402
from vaelab.data.dsprites import DSprites  # noqa: E402

CASES = ((256, 64), (256, 32), (1024, 64), (64, 64))  # (batch, resolution)
TARGET_SECONDS = 0.020  # 256 at 64x64


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
    print_table(
        ["batch", "resolution", "min (ms)", "median (ms)", "images/s (median)"],
        [[r["batch"], r["resolution"], r["min_ms"], r["median_ms"], round(r["images_per_s_median"])] for r in rows],
    )
    target = next(r for r in rows if (r["batch"], r["resolution"]) == (256, 64))
    met = target["median_ms"] < 1e3 * TARGET_SECONDS
    verdict = "met" if met else "MISSED"
    print(f"target: 256 at 64x64 under {1e3 * TARGET_SECONDS:.0f} ms (median) -> {verdict}")
    out = write_result("dsprites_render", {"target_ms": 1e3 * TARGET_SECONDS, "target_met": met, "results": rows})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
