"""Progress: one bar with a count and an ETA on a terminal; in a log or a pipe one line per finished run with
the time left estimated from the finished runs' times; nothing with --quiet."""

import io
import sys
import types

import pytest

from vaelab.cli import main
from vaelab.progress import Progress, bar, duration, in_notebook


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
    runs = 4  # generation's four arms (20-D VAE, 2-D VAE, beta 4, 2-D beta 0), one seed each
    assert any("generation: training: 100%" in f and f"{runs}/{runs}" in f for f in frames)
    assert any("generation: scoring: 100%" in f and "run" in f for f in frames)


def test_the_estimate_is_the_mean_run_time_times_the_runs_left_over_the_slots():
    progress = Progress(total=5, slots=2, quiet=True)
    assert progress.finished("beta1", 10.0) == "  [1/5] beta1 trained in 10 s; about 20 s left"  # 10 * 4 / 2
    assert progress.seconds_left() == 20.0
    progress.finished("beta2", 20.0)
    assert progress.seconds_left() == 22.5  # mean 15 s, 3 runs left, 2 at a time
    progress.finished("beta4", 30.0)
    assert progress.seconds_left() == 20.0  # mean 20 s, 2 left, both at once
    progress.finished("beta8", 40.0)
    assert progress.seconds_left() == 25.0  # the last run trains alone
    assert progress.finished("beta16", 50.0) == "  [5/5] beta16 trained in 50 s"  # nothing left: no estimate


def test_progress_prints_one_line_per_run_unless_quiet(capsys):
    Progress(total=2).finished("a", 1.0)
    Progress(total=2, quiet=True).finished("b", 1.0)
    assert capsys.readouterr().err == "  [1/2] a trained in 1.0 s; about 1.0 s left\n"


def test_durations_read_naturally():
    assert [duration(s) for s in (4.25, 42, 750, 3 * 3600)] == ["4.2 s", "42 s", "12.5 min", "3.0 h"]


def test_on_a_terminal_many_runs_advance_one_bar_instead_of_printing_lines(monkeypatch):
    err = Terminal()
    monkeypatch.setattr(sys, "stderr", err)
    with Progress(total=2, desc="sweep") as progress:
        progress.finished("a", 10.0)
        progress.finished("b", 10.0)
    assert "trained in" not in err.getvalue()
    assert any("sweep: 100%" in f and "2/2" in f for f in err.getvalue().split("\r"))


@pytest.mark.parametrize("kernel, quiet, shows", [(True, False, True), (True, True, False), (False, False, False)])
def test_in_a_notebook_kernel_a_bar_shows_instead_of_the_lines_unless_quiet(monkeypatch, kernel, quiet, shows):
    err = io.StringIO()  # a kernel's stderr is no terminal
    monkeypatch.setattr(sys, "stderr", err)
    monkeypatch.setattr("vaelab.progress.in_notebook", lambda: kernel)
    with Progress(total=2, quiet=quiet, desc="sweep") as progress:
        progress.finished("a", 1.0)
        progress.finished("b", 1.0)
        assert progress.bar.disable != shows  # (closing a bar disables it)
    assert ("sweep: 100%" in err.getvalue()) == shows
    assert ("trained in" in err.getvalue()) == (not shows and not quiet)  # a bar or the lines, never both


class Shell:  # stands in for ipykernel.zmqshell.ZMQInteractiveShell
    pass


class ColabShell(Shell):
    pass


@pytest.mark.parametrize("shell, expected", [(Shell, True), (ColabShell, True), (object, False), (None, False)])
def test_a_notebook_is_a_kernel_whose_ipython_shell_is_ipykernels(monkeypatch, shell, expected):
    zmqshell, ipython = types.ModuleType("ipykernel.zmqshell"), types.ModuleType("IPython")
    zmqshell.ZMQInteractiveShell = Shell
    ipython.get_ipython = lambda: shell and shell()  # object(): a terminal IPython's shell; None: plain Python
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", zmqshell)
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    assert in_notebook() is expected


def test_looking_for_a_notebook_never_imports_ipython(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", types.ModuleType("ipykernel.zmqshell"))
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert not in_notebook() and "IPython" not in sys.modules


CELL = """import sys
from vaelab.progress import Progress, in_notebook, on_terminal
print(in_notebook(), on_terminal(), on_terminal(quiet=True), sys.stderr.isatty())
with Progress(total=2, desc="sweep") as progress:
    progress.finished("a", 1.0)
    progress.finished("b", 1.0)"""


def test_a_real_jupyter_kernel_shows_the_bar_and_no_lines():
    nbformat, nbclient = pytest.importorskip("nbformat"), pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    text = {name: "".join(o.text for o in outputs if o.get("name") == name) for name in ("stdout", "stderr")}
    assert text["stdout"] == "True True False False\n"
    widget = any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    assert widget or "sweep: 100%" in text["stderr"]  # tqdm.notebook's widget, or without ipywidgets a text bar
    assert "trained in" not in text["stderr"]
