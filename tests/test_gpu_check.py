"""bench/gpu_check.py's logic with the GPU faked and its checks replaced by stand-ins (nothing heavy runs),
and the script itself here, on a machine without a GPU."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import gpu_check  # noqa: E402


@pytest.fixture
def two_fake_gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(gpu_check, "gpu_names", lambda: ["Fake GPU", "Fake GPU"])


def stand_ins(monkeypatch, failing: str | None = None) -> list[str]:
    """Replace every check by one that records its call and returns its verdict: ok, except `failing`
    (which raises) and ray (skipped)."""
    called = []

    def stand_in(name):
        def check(work: Path) -> dict:
            called.append(name)
            if name == failing:
                raise RuntimeError("the GPU caught fire")
            return {"ok": None, "skipped": "ray is not installed"} if name == "ray" else {"ok": True, "value": 1.0}

        return check

    for name in list(gpu_check.CHECKS):
        monkeypatch.setitem(gpu_check.CHECKS, name, stand_in(name))
    return called


def test_with_a_gpu_every_check_runs_and_the_json_holds_each_verdict(two_fake_gpus, monkeypatch, tmp_path, capsys):
    called = stand_ins(monkeypatch)
    assert gpu_check.main(["--out", str(tmp_path)]) == 0
    assert called == ["training", "speed", "torchrun", "sweep", "ray", "dsprites", "nll"]
    result = json.loads((tmp_path / "gpu_check.json").read_text())
    assert {"vaelab", "torch", "cpu", "date"} <= set(result["environment"])  # common.write_result's machine
    assert result["gpus"] == 2 and result["gpu_names"] == ["Fake GPU", "Fake GPU"]
    assert result["checked"] is True and result["passed"] is True
    assert set(result["checks"]) == set(called)
    assert result["checks"]["ray"]["ok"] is None and result["checks"]["ray"]["skipped"]
    assert all("seconds" in check for check in result["checks"].values())
    assert "ray        skipped" in capsys.readouterr().out


def test_a_failing_check_is_recorded_in_one_line_and_fails_the_run(two_fake_gpus, monkeypatch, tmp_path):
    called = stand_ins(monkeypatch, failing="sweep")
    assert gpu_check.main(["--out", str(tmp_path), "--only", "sweep", "dsprites"]) == 1
    assert called == ["sweep", "dsprites"]
    result = json.loads((tmp_path / "gpu_check.json").read_text())
    assert result["passed"] is False
    assert result["checks"]["sweep"]["ok"] is False
    assert result["checks"]["sweep"]["error"] == "RuntimeError: the GPU caught fire"
    assert result["checks"]["dsprites"]["ok"] is True


def test_without_a_gpu_it_says_so_writes_that_and_exits_0(tmp_path):
    done = subprocess.run(
        [sys.executable, str(BENCH / "gpu_check.py"), "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "CUDA_VISIBLE_DEVICES": "", "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "no GPU: nothing to check"
    result = json.loads((tmp_path / "gpu_check.json").read_text())
    assert result["gpus"] == 0 and result["checked"] is False and result["checks"] == {}
    assert result["reason"] == "no GPU: nothing to check" and result["environment"]["cuda"] is False
