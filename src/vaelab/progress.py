"""Progress a person can read: one tqdm line on stderr with a count and an ETA, only on a terminal.

Redirected to a file or a pipe (a log, a test, a worker process), stderr gets no bar: a bar's carriage
returns make a log unreadable, and the callers print their own one-line summaries there instead.
"""

from __future__ import annotations

import sys

from tqdm.auto import tqdm


def on_terminal(quiet: bool = False) -> bool:
    """True when a bar should show: not asked to be quiet, and stderr is a terminal."""
    return not quiet and sys.stderr.isatty()


def bar(iterable=None, *, quiet: bool = False, **kwargs) -> tqdm:
    """A tqdm bar on stderr that clears itself when done, disabled unless `on_terminal(quiet)`; `kwargs` go to
    tqdm (total, desc, unit, initial, ...)."""
    return tqdm(iterable, disable=not on_terminal(quiet), dynamic_ncols=True, leave=False, **kwargs)
