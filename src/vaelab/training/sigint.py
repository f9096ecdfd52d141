"""Stop signals during training: Ctrl-C, and the SIGTERM or SIGUSR1 a cluster's scheduler sends before it
kills a job (train.stop_signals). The first one becomes a flag the loop checks between steps, so it can save
a checkpoint and raise `Interrupted`, whose exit code is the shell's for that signal, 128 + its number (130
for SIGINT, 143 for SIGTERM, 138 for SIGUSR1); a second one stops at once (`StopNow`).

One request often arrives twice: Slurm signals every process of a job, and torchrun (or srun) passes what it
receives on to processes that already had it. So a signal within DUPLICATE_SECONDS of the first is taken for
the same request and ignored; a later one stops at once.

Under torchrun every rank stops at the same step (`StopFlag.agreed`: the largest signal over the ranks, read
every step when there is more than one process), so rank 0's checkpoint is where every rank stopped. A pool
of worker processes (vaelab.parallel) shares one request (`follow`): a stop signal to any of its processes
stops every run at its next step, and no worker starts another (`stop_requested`).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
import time
from collections.abc import Iterator, Sequence

from vaelab.errors import VaelabError
from vaelab.training import distributed

DUPLICATE_SECONDS = 1.0  # a stop signal this soon after the first is the same request delivered twice

# The request this process follows: [signal number, time.monotonic() of its arrival], [0, 0] before one.
# None: each training run has its own; a pool sets one shared with its workers (`follow`, `following`).
_followed: Sequence | None = None


class Interrupted(VaelabError):
    """Training stopped by a stop signal: a checkpoint was saved in `run_dir` (None: the run writes no
    folder); exit code 128 + the signal's number, as a shell reports it. Whoever started the run says how to
    continue it."""

    exit_code = 130

    def __init__(self, message: str, run_dir=None, signum: int = signal.SIGINT):
        super().__init__(message)
        self.run_dir, self.signum = run_dir, int(signum)
        self.exit_code = 128 + self.signum


class StopNow(KeyboardInterrupt):
    """A second stop signal: training stops at once, without a checkpoint of this step (the last one is kept)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.exit_code = 128 + int(signum)


def stopped(signum: int, epoch: int, step: int, run_dir=None) -> Interrupted:
    """The error a run stopped by `signum` at `epoch` (1-based) and `step` raises, its checkpoint in `run_dir`."""
    saved = f"; checkpoint saved in {run_dir}" if run_dir is not None else ""
    return Interrupted(
        f"interrupted by {signal.Signals(signum).name} at epoch {epoch}, step {step}{saved}", run_dir, signum
    )


def signal_numbers(names: Sequence[str]) -> list[int]:
    """The numbers of the signals `names` that this platform has (Windows has no SIGUSR1)."""
    return [int(getattr(signal, name)) for name in names if hasattr(signal, name)]


def record(request, signum: int) -> None:
    """A stop signal's arrival in `request`: the first sets it; one after DUPLICATE_SECONDS stops at once."""
    now = time.monotonic()
    if not request[0]:
        request[1] = now  # the time first: whoever sees the signal sees when it came
        request[0] = signum
    elif now - request[1] > DUPLICATE_SECONDS:
        raise StopNow(signum)


class StopFlag:
    """While entered, the stop signals `names` set a request (this process's `follow`ed one, else its own)
    that the loop reads between steps: `signum`, or `agreed` under torchrun."""

    def __init__(self, names: Sequence[str], request: Sequence | None = None):
        self.names = tuple(names)
        self.request = request if request is not None else _followed if _followed is not None else [0.0, 0.0]
        self.previous: dict[int, object] = {}
        self.world, self.group = 1, None

    def __enter__(self) -> StopFlag:
        self.world = distributed.info()[1]
        self.group = distributed.host_group()  # every rank enters as training starts: the group is made together
        self.previous = _install(self.names, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        record(self.request, signum)

    @property
    def signum(self) -> int:
        """The stop signal that came (to this process, or to another following the same request); 0: none."""
        return int(self.request[0])

    def agreed(self) -> int:
        """`signum`, agreed by every process of a torchrun group (the largest): all stop at the same step."""
        return distributed.max_all(self.signum, self.group) if self.world > 1 else self.signum

    def __exit__(self, *exc) -> None:
        _restore(self.previous)


def shared_request():
    """A request that a pool's processes share: pass it to each worker (`follow`) as it starts."""
    return multiprocessing.get_context("spawn").RawArray("d", 2)


def follow(stop: tuple[Sequence, Sequence[str]] | None) -> None:
    """In a new pool worker: follow the pool's `stop`, (request, signal names), for good. The signals set the
    request even between runs (a worker then neither dies nor starts another run, see `stop_requested`),
    and every run reads it. None: nothing to follow."""
    global _followed
    if stop is None:
        return
    request, names = stop
    _followed = request
    for number in signal_numbers(names):
        signal.signal(number, lambda signum, frame: record(request, signum))


@contextlib.contextmanager
def following(request: Sequence) -> Iterator[None]:
    """Follow `request` in this process while the block runs (a pool that trains its runs here)."""
    global _followed
    before, _followed = _followed, request
    try:
        yield
    finally:
        _followed = before


@contextlib.contextmanager
def raising(names: Sequence[str]) -> Iterator[None]:
    """While the block runs, each stop signal `names` raises StopNow at once, as Python's Ctrl-C raises
    KeyboardInterrupt: for a process that trains nothing itself (the driver of Ray tasks)."""
    previous = _install(names, _raise_now)
    try:
        yield
    finally:
        _restore(previous)


def _install(names: Sequence[str], handler) -> dict[int, object]:
    """Handle the signals `names` with `handler` (only the main thread may); returns the handlers replaced."""
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {number: signal.signal(number, handler) for number in signal_numbers(names)}


def _restore(previous: dict[int, object]) -> None:
    """Put back the handlers `_install` replaced (one Python did not set comes back as the default)."""
    for number, handler in previous.items():
        signal.signal(number, handler if handler is not None else signal.SIG_DFL)


def _raise_now(signum, frame) -> None:
    raise StopNow(signum)


def stop_requested() -> int:
    """The signal that stopped the pool this process works for (0: none, or not in a pool)."""
    return int(_followed[0]) if _followed is not None else 0
