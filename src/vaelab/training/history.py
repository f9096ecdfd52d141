"""RUN/metrics.jsonl: one JSON line per epoch, appended by the trainer as each epoch ends."""

from __future__ import annotations

import json
from pathlib import Path

from vaelab.atomic import atomic_write_text

METRICS_FILE = "metrics.jsonl"


def append_metrics(path: str | Path, record: dict) -> None:
    with open(Path(path) / METRICS_FILE, "a") as f:
        f.write(json.dumps(record) + "\n")


def truncate_metrics(path: str | Path, epochs: int) -> None:
    """Keep only the records of the first `epochs` epochs (a resumed run rewrites the ones after)."""
    kept = [r for r in read_metrics(path) if r.get("epoch", 0) <= epochs]
    atomic_write_text(Path(path) / METRICS_FILE, "".join(json.dumps(r) + "\n" for r in kept))


def read_metrics(path: str | Path) -> list[dict]:
    file = Path(path) / METRICS_FILE
    if not file.exists():
        return []
    return [json.loads(line) for line in file.read_text().splitlines() if line.strip()]
