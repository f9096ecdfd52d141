"""Progress a person can read: one tqdm line on stderr with a count and an ETA, only on a terminal (or in a
Jupyter notebook, where tqdm.auto makes it a widget).

Redirected to a file or a pipe (a log, a test, a worker process), stderr gets no bar: a bar's carriage
returns make a log unreadable, and the callers print their own one-line summaries there instead.

`Progress` follows many runs (a sweep, an experiment's arms x seeds): a bar on a terminal, else one line
per finished run, with runs done / total and the time left estimated from the finished runs' own times:
their mean time, times the runs left, divided by how many train at once (`slots`: the workers of the
local pool, or the runs a Ray cluster's CPUs and GPUs fit).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

from tqdm.auto import tqdm


def on_terminal(quiet: bool = False) -> bool:
    """True when a bar should show: not asked to be quiet, and stderr is a terminal or a notebook's output."""
    return not quiet and (sys.stderr.isatty() or in_notebook())


def in_notebook() -> bool:
    """True in a Jupyter kernel: IPython's shell is ipykernel's ZMQInteractiveShell (or a subclass, as Colab's).
    There stderr is no terminal, yet tqdm.auto draws a widget (without ipywidgets, a text bar that Jupyter
    redraws in place). Only looks at modules the kernel already imported: never imports IPython itself."""
    zmqshell, ipython = sys.modules.get("ipykernel.zmqshell"), sys.modules.get("IPython")
    if zmqshell is None or ipython is None:
        return False
    return isinstance(ipython.get_ipython(), zmqshell.ZMQInteractiveShell)


def bar(iterable=None, *, quiet: bool = False, **kwargs) -> tqdm:
    """A tqdm bar on stderr that clears itself when done, disabled unless `on_terminal(quiet)`; `kwargs` go to
    tqdm (total, desc, unit, initial, ...)."""
    return tqdm(iterable, disable=not on_terminal(quiet), dynamic_ncols=True, leave=False, **kwargs)


@dataclass
class Progress:
    total: int
    slots: int = 1  # runs that train at the same time
    quiet: bool = False
    desc: str = "training"
    seconds: list[float] = field(default_factory=list)  # each finished run's time

    def __post_init__(self) -> None:
        self.bar = bar(quiet=self.quiet, total=self.total, desc=self.desc, unit="run")

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.bar.close()

    def finished(self, name: str, seconds: float) -> str:
        """Record a finished run: advance the bar, or print its line (unless quiet); returns the line."""
        self.seconds.append(seconds)
        line = f"  [{len(self.seconds)}/{self.total}] {name} trained in {duration(seconds)}"
        left = self.seconds_left()
        if left > 0:
            line += f"; about {duration(left)} left"
        if not self.bar.disable:
            self.bar.set_postfix_str(f"about {duration(left)} left" if left > 0 else "", refresh=False)
            self.bar.update(1)
            self.bar.refresh()  # runs finish minutes apart: show each at once
        elif not self.quiet:
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
