"""The CLI end to end on a small MNIST subset, and its one-line errors."""

import json

import pytest

from vaelab.cli import main

SMALL = [
    "--dataset",
    "mnist",
    "--subset",
    "600",
    "--val-size",
    "100",
    "--hidden",
    "64",
    "--latent-dim",
    "4",
    "--epochs",
    "1",
    "--quiet",
]


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


def test_sample_and_reconstruct_write_pngs(trained_run, tmp_path):
    assert main(["sample", str(trained_run), "--num", "9", "--nrow", "3", "--out", str(tmp_path / "s.png")]) == 0
    assert main(["reconstruct", str(trained_run), "--num", "5", "--out", str(tmp_path / "r.png")]) == 0
    assert (tmp_path / "s.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "r.png").stat().st_size > 100


def test_config_file_then_flags(tmp_path, trained_run):
    (tmp_path / "c.yaml").write_text("model:\n  latent_dim: 3\ntrain:\n  epochs: 1\n  seed: 4\n")
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--config",
                str(tmp_path / "c.yaml"),
                *SMALL[:8],
                "--latent-dim",
                "2",
                "--quiet",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["model"]["latent_dim"] == 2 and cfg["train"]["seed"] == 4


def test_refuses_to_overwrite_a_run(trained_run, capsys):
    assert main(["train", *SMALL, "--out", str(trained_run)]) == 1
    assert "already holds a run" in capsys.readouterr().err


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--latent-dim", "0"], "model.latent_dim must be >= 1"),
        (["--beta", "-1"], "objective.beta must be >= 0"),
        (["--model", "gan"], "invalid choice: 'gan'"),
        (["--dataset", "imagenet"], "unknown dataset 'imagenet'"),
        (["--corruption", "gaussian", "--noise", "1.5"], "objective.noise must be <= 1"),
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
