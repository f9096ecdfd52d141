"""Time `vaelab tutorial` end to end: wall clock, peak memory, minutes per experiment, and its verdicts.

    python bench/tutorial.py [--profile quick|full|tiny] [--out DIR]
    python bench/tutorial.py --summarize DIR --wall-seconds S --peak-rss-mb M

The first form runs `vaelab tutorial --profile P --out DIR` in a child process on a fresh folder (a
folder that already holds runs would reuse them, so it is refused), measures the child's wall seconds and
peak resident memory (getrusage of the children, which counts the training workers too), then reads every
experiment's results.json for its own seconds and verdicts. The second form reads a run made elsewhere,
e.g. timed with `/usr/bin/time -v`, whose wall time and peak memory you pass in.

Prints a table and writes bench/results/tutorial-P.json (the tiny profile, a smoke run, writes to the
git-ignored bench/out) with the machine, versions and date. Targets from the issue: quick under 15 minutes,
full under 2 hours, on this 2-core CPU with full MNIST.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, SMOKE_OUT, print_table, write_result  # noqa: E402

TARGET_MINUTES = {"tiny": None, "quick": 15.0, "full": 120.0}


def run_tutorial(profile: str, out: Path) -> tuple[float, float]:
    """Run the tutorial into `out`; return (wall seconds, peak resident MB of the children)."""
    if out.exists() and any(out.iterdir()):
        sys.exit(f"error: {out} is not empty; the bench times a fresh run, so give it a new or empty --out")
    cmd = [sys.executable, "-m", "vaelab", "tutorial", "--profile", profile, "--out", str(out)]
    started = time.perf_counter()
    done = subprocess.run(cmd)
    wall = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"error: {' '.join(cmd)} exited with {done.returncode}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # kilobytes on Linux
    return wall, peak_kb / 1024


def summarize(out: Path) -> tuple[str, list[dict]]:
    """The run's profile, and per experiment: name, dataset, minutes, and each claim's verdict."""
    files = sorted(out.glob("*/results.json"), key=lambda p: p.stat().st_mtime)  # each written as it ends
    results = [json.loads(p.read_text()) for p in files]
    if not results:
        sys.exit(f"error: no */results.json under {out}; point --summarize at a tutorial's --out folder")
    profiles = {r["profile"] for r in results}
    if len(profiles) != 1:
        sys.exit(f"error: {out} mixes profiles {sorted(profiles)}; summarize one tutorial run at a time")
    return profiles.pop(), [
        {
            "experiment": r["name"],
            "dataset": r.get("dataset"),
            "minutes": round(r["seconds"] / 60, 1),
            "verdicts": [f"{c['id']} {c['verdict']}" for c in r.get("claims", [])],
        }
        for r in results
    ]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", choices=sorted(TARGET_MINUTES), default="quick", help="(--summarize reads it)")
    ap.add_argument("--out", type=Path, default=None, help="tutorial folder (default: a temporary one)")
    ap.add_argument("--summarize", type=Path, default=None, help="read this finished tutorial folder instead")
    ap.add_argument("--wall-seconds", type=float, default=None, help="with --summarize: its measured wall time")
    ap.add_argument("--peak-rss-mb", type=float, default=None, help="with --summarize: its measured peak memory")
    args = ap.parse_args()

    if args.summarize:
        if args.wall_seconds is None:
            sys.exit("error: --summarize needs --wall-seconds (the run's measured wall time)")
        folder, wall, peak, how = args.summarize, args.wall_seconds, args.peak_rss_mb, "given (/usr/bin/time -v)"
        profile, rows = summarize(folder)
    else:
        with tempfile.TemporaryDirectory() as tmp:
            folder = args.out or Path(tmp) / "tutorial"
            wall, peak = run_tutorial(args.profile, folder)
            (profile, rows), how = summarize(folder), "measured by this bench"

    target = TARGET_MINUTES[profile]
    minutes = wall / 60
    print_table(
        ["experiment", "dataset", "minutes", "verdicts"],
        [[r["experiment"], r["dataset"], f"{r['minutes']:.1f}", ", ".join(r["verdicts"])] for r in rows],
    )
    peak_text = f", peak memory {peak:.0f} MB" if peak is not None else ""
    verdict = "" if target is None else f" (target under {target:g} min: {'met' if minutes < target else 'NOT met'})"
    print(f"\n{profile} profile: {minutes:.1f} min wall{peak_text}{verdict}")
    payload = {
        "profile": profile,
        "wall_seconds": round(wall, 1),
        "peak_rss_mb": None if peak is None else round(peak),
        "timing": how,
        "target_minutes": target,
        "target_met": None if target is None else minutes < target,
        "experiments": rows,
    }
    path = write_result(f"tutorial-{profile}", payload, SMOKE_OUT if profile == "tiny" else RESULTS)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
