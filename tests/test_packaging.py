"""What an installed vaelab carries besides its code: the PEP 561 marker `py.typed` (type checkers read the
package's own hints) and the MIT LICENSE that pyproject.toml names."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from importlib.resources import files
from pathlib import Path

import vaelab

ROOT = Path(__file__).resolve().parents[1]


def test_the_installed_package_has_py_typed_next_to_its_init():
    assert Path(vaelab.__file__).with_name("py.typed").is_file()
    assert files("vaelab").joinpath("py.typed").is_file()


def test_a_wheel_ships_py_typed_and_the_license_pyproject_names(tmp_path):
    assert (ROOT / "LICENSE").read_text().startswith("MIT License\n\nCopyright (c) 2026 the vaelab authors\n")
    for name in ("pyproject.toml", "README.md", "LICENSE"):  # a copy: building writes build/ and egg-info
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "src" / "vaelab", tmp_path / "src" / "vaelab", ignore=shutil.ignore_patterns("__pycache__"))
    pip = [sys.executable, "-m", "pip", "wheel", str(tmp_path), "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*pip, "-w", str(tmp_path / "dist")], check=True, capture_output=True, cwd=tmp_path)
    [wheel] = (tmp_path / "dist").glob("vaelab-*.whl")
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        [license_file] = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert z.read(license_file).decode() == (ROOT / "LICENSE").read_text()
        [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
        assert "License: MIT" in z.read(metadata).decode().splitlines()  # pyproject.toml's license
    assert "vaelab/py.typed" in names and "vaelab/__init__.py" in names
