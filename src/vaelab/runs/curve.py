"""Learning curves: a run measured at chosen epochs while it trains, each point kept in its run folder.

`Curve` is an epoch hook (vaelab.runs.hooks): after each epoch in `epochs` it calls `measure(built, **options)`
and appends the point {"epoch", "images", **measures, "last_protocol", "seconds"} to RUN/`file`. Measures run
in whatever mode `measure` sets (vaelab.training.validate.evaluating keeps training untouched), so a run
measured along the way ends bitwise equal to one that was not. Points survive a kill: a resumed run keeps
those up to its checkpoint's epoch and measures the rest.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from vaelab.atomic import atomic_write_text
from vaelab.runs.build import BuiltRun
from vaelab.training.checkpoint import read_state


@dataclass(frozen=True)
class Curve:
    """Measure a run after each epoch in `epochs`. `measure` is a module-level function, so the hook pickles
    and crosses to worker processes; `last_options`, if given, replace `options` at the last epoch (the sizes a
    verdict is judged at), and that point says so ("last_protocol": true)."""

    epochs: tuple[int, ...]
    measure: Callable[..., dict]
    options: dict = field(default_factory=dict)
    images_per_epoch: int = 0
    file: str = "curve.jsonl"
    last_options: dict | None = None

    def __call__(self, built: BuiltRun, run_dir: Path):
        run_dir = Path(run_dir)
        done = _checkpoint_epoch(run_dir)
        write_curve(run_dir, self.file, [p for p in read_curve(run_dir, self.file) if p["epoch"] <= done])

        def on_epoch(record: dict) -> None:
            epoch = record["epoch"]
            if epoch not in self.epochs:
                return
            started = time.perf_counter()
            last = self.last_options is not None and epoch == self.epochs[-1]
            scores = self.measure(built, **(self.last_options if last else self.options))
            point = {"epoch": epoch, "images": epoch * self.images_per_epoch, **scores, "last_protocol": last}
            point["seconds"] = round(time.perf_counter() - started, 1)
            earlier = [p for p in read_curve(run_dir, self.file) if p["epoch"] < epoch]
            write_curve(run_dir, self.file, [*earlier, point])

        return on_epoch


def read_curve(run_dir: str | Path, file: str = "curve.jsonl") -> list[dict]:
    path = Path(run_dir) / file
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def write_curve(run_dir: Path, file: str, points: list[dict]) -> None:
    lines = "".join(
        json.dumps({k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in p.items()}) + "\n"
        for p in points
    )
    atomic_write_text(run_dir / file, lines)


def _checkpoint_epoch(run_dir: Path) -> int:
    try:
        return int(read_state(run_dir).get("epoch", 0))
    except Exception:  # noqa: BLE001 - no checkpoint yet: nothing kept
        return 0
