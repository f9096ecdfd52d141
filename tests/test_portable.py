"""A trained model travels: its run folder alone loads it (the data are read only when needed), on the device
asked for, including a run trained on a GPU loaded on a CPU-only machine; encode, decode and reconstruct work
in batches."""

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

import vaelab
from tests.own_data import write_images
from vaelab.cli import main
from vaelab.errors import DataError

SMALL = {"hidden": (16,), "latent_dim": 3, "epochs": 1, "quiet": True}


@pytest.fixture(scope="module")
def pets_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("portable")
    write_images(root / "pets", n=40)
    return vaelab.train(dataset=root / "pets", out=root / "run", **SMALL)


def test_a_run_loads_in_another_process_with_its_data_moved_away(pets_run, tmp_path):
    data = pets_run.path.parent / "pets"
    data.rename(data.with_name("pets-moved"))
    try:
        out = tmp_path / "samples.npy"
        code = f"import vaelab, numpy; numpy.save({str(out)!r}, vaelab.load({str(pets_run.path)!r}, device='cpu')"
        code += ".sample(6, seed=5).numpy())"
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert np.array_equal(np.load(out), pets_run.sample(6, seed=5).numpy())
        alone = vaelab.load(pets_run.path)
        assert alone.encode(pets_run.sample(3)).mean.shape == (3, 3)  # no data needed to encode or decode
        with pytest.raises(DataError, match="pets"):  # evaluating needs them: the error names where they were
            alone.evaluate()
    finally:
        data.with_name("pets-moved").rename(data)


def test_a_run_configured_for_a_gpu_loads_on_the_cpu(pets_run, tmp_path, capsys):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: the fallback to the CPU is not needed")
    config = json.loads((pets_run.path / "config.json").read_text())
    config["train"]["device"] = "cuda"
    gpu_run = tmp_path / "gpu-run"
    gpu_run.mkdir()
    for name in ("config.json", "data.json"):
        (gpu_run / name).write_text(json.dumps(config) if name == "config.json" else (pets_run.path / name).read_text())
    (gpu_run / "checkpoint").symlink_to(pets_run.path / "checkpoint")
    loaded = vaelab.load(gpu_run)
    assert loaded.device.type == "cpu" and loaded.config.train.device == "cuda"
    assert torch.equal(loaded.sample(4), pets_run.sample(4))
    assert main(["sample", str(gpu_run), "--num", "4", "--out", str(tmp_path / "s.png"), "--device", "cpu"]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(gpu_run), "--device", "cpu", "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["examples"] == 8  # the 10% test split of 80 images


def test_batched_encode_decode_and_reconstruct_equal_one_batch(pets_run):
    x = pets_run.images("test")
    whole = pets_run.encode(x, batch_size=len(x))
    pieces = pets_run.encode(x, batch_size=3)
    assert torch.allclose(whole.mean, pieces.mean, atol=1e-6) and torch.allclose(whole.logvar, pieces.logvar, atol=1e-6)
    assert torch.allclose(pets_run.decode(whole.mean, batch_size=3), pets_run.decode(whole.mean), atol=1e-6)
    assert torch.allclose(pets_run.reconstruct(x, batch_size=2), pets_run.reconstruct(x), atol=1e-6)
    assert pets_run.to("cpu") is pets_run and pets_run.device == torch.device("cpu")


def test_an_exported_folder_holds_the_hub_layout_and_loads(pets_run, tmp_path, capsys):
    out = tmp_path / "model"
    assert main(["export", str(pets_run.path), str(out), "--quiet"]) == 0
    assert {"config.json", "model.safetensors", "README.md"} <= {p.name for p in out.iterdir()}
    card = (out / "README.md").read_text()
    assert card.startswith("---\nlibrary_name: vaelab\n") and "negative ELBO" in card
    exported = vaelab.load(out)
    assert torch.equal(exported.sample(5, seed=2), pets_run.sample(5, seed=2))
    assert main(["export", str(pets_run.path), str(out)]) == 1  # not over a folder that holds something
    assert "is not empty" in capsys.readouterr().err
    (out / "model.safetensors").write_bytes((out / "model.safetensors").read_bytes()[:-4] + b"\0\0\0\0")
    with pytest.raises(Exception, match="corrupt"):
        vaelab.load(out)
