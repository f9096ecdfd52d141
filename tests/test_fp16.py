"""train.precision fp16: refused off a CUDA GPU in one line; the step through a gradient scaler; the scaler's
state checkpointed and restored so a resumed run continues exactly. There is no GPU here: the scaler is
torch's CPU GradScaler (the same class and code path as on CUDA, fp32 arithmetic), and fit's fp16 wiring is
run with autocast left out."""

from __future__ import annotations

import contextlib
import json

import pytest
import torch

from vaelab.data.batches import Batches
from vaelab.errors import ConfigError
from vaelab.models import ModelConfig, build_model
from vaelab.objectives import ObjectiveConfig, make_objective
from vaelab.training import trainer
from vaelab.training.config import TrainConfig
from vaelab.training.device import autocast
from vaelab.training.optim import grad_scaler, optimizer_step
from vaelab.training.resume import Position, restore, save


def cpu_scaler(**options) -> torch.amp.GradScaler:
    return torch.amp.GradScaler("cpu", **{"init_scale": 2.0**10, "growth_interval": 2, **options})


def test_fp16_is_refused_off_a_cuda_gpu_in_one_line(monkeypatch):
    with pytest.raises(ConfigError, match="fp16 needs a CUDA GPU, not cpu; use bf16 or fp32"):
        TrainConfig(device="cpu", precision="fp16")
    for device in ("cpu", "mps"):
        with pytest.raises(ConfigError, match=f"fp16 needs a CUDA GPU, not {device}") as error:
            autocast(torch.device(device), "fp16")  # device auto that resolved to the CPU
        assert "\n" not in str(error.value)
    assert TrainConfig(device="cuda", precision="fp16").precision == "fp16"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert autocast(torch.device("cuda"), "fp16").fast_dtype == torch.float16


def test_only_fp16_gets_an_enabled_scaler():
    assert not grad_scaler(torch.device("cpu"), "fp32").is_enabled()
    assert not grad_scaler(torch.device("cpu"), "bf16").is_enabled()
    assert grad_scaler(torch.device("cpu"), "fp16").is_enabled()  # on a GPU: device type cuda


def net_and_loss(seed: int = 0, inputs: torch.Tensor | None = None):
    torch.manual_seed(seed)
    net = torch.nn.Linear(3, 2)
    x = torch.randn(4, 3) if inputs is None else inputs
    return net, (net(x) ** 2).sum()


def test_without_a_scaler_the_step_is_the_plain_one_bit_for_bit():
    a, loss_a = net_and_loss()
    opt_a = torch.optim.Adam(a.parameters(), lr=0.1)
    assert optimizer_step(loss_a, a, opt_a, grad_scaler(torch.device("cpu"), "fp32"), grad_clip=0.5)
    b, loss_b = net_and_loss()
    opt_b = torch.optim.Adam(b.parameters(), lr=0.1)
    opt_b.zero_grad(set_to_none=True)
    loss_b.backward()
    torch.nn.utils.clip_grad_norm_(b.parameters(), 0.5)
    opt_b.step()
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters()))


def test_the_scaler_unscales_before_clipping_and_the_step():
    net, loss = net_and_loss()
    before = [p.detach().clone() for p in net.parameters()]
    scaler = cpu_scaler()
    assert optimizer_step(loss, net, torch.optim.SGD(net.parameters(), lr=1.0), scaler, grad_clip=0.5)
    moved = torch.linalg.vector_norm(torch.cat([(p - q).flatten() for p, q in zip(net.parameters(), before)]))
    assert moved.item() == pytest.approx(0.5, rel=1e-5)  # the true gradient clipped to 0.5, not the scaled one


def test_an_overflow_is_skipped_by_the_scaler_which_halves_its_scale():
    net, loss = net_and_loss(inputs=torch.full((4, 3), 1e30))  # infinite gradients, as an fp16 overflow gives
    before = [p.detach().clone() for p in net.parameters()]
    scaler = cpu_scaler()
    stepped = optimizer_step(loss, net, torch.optim.SGD(net.parameters(), lr=1.0), scaler)
    assert stepped  # not on_nan's business: the scaler skipped it
    assert all(torch.equal(p, q) for p, q in zip(net.parameters(), before))
    assert scaler.get_scale() == 2.0**9


def test_on_nan_skip_under_fp16_skips_a_nonfinite_loss_and_keeps_the_scaler_going():
    net, loss = net_and_loss()
    scaler = cpu_scaler()
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    assert not optimizer_step(loss * float("nan"), net, opt, scaler, skip_nonfinite=True)
    net, loss = net_and_loss()
    opt = torch.optim.SGD(net.parameters(), lr=1.0)
    assert optimizer_step(loss, net, opt, scaler, skip_nonfinite=True)  # the scaler accepts the next step


def test_the_scalers_state_goes_into_the_checkpoint_and_comes_back(tmp_path):
    scaler = cpu_scaler()
    for _ in range(3):  # one growth (interval 2), then one good step counted towards the next
        net, loss = net_and_loss()
        opt = torch.optim.SGD(net.parameters(), lr=0.01)
        optimizer_step(loss, net, opt, scaler)
    assert scaler.state_dict()["scale"] == 2.0**11 and scaler.state_dict()["_growth_tracker"] == 1
    save(tmp_path, net, opt, Position(step=3), False, None, scaler)
    assert json.loads((tmp_path / "checkpoint" / "state.json").read_text())["scaler"] == scaler.state_dict()
    again = cpu_scaler()
    restore(tmp_path, net, opt, torch.device("cpu"), None, again)
    assert again.state_dict() == scaler.state_dict()
    save(tmp_path, net, opt, Position(step=3), False, None, grad_scaler(torch.device("cpu"), "fp32"))
    assert "scaler" not in json.loads((tmp_path / "checkpoint" / "state.json").read_text())  # fp32: as before


def test_fit_in_fp16_resumes_with_the_scale_it_stopped_at(tmp_path, monkeypatch):
    """fit's fp16 path end to end, with the CPU scaler for the GPU's: interrupted after a mid-epoch
    checkpoint and resumed, it ends with the uninterrupted run's weights and loss scale."""
    monkeypatch.setattr(trainer, "autocast", lambda device, precision: contextlib.nullcontext())
    monkeypatch.setattr(trainer, "grad_scaler", lambda device, precision: cpu_scaler(growth_interval=3))
    cfg = TrainConfig(epochs=2, batch_size=32, precision="fp16", checkpoint_every=5, checkpoint_minutes=0)
    images = torch.randint(0, 256, (200, 1, 8, 8), dtype=torch.uint8)

    def run(folder, resume=False, on_step=None):
        folder.mkdir(exist_ok=True)
        torch.manual_seed(0)
        model = build_model(ModelConfig(hidden=(16,), latent_dim=2), (1, 8, 8))
        objective = make_objective(ObjectiveConfig(), "vae", "bernoulli", cfg.epochs, len(images))
        train = Batches(images, cfg.batch_size, seed=0)
        trainer.fit(model, objective, train, None, cfg, run_dir=folder, quiet=True, resume=resume, on_step=on_step)
        return model

    def crash(step, terms):
        if step == 11:  # after the checkpoint at step 10
            raise RuntimeError("killed")

    whole = run(tmp_path / "whole")
    with pytest.raises(RuntimeError, match="killed"):
        run(tmp_path / "cut", on_step=crash)
    resumed = run(tmp_path / "cut", resume=True)
    state = {f: json.loads((tmp_path / f / "checkpoint" / "state.json").read_text()) for f in ("whole", "cut")}
    assert state["cut"]["scaler"] == state["whole"]["scaler"]
    assert state["whole"]["scaler"]["scale"] > 2.0**10  # it grew: a reset scaler would end elsewhere
    for p, q in zip(whole.parameters(), resumed.parameters()):
        assert torch.equal(p, q)
