"""A sweep of 6 runs with 1 worker against 2 workers, in one run, on the same grid.

    python bench/sweep.py [--epochs 2] [--repeats 1]

The grid: the PyTorch examples' VAE (784-400-20, batch 128) on MNIST, beta in {0.5, 1, 2} x seed in
{0, 1}. With 1 worker the runs train one after another with all cores' threads; with 2 workers two run
side by side with cores / 2 threads each. Prints wall seconds and the speed-up, and writes
bench/results/sweep.json with the machine, versions and date.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import print_table, write_result  # noqa: E402
from vaelab.parallel.sweep import run_sweep  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1, help="alternate 1 and 2 workers this many times")
    args = ap.parse_args()
    spec = {
        "base": {"model": {"hidden": [400], "latent_dim": 20}, "train": {"epochs": args.epochs, "batch_size": 128}},
        "grid": {"objective.beta": [0.5, 1.0, 2.0], "train.seed": [0, 1]},
    }
    times: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "sweep.json"
        path.write_text(json.dumps(spec))
        for r in range(args.repeats):
            for workers in (1, 2):
                started = time.perf_counter()
                run_sweep(path, Path(tmp) / f"w{workers}-{r}", workers=workers, quiet=True)
                times[workers].append(time.perf_counter() - started)
                print(f"{workers} worker(s): {times[workers][-1]:.1f} s", file=sys.stderr)
    best = {w: min(t) for w, t in times.items()}
    speedup = best[1] / best[2]
    print_table(
        ["workers", "seconds (min)", "all"], [[w, best[w], ", ".join(f"{t:.1f}" for t in times[w])] for w in times]
    )
    print(f"\n6 runs x {args.epochs} epochs: 2 workers are {speedup:.2f}x as fast as 1 (target > 1)")
    out = write_result(
        "sweep", {"runs": 6, "epochs": args.epochs, "seconds": times, "speedup_2_over_1": speedup, "grid": spec["grid"]}
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
