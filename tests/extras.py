"""The optional extras some tests need (ray, tensorboard, mlflow): skipped on a machine without them, but
a failure in CI, which installs them (make test), so a missing install cannot pass as a skip."""

from __future__ import annotations

import importlib.util
import os

import pytest


def need(module: str) -> None:
    if importlib.util.find_spec(module) is not None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{module} is not installed; CI installs it with make test (.[dev,ray,tensorboard,mlflow])")
    pytest.skip(f"{module} is not installed (pip install 'vaelab[{module}]')")
