"""The report in a real browser: Debian's Chromium driven by Playwright (tests/browser/check_report.mjs), at a
1280 px screen and a 390 px phone: every section renders without console errors, the body never scrolls
sideways, the explorer responds, and a screenshot of each section at each width is written to
tests/browser/screenshots/ (or $VAELAB_SCREENSHOTS) for review; they are not committed.

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
SHOTS = Path(os.environ.get("VAELAB_SCREENSHOTS", HERE / "screenshots"))
WIDTHS = ("1280", "390")


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
    shutil.rmtree(SHOTS, ignore_errors=True)
    proc = subprocess.run(
        ["node", str(HERE / "check_report.mjs"), str(tiny_report), str(SHOTS)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert not result["problems"] and result["explorer_changed"] and result["sliders"] >= 1
    assert result["images"] >= 40 and result["sections"] >= 20
    assert all(result["widths"][w]["scroll"] <= result["widths"][w]["view"] for w in WIDTHS)  # no sideways scroll
    shots = sorted(SHOTS.glob("*.png"))
    assert len(shots) == result["shots"] == len(WIDTHS) * (result["sections"] + 1)  # each section, and the top
    assert all(s.stat().st_size > 2_000 for s in shots)
