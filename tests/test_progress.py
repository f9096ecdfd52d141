"""Progress bars: one line with a count and an ETA on a terminal; nothing in a log, a pipe or with --quiet."""

import io
import sys

import pytest

from vaelab.cli import main
from vaelab.progress import bar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "stream, quiet, shows", [(Terminal, False, True), (Terminal, True, False), (io.StringIO, False, False)]
)
def test_a_bar_shows_only_on_a_terminal_and_not_when_quiet(monkeypatch, stream, quiet, shows):
    err = stream()
    monkeypatch.setattr(sys, "stderr", err)
    for _ in bar(range(3), quiet=quiet, desc="runs", unit="run"):
        pass
    assert ("runs:" in err.getvalue() and "0/3" in err.getvalue()) == shows
    assert shows or err.getvalue() == ""


def test_an_experiment_shows_a_bar_for_its_training_and_one_for_its_scoring(tmp_path, monkeypatch):
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    args = ["experiment", "generation", "--profile", "tiny", "--seeds", "1", "--workers", "1", "--out", str(tmp_path)]
    assert main(args) == 0
    frames = err.getvalue().split("\r")
    runs = 3  # generation's three arms, one seed each
    assert any("generation: training: 100%" in f and f"{runs}/{runs}" in f for f in frames)
    assert any("generation: scoring: 100%" in f and "run" in f for f in frames)
