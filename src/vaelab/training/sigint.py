"""Ctrl-C during training: the first one becomes a flag the loop checks between steps, so it can save a
checkpoint and raise `Interrupted`; a second one stops at once."""

from __future__ import annotations

import signal
import threading

from vaelab.errors import VaelabError


class Interrupted(VaelabError):
    """Ctrl-C during training: a checkpoint was saved in `run_dir` (None: the run writes no folder); exit
    code 130 like a shell. Whoever started the run says how to continue it."""

    exit_code = 130

    def __init__(self, message: str, run_dir=None):
        super().__init__(message)
        self.run_dir = run_dir


class SigintFlag:
    """Turns the first Ctrl-C into a flag the loop checks between steps (the second one stops at once)."""

    def __init__(self):
        self.raised = False
        self.previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.raised:
            raise KeyboardInterrupt
        self.raised = True

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)
