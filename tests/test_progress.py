"""Progress across a sweep: runs done / total and the time left estimated from the finished runs' times."""

from vaelab.experiments.progress import Progress, duration


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
