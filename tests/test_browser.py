"""The report in a real browser: Debian's Chromium driven by Playwright (tests/browser/check_report.mjs).

CI (.ci/run) installs chromium and playwright-core and sets VAELAB_BROWSER_TEST=1, which turns a missing
browser into a failure; elsewhere the test is skipped when they are absent.
"""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).parent / "browser"
REQUIRED = os.environ.get("VAELAB_BROWSER_TEST") == "1"


def _missing() -> str | None:
    if not shutil.which("node"):
        return "node is not installed"
    if not Path(os.environ.get("CHROMIUM", "/usr/bin/chromium")).exists():
        return "chromium is not installed (apt install chromium)"
    if not (HERE / "node_modules" / "playwright-core").exists():
        return "playwright-core is not installed (cd tests/browser && npm install)"
    return None


def test_report_opens_cleanly_and_the_explorer_responds(tiny_report):
    missing = _missing()
    if missing:
        if REQUIRED:
            pytest.fail(missing)
        pytest.skip(missing)
    shot = HERE / "last-report.png"
    proc = subprocess.run(
        ["node", str(HERE / "check_report.mjs"), str(tiny_report), str(shot)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["images"] >= 4 and result["explorer_changed"] and not result["problems"]
    assert shot.stat().st_size > 10_000
