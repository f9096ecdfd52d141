"""Device and precision selection, tested on the CPU with the GPU checks faked."""

from __future__ import annotations

import json

import pytest
import torch

from vaelab.cli import main
from vaelab.errors import ConfigError
from vaelab.training import device as device_module
from vaelab.training.device import autocast, resolve_device

from .builders import train_flags


def test_auto_picks_a_gpu_when_there_is_one(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto").type in ("cpu", "mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto").type == "cuda"


def test_a_missing_gpu_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ConfigError, match="no CUDA GPU; set train.device cpu"):
        resolve_device("cuda")


def test_bf16_autocast_runs_matmuls_in_bfloat16_and_fp32_changes_nothing():
    a = torch.randn(4, 4)
    with autocast(torch.device("cpu"), "fp32"):
        assert (a @ a).dtype == torch.float32
    with autocast(torch.device("cpu"), "bf16"):
        assert (a @ a).dtype == torch.bfloat16


def test_bf16_is_refused_where_it_cannot_run(monkeypatch):
    monkeypatch.setattr(device_module.torch.cuda, "is_bf16_supported", lambda: False)
    with pytest.raises(ConfigError, match="no bfloat16 support"):
        autocast(torch.device("cuda"), "bf16")
    with pytest.raises(ConfigError, match="not mps"):
        autocast(torch.device("mps"), "bf16")


def test_training_in_bf16_reaches_a_loss_close_to_fp32(tmp_path):
    losses = {}
    for precision in ("fp32", "bf16"):
        out = tmp_path / precision
        args = ["train", *train_flags(dataset="digits", subset=None, precision=precision, epochs=3), "--out", str(out)]
        assert main(args) == 0
        losses[precision] = json.loads((out / "metrics.jsonl").read_text().splitlines()[-1])["val_loss"]
    assert abs(losses["bf16"] - losses["fp32"]) < 0.05 * losses["fp32"]
