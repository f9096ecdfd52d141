"""Shared by the benchmarks: timing, the machine description, and writing results."""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from vaelab.markdown import markdown_table
from vaelab.runs.folder import environment

RESULTS = Path(__file__).resolve().parent / "results"
SMOKE_OUT = Path(__file__).resolve().parent / "out"  # smoke runs' results: git-ignored


def timed(fn, repeats: int) -> list[float]:
    """Wall seconds of `repeats` calls of fn()."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return times


def summary(times: list[float]) -> dict:
    return {"min": min(times), "median": statistics.median(times), "all": [round(t, 4) for t in times]}


def write_result(name: str, payload: dict, directory: Path = RESULTS) -> Path:
    """directory/NAME.json: the payload with the machine, versions and date (smoke runs write outside RESULTS)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.json"
    path.write_text(json.dumps({"environment": environment(), **payload}, indent=2) + "\n")
    return path


def print_table(headers: list[str], rows: list[list]) -> None:
    print(markdown_table(headers, rows))
