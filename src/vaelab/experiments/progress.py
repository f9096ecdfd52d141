"""Progress across many runs: one line per finished run, with runs done / total and an estimate of the
time left from the finished runs' own training times.

The estimate: the mean time of the runs finished so far, times the runs left, divided by how many train
at once (`slots`: the workers of the local pool, or the runs a Ray cluster's CPUs and GPUs fit).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field


@dataclass
class Progress:
    total: int
    slots: int = 1  # runs that train at the same time
    quiet: bool = False
    seconds: list[float] = field(default_factory=list)  # each finished run's time

    def finished(self, name: str, seconds: float) -> str:
        """Record a finished run; print (unless quiet) and return its progress line."""
        self.seconds.append(seconds)
        line = f"  [{len(self.seconds)}/{self.total}] {name} trained in {duration(seconds)}"
        left = self.seconds_left()
        if left > 0:
            line += f"; about {duration(left)} left"
        if not self.quiet:
            print(line, file=sys.stderr, flush=True)
        return line

    def seconds_left(self) -> float:
        """mean(finished runs' seconds) * runs left / slots; 0 when nothing is left (or nothing finished)."""
        left = self.total - len(self.seconds)
        if left <= 0 or not self.seconds:
            return 0.0
        mean = sum(self.seconds) / len(self.seconds)
        return mean * left / max(1, min(self.slots, left))


def duration(seconds: float) -> str:
    """42 s, 12.5 min, 3.2 h."""
    if seconds < 90:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"
