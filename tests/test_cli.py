"""The CLI end to end on a small MNIST subset, and its one-line errors."""

import json

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors.torch import load_file
from torch.distributions import Bernoulli, Normal, kl_divergence

from vaelab.cli import main
from vaelab.config import from_dict
from vaelab.data import load_dataset
from vaelab.models import ModelConfig, build_model

from .builders import train_flags

SMALL = train_flags()


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "vae"
    assert main(["train", *SMALL, "--out", str(out)]) == 0
    return out


def test_train_writes_a_self_describing_folder(trained_run):
    names = {p.name for p in trained_run.iterdir()}
    assert {
        "config.json",
        "argv.txt",
        "env.json",
        "metrics.jsonl",
        "checkpoint",
        "reconstructions.png",
        "samples.png",
    } <= names
    assert {p.name for p in (trained_run / "checkpoint").iterdir()} == {
        "model.safetensors",
        "optimizer.safetensors",
        "trainer.safetensors",
        "state.json",
    }
    cfg = json.loads((trained_run / "config.json").read_text())
    assert cfg["model"]["latent_dim"] == 4 and cfg["data"]["subset"] == 600
    assert "--latent-dim 4" in (trained_run / "argv.txt").read_text()
    env = json.loads((trained_run / "env.json").read_text())
    assert {"torch", "python", "cpu", "date"} <= set(env)


def test_evaluate_prints_json(trained_run, capsys):
    assert main(["evaluate", str(trained_run), "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["examples"] == 10000
    assert result["negative_elbo"] == pytest.approx(result["recon"] + result["kl"])
    assert 50 < result["negative_elbo"] < 600
    # the same terms computed here with torch.distributions, from the checkpoint and the raw test images
    cfg = json.loads((trained_run / "config.json").read_text())
    model = build_model(from_dict(ModelConfig, cfg["model"]), (1, 28, 28))
    model.load_state_dict(load_file(trained_run / "checkpoint" / "model.safetensors"))
    x = load_dataset("mnist").test_images.float() / 255  # the continuous input mode: intensities in [0, 1]
    with torch.no_grad():
        mu, logvar = model.encode(x)
        q = Normal(mu, torch.exp(0.5 * logvar))
        kl = kl_divergence(q, Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(-1).mean()
        z = mu + q.stddev * torch.randn(mu.shape, generator=torch.Generator().manual_seed(5))  # not evaluate's noise
        recon = -Bernoulli(logits=model.decode(z), validate_args=False).log_prob(x).flatten(1).sum(-1).mean()
    assert result["kl"] == pytest.approx(float(kl), abs=1e-3)  # analytic: the same number
    assert result["recon"] == pytest.approx(float(recon), abs=0.5)  # one z per image, other noise: close


def _grid_size(num: int, nrow: int, side: int = 28, padding: int = 2, scale: int = 2) -> tuple[int, int]:
    """(width, height) in pixels of `num` images of side x side in rows of `nrow`, `padding` around each,
    every pixel drawn scale x scale (the layout of viz/grid.py, written out here independently)."""
    rows = -(-num // nrow)
    return scale * (nrow * (side + padding) + padding), scale * (rows * (side + padding) + padding)


def test_sample_and_reconstruct_write_pngs(trained_run, tmp_path):
    assert main(["sample", str(trained_run), "--num", "9", "--nrow", "3", "--out", str(tmp_path / "s.png")]) == 0
    assert main(["reconstruct", str(trained_run), "--num", "5", "--out", str(tmp_path / "r.png")]) == 0
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "r.png").stat().st_size > 100
    with Image.open(tmp_path / "s.png") as img:
        assert img.format == "PNG" and img.size == _grid_size(9, 3)  # 3 rows of 3 samples
        samples = np.asarray(img.convert("L"), dtype=np.float64) / 255
    with Image.open(tmp_path / "r.png") as img:
        assert img.format == "PNG" and img.size == _grid_size(10, 5)  # 5 test images over their reconstructions
        recon = np.asarray(img.convert("L"), dtype=np.float64) / 255
    assert samples[:4].min() == 1.0 and samples[4:60, 4:60].std() > 0.05  # white padding, then a drawn image
    first = load_dataset("mnist").test_images[0, 0].numpy() / 255  # the top-left tile: test image 0 itself
    assert np.abs(recon[4 : 4 + 56 : 2, 4 : 4 + 56 : 2] - first).max() < 0.01


def test_config_file_then_flags(tmp_path, trained_run):
    (tmp_path / "c.yaml").write_text("model:\n  latent_dim: 3\ntrain:\n  epochs: 1\n  seed: 4\n")
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--config",
                str(tmp_path / "c.yaml"),
                *train_flags(latent_dim=2, epochs=None),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["model"]["latent_dim"] == 2 and cfg["train"]["seed"] == 4


def test_refuses_to_overwrite_a_run_of_other_settings(trained_run, capsys):
    assert main(["train", *SMALL, "--latent-dim", "5", "--out", str(trained_run)]) == 1
    assert "already holds a run with other settings: --latent-dim 4 (here 5)" in capsys.readouterr().err
    assert main(["train", *SMALL, "--out", str(trained_run)]) == 0  # its own settings: finished, nothing to do


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--latent-dim", "0"], "--latent-dim must be >= 1"),
        (["--beta", "-1"], "--beta must be >= 0"),
        (["--model", "gan"], "invalid choice: 'gan'"),
        (["--dataset", "imagenet"], "unknown dataset 'imagenet'"),
        (["--corruption", "gaussian", "--noise", "1.5"], "--noise must be <= 1"),
        (["--epochs", "two"], "invalid int value"),
    ],
)
def test_invalid_settings_exit_2_with_one_line(flags, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        code = main(["train", "--out", str(tmp_path / "x"), *flags])
        raise SystemExit(code)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x").exists()


def test_unknown_config_key_exits_2(tmp_path, capsys):
    (tmp_path / "c.json").write_text('{"model": {"latnt_dim": 3}}')
    assert main(["train", "--config", str(tmp_path / "c.json"), "--out", str(tmp_path / "x")]) == 2
    assert "did you mean 'latent_dim'" in capsys.readouterr().err


def test_evaluate_a_folder_that_is_not_a_run(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path)]) == 1
    assert "not a vaelab run folder" in capsys.readouterr().err


def test_an_unwritable_out_folder_fails_before_training(tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    assert main(["train", *SMALL, "--out", str(blocker / "run")]) == 1
    err = capsys.readouterr().err
    assert "cannot write to run folder" in err and len(err.strip().splitlines()) == 1


def test_evaluate_slow_metrics_behind_flags(trained_run, capsys):
    assert main(["evaluate", str(trained_run), "--nll-samples", "1", "--nll-images", "40"]) == 0
    elbo = json.loads(capsys.readouterr().out)["nll"]  # K = 1: the ELBO of the same 40 images
    args = ["evaluate", str(trained_run), "--nll-samples", "50", "--nll-images", "40", "--latent", "--probes"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["nll_images"] == 40 and result["nll"] < elbo  # more samples, a tighter bound
    assert 0 <= result["active_units"] <= 4 and len(result["kl_per_dimension"]) == 4
    assert {"knn_accuracy", "linear_probe_accuracy", "kmeans_nmi", "silhouette", "prior_mmd"} <= set(result)


@pytest.mark.parametrize(
    "final, said",
    [
        ({"val_loss": 100.0, "val_elbo": -100.0}, "val loss 100.00 nats/image"),
        ({"val_loss": 1117.73, "val_elbo": -171.06}, "val loss 1117.73 nats/image (negative ELBO 171.06)"),
        ({"loss": 30.5}, "loss 30.50 nats/image"),  # no validation split, no ELBO (a plain AE)
    ],
)
def test_the_training_headline_names_the_elbo_when_the_loss_is_not_it(final, said):
    from vaelab.cli.commands import headline

    assert headline(final) == said


def test_version_prints_the_package_version_and_exits_0(capsys):
    from vaelab.version import __version__

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"vaelab {__version__}\n"
