import json

import pytest
import torch

from vaelab.data import load_dataset
from vaelab.data.batches import Batches
from vaelab.errors import CheckpointError, VaelabError
from vaelab.models import ModelConfig, build_model
from vaelab.objectives import ObjectiveConfig, make_objective
from vaelab.training.checkpoint import load_model_weights, load_optimizer_state, read_state, save_checkpoint
from vaelab.training.config import TrainConfig
from vaelab.training.optim import build_optimizer
from vaelab.training.trainer import fit
from vaelab.training.validate import mean_terms


def _parts(dataset, kind="vae", epochs=3, seed=0, **objective):
    torch.manual_seed(seed)
    model = build_model(ModelConfig(kind=kind, hidden=(64,), latent_dim=4), dataset.image_shape)
    obj = make_objective(ObjectiveConfig(**objective), kind, "bernoulli", epochs, len(dataset.train_images), 4)
    train = Batches(dataset.train_images, 32, seed=seed)
    val = Batches(dataset.test_images, 64, shuffle=False)
    return model, obj, train, val, TrainConfig(epochs=epochs, seed=seed)


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_fit_runs_every_epoch_and_writes_metrics_and_a_finished_checkpoint(tiny_dataset, tmp_path, kind):
    """Plumbing, on random bytes (all there is to learn is each pixel's mean); learning is tested below."""
    model, obj, train, val, cfg = _parts(tiny_dataset, kind)
    before = mean_terms(model, obj, val)["loss"]
    history = fit(model, obj, train, val, cfg, run_dir=tmp_path, quiet=True)
    assert len(history) == 3 and history[-1]["val_loss"] < before
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    record = json.loads(lines[-1])
    assert {"epoch", "loss", "recon", "val_loss", "seconds", "kl_weight"} <= set(record)
    assert read_state(tmp_path)["finished"] is True


@pytest.mark.parametrize("kind", ["ae", "vae"])
def test_fit_learns_the_structure_of_real_digits(kind):
    """On 2,000 MNIST digits (embedded), 3 epochs must beat by far the best model that ignores its code:
    independent pixels at the training images' mean intensities (for a VAE, a decoder ignoring z, KL 0)."""
    ds = load_dataset("mnist")
    train_x, test_x = ds.train_images[:2000], ds.test_images[:1000]
    p = (train_x.double() / 255).mean(0).clamp(1e-6, 1 - 1e-6)  # (1, 28, 28)
    x = test_x.double() / 255
    independent = float(-(x * p.log() + (1 - x) * (1 - p).log()).flatten(1).sum(1).mean())  # ~202 nats/image
    torch.manual_seed(0)
    model = build_model(ModelConfig(kind=kind, hidden=(128,), latent_dim=8), ds.image_shape)
    obj = make_objective(ObjectiveConfig(), kind, "bernoulli", 3, len(train_x), 8)
    train, test = Batches(train_x, 32, seed=0), Batches(test_x, 500, shuffle=False)
    history = fit(model, obj, train, test, TrainConfig(epochs=3, lr=3e-3), quiet=True)
    assert history[-1]["val_loss"] < independent - 25  # measured: 67 nats better (AE), 47 (VAE's -ELBO)
    if kind == "vae":
        assert history[-1]["val_kl"] > 5  # the code carries information (12 nats measured)


def test_training_is_deterministic_on_cpu(tiny_dataset):
    a = _parts(tiny_dataset, seed=1)
    b = _parts(tiny_dataset, seed=1)
    fit(*a[:4], a[4], quiet=True)
    fit(*b[:4], b[4], quiet=True)
    for (_, pa), (_, pb) in zip(a[0].state_dict().items(), b[0].state_dict().items()):
        assert torch.equal(pa, pb)


def test_kl_weight_follows_the_schedule(tiny_dataset):
    model, obj, train, val, cfg = _parts(tiny_dataset, epochs=4, kl_schedule="linear", warmup_epochs=2)
    history = fit(model, obj, train, val, cfg, quiet=True)
    assert [h["kl_weight"] for h in history] == [0.5, 1.0, 1.0, 1.0]


def test_a_progress_function_drives_the_learning_rate_schedule(tiny_dataset):
    """fit's `progress` replaces step / total steps: the schedule reads the budget's clock, not the epochs."""
    runs = {}
    for name, progress in {"steps": None, "clock at the end": lambda step: 1.0, "clock past": lambda s: 7.0}.items():
        model, obj, train, val, cfg = _parts(tiny_dataset, epochs=2)
        cfg = TrainConfig(epochs=2, lr=1e-3, lr_schedule="exponential", lr_decay=0.1)
        runs[name] = [h["lr"] for h in fit(model, obj, train, None, cfg, quiet=True, progress=progress)]
    last_step = 1 - 1 / (2 * len(train))  # the last step's share of the run: the lr just before it ends
    assert runs["steps"][-1] == pytest.approx(1e-3 * 0.1**last_step)
    assert runs["clock at the end"] == pytest.approx([1e-4, 1e-4])
    assert runs["clock past"] == pytest.approx([1e-4, 1e-4])  # clamped to [0, 1]


def test_checkpoint_round_trip_and_corruption_refused(tiny_dataset, tmp_path):
    model, obj, train, val, cfg = _parts(tiny_dataset, epochs=1)
    fit(model, obj, train, val, cfg, run_dir=tmp_path, quiet=True)
    fresh = build_model(ModelConfig(hidden=(64,), latent_dim=4), tiny_dataset.image_shape)
    state = load_model_weights(tmp_path, fresh)
    for name, value in model.state_dict().items():
        assert torch.equal(value, fresh.state_dict()[name])
    opt = build_optimizer(fresh, cfg, torch.device("cpu"))
    load_optimizer_state(tmp_path, opt, state)
    assert len(opt.state) == len(list(fresh.parameters()))
    wrong = build_model(ModelConfig(hidden=(65,), latent_dim=4), tiny_dataset.image_shape)
    with pytest.raises(CheckpointError, match="has shape"):
        load_model_weights(tmp_path, wrong)
    data = bytearray((tmp_path / "checkpoint" / "model.safetensors").read_bytes())
    data[-1] ^= 0xFF
    (tmp_path / "checkpoint" / "model.safetensors").write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="corrupt"):
        load_model_weights(tmp_path, fresh)


class PoisonKL:
    """Wraps an objective so that the KL term is NaN on chosen steps (counted by calls)."""

    def __init__(self, objective, bad_steps):
        self.objective, self.bad_steps, self.calls = objective, set(bad_steps), 0

    def __getattr__(self, name):
        return getattr(self.objective, name)

    def __call__(self, x, out, t):
        terms = self.objective(x, out, t)
        if out["x_hat"].requires_grad:
            self.calls += 1
            if self.calls in self.bad_steps:
                terms["kl"] = terms["kl"] * float("nan")
                terms["loss"] = terms["recon"] + terms["kl"]
        return terms


def test_a_non_finite_term_stops_naming_step_and_term(tiny_dataset, tmp_path):
    model, obj, train, val, cfg = _parts(tiny_dataset, epochs=2)
    save_checkpoint(tmp_path, model, build_optimizer(model, cfg, torch.device("cpu")), {"epoch": 0, "step": 0})
    before = (tmp_path / "checkpoint" / "model.safetensors").read_bytes()
    with pytest.raises(VaelabError, match=r"non-finite loss, kl at step 3 \(epoch 1\)"):
        fit(model, PoisonKL(obj, {3}), train, val, cfg, run_dir=tmp_path, quiet=True)
    assert read_state(tmp_path)["epoch"] == 0  # the last good checkpoint is kept
    assert (tmp_path / "checkpoint" / "model.safetensors").read_bytes() == before


def test_on_nan_skip_skips_the_bad_batches(tiny_dataset):
    model, obj, train, val, cfg = _parts(tiny_dataset, epochs=2)
    cfg = TrainConfig(epochs=2, on_nan="skip")
    history = fit(model, PoisonKL(obj, {2, 5}), train, val, cfg, quiet=True)
    assert history[0]["skipped_batches"] == 2 and "skipped_batches" not in history[1]
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_a_full_disk_keeps_the_previous_checkpoint(tiny_dataset, tmp_path, monkeypatch):
    import errno

    from vaelab.training import checkpoint as ckpt

    model, obj, train, val, cfg = _parts(tiny_dataset, epochs=1)
    fit(model, obj, train, val, cfg, run_dir=tmp_path, quiet=True)
    before = (tmp_path / "checkpoint" / "model.safetensors").read_bytes()

    def full(path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ckpt, "atomic_write_bytes", full)
    with torch.no_grad():
        next(model.parameters()).add_(1.0)
    with pytest.raises(CheckpointError, match="No space left on device; .*previous checkpoint is intact"):
        save_checkpoint(tmp_path, model, build_optimizer(model, cfg, torch.device("cpu")), {"epoch": 9})
    assert (tmp_path / "checkpoint" / "model.safetensors").read_bytes() == before
    assert read_state(tmp_path)["epoch"] == 1 and not (tmp_path / "checkpoint.tmp").exists()


def test_a_crash_between_the_renames_falls_back_to_the_old_checkpoint(tiny_dataset, tmp_path):
    model, obj, train, val, cfg = _parts(tiny_dataset, epochs=1)
    fit(model, obj, train, val, cfg, run_dir=tmp_path, quiet=True)
    (tmp_path / "checkpoint").rename(tmp_path / "checkpoint.old")  # as if killed after the first rename
    fresh = build_model(ModelConfig(hidden=(64,), latent_dim=4), tiny_dataset.image_shape)
    assert load_model_weights(tmp_path, fresh)["epoch"] == 1
