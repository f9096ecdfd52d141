"""Time `vaelab tutorial` end to end: wall clock, peak memory, cost in floor-epochs, minutes and verdicts.

    python bench/tutorial.py [--profile quick|full|tiny] [--out DIR] [--seed S]
    python bench/tutorial.py --summarize DIR --wall-seconds S --peak-rss-mb M [--floor-seconds F]

The first form runs `vaelab tutorial --profile P --out DIR` in a child process on a fresh folder (a
folder that already holds runs would reuse them, so it is refused), measures the child's wall seconds and
peak resident memory (getrusage of the children, which counts the training workers too), then reads every
experiment's results.json for its own seconds and verdicts. The second form reads a run made elsewhere,
e.g. timed with `/usr/bin/time -v`, whose wall time and peak memory you pass in.

The cost is stated in floor-epochs: wall seconds / seconds of one epoch of the fused-Adam floor
(`bench/train_speed.py`), which this bench measures in the same session, 3 epochs before the tutorial and
3 after (the median of the 6), because this VM's speed drifts 1.6x between days. Budgets: quick at most
400 floor-epochs, full at most 2,700.

Prints a table and writes bench/results/tutorial-P.json (the tiny profile, a smoke run, writes to the
git-ignored bench/out) with the machine, versions and date.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, SMOKE_OUT, print_table, write_result  # noqa: E402
from train_speed import floor_seconds  # noqa: E402

BUDGET_FLOOR_EPOCHS = {"tiny": None, "quick": 400.0, "full": 2700.0}
FLOOR_EPOCHS_TIMED = 3  # before and after the run
TIMING = "bench-timing.json"  # written into the timed tutorial's folder


def run_tutorial(profile: str, out: Path, seed: int = 0, resume: bool = False) -> tuple[float, float]:
    """Run the tutorial into `out`; return (wall seconds, peak resident MB of the children). With `resume`, a
    folder that holds part of a run is continued (its finished runs are reused) instead of refused."""
    if out.exists() and any(out.iterdir()) and not resume:
        sys.exit(f"error: {out} is not empty; the bench times a fresh run, so give it a new or empty --out")
    cmd = [sys.executable, "-m", "vaelab", "tutorial", "--profile", profile, "--out", str(out), "--seed", str(seed)]
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
            "claims": [
                {k: c.get(k) for k in ("id", "verdict", "reason", "estimate", "ci_low", "ci_high", "n")}
                for c in r.get("claims", [])
            ],
        }
        for r in results
    ]


def cost(profile: str, wall: float, floor: list[float]) -> dict:
    """Wall seconds in floor-epochs, against the profile's budget."""
    floor_epoch = statistics.median(floor)
    budget = BUDGET_FLOOR_EPOCHS[profile]
    floor_epochs = wall / floor_epoch
    return {
        "floor_epoch_seconds": round(floor_epoch, 3),
        "floor_epoch_all": [round(f, 3) for f in floor],
        "floor_epochs": round(floor_epochs, 1),
        "budget_floor_epochs": budget,
        "budget_met": None if budget is None else floor_epochs <= budget,
    }


def timed_tutorial(profile: str, out: Path, seed: int = 0, resume: bool = False) -> dict:
    """The floor, the tutorial, the floor again: the payload this bench writes."""
    resumed = resume and out.exists() and any(out.iterdir())
    before = floor_seconds(FLOOR_EPOCHS_TIMED)
    wall, peak = run_tutorial(profile, out, seed, resume)
    after = floor_seconds(FLOOR_EPOCHS_TIMED)
    found, rows = summarize(out)
    payload = {
        "profile": found,
        "seed": seed,
        "out": str(out),
        "wall_seconds": round(wall, 1),
        "peak_rss_mb": round(peak),
        "timing": "resumed: the wall time covers the last part only" if resumed else "measured by this bench",
        **cost(found, wall, before + after),
        "experiments": rows,
    }
    (out / TIMING).write_text(json.dumps(payload, indent=2) + "\n")  # so a later bench can read it back
    return payload


def report(payload: dict) -> None:
    rows = payload["experiments"]
    print_table(
        ["experiment", "dataset", "minutes", "verdicts"],
        [[r["experiment"], r["dataset"], f"{r['minutes']:.1f}", ", ".join(r["verdicts"])] for r in rows],
    )
    peak = payload.get("peak_rss_mb")
    peak_text = f", peak memory {peak:.0f} MB" if peak is not None else ""
    line = f"\n{payload['profile']} profile: {payload['wall_seconds'] / 60:.1f} min wall{peak_text}"
    if payload.get("floor_epochs") is not None:
        budget = payload["budget_floor_epochs"]
        line += f"; floor epoch {payload['floor_epoch_seconds']:.2f} s, so {payload['floor_epochs']:.0f} floor-epochs"
        if budget is not None:
            line += f" (budget {budget:g}: {'met' if payload['budget_met'] else 'NOT met'})"
    print(line)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", choices=sorted(BUDGET_FLOOR_EPOCHS), default="quick", help="(--summarize reads it)")
    ap.add_argument("--out", type=Path, default=None, help="tutorial folder (default: a temporary one)")
    ap.add_argument("--seed", type=int, default=0, help="the tutorial's first seed (default 0)")
    ap.add_argument("--summarize", type=Path, default=None, help="read this finished tutorial folder instead")
    ap.add_argument("--wall-seconds", type=float, default=None, help="with --summarize: its measured wall time")
    ap.add_argument("--peak-rss-mb", type=float, default=None, help="with --summarize: its measured peak memory")
    ap.add_argument("--floor-seconds", type=float, default=None, help="with --summarize: the floor epoch that session")
    args = ap.parse_args()

    if args.summarize:
        if args.wall_seconds is None:
            sys.exit("error: --summarize needs --wall-seconds (the run's measured wall time)")
        profile, rows = summarize(args.summarize)
        payload = {
            "profile": profile,
            "wall_seconds": args.wall_seconds,
            "peak_rss_mb": args.peak_rss_mb,
            "timing": "given (/usr/bin/time -v)",
            **(cost(profile, args.wall_seconds, [args.floor_seconds]) if args.floor_seconds else {}),
            "experiments": rows,
        }
    else:
        with tempfile.TemporaryDirectory() as tmp:
            payload = timed_tutorial(args.profile, args.out or Path(tmp) / "tutorial", args.seed)
    report(payload)
    suffix = "" if payload.get("seed", 0) == 0 else f"-seed{payload['seed']}"
    name = f"tutorial-{payload['profile']}{suffix}"
    path = write_result(name, payload, SMOKE_OUT if payload["profile"] == "tiny" else RESULTS)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
