"""The Python API: the README's section runs as written; keywords are the CLI's flags with its errors; a
Run gives what the CLI gives; data passed in memory train, evaluate, sample and resume bitwise."""

import argparse
import dataclasses
import json
import re
from pathlib import Path

import matplotlib.image
import numpy as np
import pytest
import torch

import vaelab
from tests.own_data import write_images
from vaelab.cli import main
from vaelab.cli.flags import flag_words
from vaelab.cli.parser import build_parser
from vaelab.data import load_dataset
from vaelab.errors import ConfigError, DataError
from vaelab.training import trainer
from vaelab.training.config import RunConfig, setting_names
from vaelab.viz.grid import save_grid

README = Path(__file__).resolve().parents[1] / "README.md"
SMALL = {"hidden": (32,), "latent_dim": 4, "epochs": 1, "val_size": 100, "quiet": True}


def python_blocks(section: str) -> list[str]:
    text = README.read_text()
    start = text.index(f"\n## {section}\n")
    body = text[start : text.index("\n## ", start + 1)]
    return re.findall(r"```python\n(.*?)```", body, flags=re.S)


def test_readme_from_python_runs_as_written(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    write_images(tmp_path / "my_images", n=15, size=(40, 40), mode="RGB")
    write_images(tmp_path / "my_images", classes=("bird",), n=5, size=(36, 30), seed=1)  # another size
    np.savez("my_data.npz", x=load_dataset("mnist").test_images[:200, 0].numpy())
    blocks = python_blocks("From Python")
    assert len(blocks) >= 4
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102 - the README's own code
    ns = namespace
    assert ns["mu"].shape == ns["logvar"].shape == (8, 20) and ns["images"].shape == (16, 1, 28, 28)
    assert 0 <= float(ns["x_hat"].min()) and float(ns["x_hat"].max()) <= 1 and ns["metrics"]["nll_samples"] == 100
    assert ns["beta4"].config.objective.beta == 4.0 and ns["beta4"].config.model == ns["run"].config.model
    assert "model.latent_dim must be >= 1 (got 0)\n" in capsys.readouterr().out
    assert ns["mine"].dataset.image_shape == (3, 32, 32) and ns["mine"].dataset.classes == ("bird", "cat", "dog")
    assert ns["arr"].config.data.dataset == "in-memory" and ns["conv"].config.model.arch == "custom"
    assert not Path("runs/oops").exists()
    assert ns["watch"].steps == ns["early"].metrics[-1]["step"] and Path("runs/early/best/state.json").exists()


def test_every_setting_has_one_keyword_and_it_is_its_cli_flag():
    names = setting_names()
    fields = [f for s in dataclasses.fields(RunConfig) for f in dataclasses.fields(getattr(RunConfig(), s.name))]
    assert len(names) == len(fields)  # no two settings share a name
    subcommands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    train = subcommands.choices["train"]
    flags = {opt for action in train._actions for opt in action.option_strings}
    assert {"--" + key.replace("_", "-") for key in names} <= flags


@pytest.mark.parametrize(
    "settings, flags",
    [
        ({"latent_dim": 0}, ["--latent-dim", "0"]),
        ({"beta": -1.0}, ["--beta", "-1"]),
        ({"objective": "iwae", "free_bits": 0.5}, ["--objective", "iwae", "--free-bits", "0.5"]),
        ({"dataset": "mnsit"}, ["--dataset", "mnsit"]),
    ],
)
def test_keyword_errors_are_the_cli_errors(tmp_path, capsys, settings, flags):
    """The same error, in the library's words from Python and in flags on the command line."""
    with pytest.raises(ConfigError) as e:
        vaelab.train(out=tmp_path / "api", **settings)
    assert main(["train", *flags, "--out", str(tmp_path / "cli")]) == 2
    assert capsys.readouterr().err == f"vaelab: error: {flag_words(str(e.value))}\n"
    assert "--" not in str(e.value)  # Python is not told about flags
    assert not (tmp_path / "api").exists() and not (tmp_path / "cli").exists()


def test_unknown_keywords_get_a_did_you_mean(tmp_path):
    with pytest.raises(ConfigError, match="did you mean 'latent_dim'"):
        vaelab.train(latnt_dim=3, out=tmp_path / "x")


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("api") / "vae"
    return vaelab.train(dataset="digits", out=out, **SMALL)


def test_a_run_gives_what_the_cli_gives(digits_run, capsys):
    assert main(["evaluate", str(digits_run.path), "--quiet"]) == 0
    assert digits_run.evaluate() == json.loads(capsys.readouterr().out)
    loaded = vaelab.load(digits_run.path)
    x = loaded.images("test", 5)
    mu, logvar = loaded.encode(x)
    assert torch.equal(mu, digits_run.encode(x)[0]) and logvar.shape == (5, 4)
    assert loaded.decode(mu).shape == loaded.reconstruct(x).shape == (5, 1, 8, 8)
    assert torch.equal(loaded.sample(3, seed=1), digits_run.sample(3, seed=1))
    assert [m["epoch"] for m in loaded.metrics] == [1] and loaded.config == digits_run.config
    with pytest.raises(DataError, match=r"expected images \(N, 1, 8, 8\)"):
        loaded.encode(torch.zeros(2, 1, 28, 28))


def test_the_cli_and_the_api_reconstruct_the_same_images(digits_run, tmp_path):
    png = tmp_path / "cli.png"
    assert main(["reconstruct", str(digits_run.path), "--num", "6", "--seed", "2", "--out", str(png), "--quiet"]) == 0
    x = digits_run.images("test", 6)
    save_grid(tmp_path / "api.png", torch.cat([x, digits_run.reconstruct(x)]), nrow=6)
    cli, api = (matplotlib.image.imread(tmp_path / name) for name in ("cli.png", "api.png"))
    assert cli.shape == api.shape and np.array_equal(cli, api)
    assert not np.array_equal(cli[: cli.shape[0] // 2], cli[cli.shape[0] // 2 :])  # inputs differ from outputs


def test_an_autoencoder_encodes_to_its_code_and_a_config_takes_keywords(digits_run, tmp_path):
    ae = vaelab.train(digits_run.config, model="ae", out=tmp_path / "ae", quiet=True)
    code, logvar = ae.encode(ae.images("test", 3))
    assert isinstance(code, torch.Tensor) and code.shape == (3, 4) and logvar is None
    assert dataclasses.replace(ae.config.model, kind="vae") == digits_run.config.model


def _interrupt_after_first_epoch(monkeypatch):
    original = trainer.Loop.end_epoch

    def end_epoch(self, epoch, val):
        record = original(self, epoch, val)  # the epoch's checkpoint is written, then the process "dies"
        if epoch == 0:
            raise KeyboardInterrupt
        return record

    monkeypatch.setattr(trainer.Loop, "end_epoch", end_epoch)


@pytest.mark.parametrize("form", ["array", "npz"])
def test_own_data_train_evaluate_sample_and_resume_bitwise(tmp_path, monkeypatch, form):
    x = load_dataset("digits").train_images[:400].numpy()  # (400, 1, 8, 8) uint8
    npz = tmp_path / "digits.npz"
    np.savez(npz, x=x)
    data, again = (x, {"dataset": x}) if form == "array" else (str(npz), {})
    settings = {**SMALL, "epochs": 2, "val_size": 40}
    whole = vaelab.train(dataset=data, out=tmp_path / "whole", **settings)
    with monkeypatch.context() as m:
        _interrupt_after_first_epoch(m)
        with pytest.raises(KeyboardInterrupt):
            vaelab.train(dataset=data, out=tmp_path / "cut", **settings)
    if form == "array":
        with pytest.raises(DataError, match="pass them again with dataset="):
            vaelab.resume(tmp_path / "cut")
        with pytest.raises(DataError, match="the data changed since"):
            vaelab.resume(tmp_path / "cut", dataset=x[::-1].copy())
    else:
        np.savez(npz, x=x[::-1])
        with pytest.raises(DataError, match=r"the data changed since .*digits.npz had sha256"):
            vaelab.resume(tmp_path / "cut")
        np.savez(npz, x=x)
    resumed = vaelab.resume(tmp_path / "cut", quiet=True, **again)
    for name, tensor in whole.model.state_dict().items():
        assert torch.equal(tensor, resumed.model.state_dict()[name]), name
    assert resumed.evaluate() == {**whole.evaluate(), "run": str(tmp_path / "cut")}
    assert torch.equal(resumed.sample(4), whole.sample(4))
    source = json.loads((tmp_path / "cut" / "data.json").read_text())["source"]
    assert source == ("in memory: a numpy array" if form == "array" else str(npz))


def test_a_folder_resumes_from_the_cli_and_refuses_changed_files(tmp_path, monkeypatch, capsys):
    write_images(tmp_path / "pets", n=30)
    args = ["--hidden", "16", "--latent-dim", "3", "--epochs", "2", "--val-size", "5", "--quiet"]
    with monkeypatch.context() as m:
        _interrupt_after_first_epoch(m)
        assert main(["train", "--dataset", str(tmp_path / "pets"), *args, "--out", str(tmp_path / "run")]) == 130
    monkeypatch.chdir(tmp_path / "pets")  # elsewhere: the run finds its data by the path it recorded
    (tmp_path / "pets" / "dog" / "003.png").write_bytes((tmp_path / "pets" / "dog" / "004.png").read_bytes())
    assert main(["train", "--resume", str(tmp_path / "run")]) == 1
    assert "the data changed since" in capsys.readouterr().err
    write_images(tmp_path / "pets", n=30)  # the same images again
    assert main(["train", "--resume", str(tmp_path / "run")]) == 0
    assert [m["epoch"] for m in vaelab.load(tmp_path / "run").metrics] == [1, 2]


def test_an_image_dataset_passes_as_it_is_and_force_forgets_old_data(tmp_path):
    digits = load_dataset("digits")
    run = vaelab.train(dataset=digits, out=tmp_path / "run", **SMALL)
    assert len(run.dataset.test_images) == 297  # its own test set kept
    assert vaelab.load(tmp_path / "run", dataset=digits).evaluate() == run.evaluate()
    alone = vaelab.load(tmp_path / "run")  # the model loads without its data, which are asked for when needed
    assert torch.equal(alone.sample(4), run.sample(4))
    with pytest.raises(DataError, match="pass them again with dataset="):
        alone.evaluate()
    vaelab.train(dataset="digits", out=tmp_path / "run", force=True, **SMALL)
    record = json.loads((tmp_path / "run" / "data.json").read_text())
    assert record["sha256"] is None and record["path"] is None and record["dataset"] == "digits"
    assert vaelab.load(tmp_path / "run").config.data.dataset == "digits"
