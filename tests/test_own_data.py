"""Your own data: image folders, .npz / .npy files and arrays in memory, read into the same uint8 datasets,
split by a fixed seed, refused in one line naming the file when bad, and recorded by the run folder."""

import json

import numpy as np
import pytest
import torch

from tests.own_data import write_images, write_npz
from vaelab.cli import main
from vaelab.data import DataConfig, load_data
from vaelab.data.arrays import from_memory
from vaelab.errors import ConfigError, DataError

SMALL = ["--hidden", "16", "--latent-dim", "3", "--epochs", "1", "--val-size", "5", "--quiet"]


def own(path, **kw):
    return load_data(DataConfig(dataset=str(path), **kw))


def test_a_folder_with_class_subfolders_is_labelled_by_them(tmp_path):
    write_images(tmp_path / "pets", classes=("dog", "cat"), n=10)
    ds = own(tmp_path / "pets")
    assert ds.classes == ("cat", "dog") and ds.labelled
    assert ds.image_shape == (1, 12, 12) and ds.train_images.dtype == torch.uint8
    assert len(ds.train_images) + len(ds.test_images) == 20 and len(ds.test_images) == 2
    assert sorted(torch.cat([ds.train_labels, ds.test_labels]).tolist()) == [0] * 10 + [1] * 10
    again = own(tmp_path / "pets")  # the same split every time
    assert torch.equal(again.test_images, ds.test_images) and again.digest == ds.digest


def test_a_flat_folder_is_unlabelled_and_colour_makes_every_image_rgb(tmp_path):
    write_images(tmp_path / "flat", classes=(), n=8)
    write_images(tmp_path / "flat", classes=(), n=2, mode="RGB", seed=1, suffix=".bmp")
    ds = own(tmp_path / "flat")
    assert not ds.labelled and ds.image_shape == (3, 12, 12)
    assert (ds.train_labels == -1).all()


def test_image_size_resizes_and_mixed_sizes_are_refused_naming_two_files(tmp_path):
    write_images(tmp_path / "mixed" / "a", classes=(), n=3, size=(12, 12))
    write_images(tmp_path / "mixed" / "b", classes=(), n=3, size=(16, 10), suffix=".jpg")
    with pytest.raises(DataError, match=r"images differ in size: .*a/000.png is 12x12, .*b/000.jpg is 16x10"):
        own(tmp_path / "mixed")
    assert own(tmp_path / "mixed", image_size=(8, 6)).image_shape == (1, 8, 6)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda p: p.mkdir(), r"holds no images"),
        (lambda p: (write_images(p, classes=(), n=2), (p / "001.png").write_bytes(b"\x89PNG\r\n")), r"001.png"),
        (lambda p: (write_images(p, n=2), write_images(p, classes=(), n=1)), r"both at its top"),
    ],
    ids=["empty", "truncated", "loose-and-classes"],
)
def test_bad_folders_fail_in_one_line_naming_the_file(tmp_path, make, message):
    make(tmp_path / "bad")
    with pytest.raises(DataError, match=message) as e:
        own(tmp_path / "bad")
    assert "\n" not in str(e.value) and "bad" in str(e.value)


def test_a_truncated_image_is_refused(tmp_path):
    write_images(tmp_path / "t", classes=(), n=2, size=(40, 40))
    data = (tmp_path / "t" / "000.png").read_bytes()
    (tmp_path / "t" / "000.png").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match=r"cannot read image .*000.png"):
        own(tmp_path / "t")


def test_npz_layouts_give_the_same_images(tmp_path):
    x = np.random.default_rng(0).integers(0, 256, (30, 3, 8, 10), dtype=np.uint8)
    np.savez(tmp_path / "nchw.npz", x=x, y=np.arange(30) % 2)
    np.savez(tmp_path / "nhwc.npz", x=x.transpose(0, 2, 3, 1), y=np.arange(30) % 2)
    np.save(tmp_path / "float.npy", x.astype(np.float32) / 255)
    a, b, c = own(tmp_path / "nchw.npz"), own(tmp_path / "nhwc.npz"), own(tmp_path / "float.npy")
    assert a.image_shape == (3, 8, 10) and a.classes == ("0", "1")
    assert torch.equal(a.train_images, b.train_images) and torch.equal(a.train_images, c.train_images)
    assert not c.labelled


@pytest.mark.parametrize(
    "arrays, message",
    [
        ({"images": np.zeros((5, 8, 8))}, r"has no array x \(it holds images\)"),
        ({"x": np.full((5, 8, 8), 2.0)}, r"must lie in \[0, 1\] \(found values from 2 to 2\)"),
        ({"x": np.full((5, 8, 8), np.nan)}, r"NaN"),
        ({"x": np.zeros((5, 8))}, r"must have shape .* \(got \(5, 8\)\)"),
        ({"x": np.zeros((5, 8, 8), dtype=np.int64)}, r"uint8 \(0 to 255\) or float in \[0, 1\] \(got int64\)"),
        ({"x": np.zeros((5, 8, 8)), "y": np.zeros(4, dtype=int)}, r"one per image"),
    ],
    ids=["no-x", "range", "nan", "dims", "dtype", "labels"],
)
def test_bad_arrays_fail_in_one_line_naming_the_file(tmp_path, arrays, message):
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(DataError, match=message) as e:
        own(tmp_path / "bad.npz")
    assert str(tmp_path / "bad.npz") in str(e.value)


def test_unreadable_or_unknown_files(tmp_path):
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"cannot read .*junk.npz"):
        own(tmp_path / "junk.npz")
    with pytest.raises(DataError, match="no such file or folder"):
        own(tmp_path / "missing.npz")
    (tmp_path / "x.csv").write_text("1,2")
    with pytest.raises(DataError, match=r"x.csv: vaelab reads a folder of images"):
        own(tmp_path / "x.csv")
    with pytest.raises(ConfigError, match="image_size applies to a folder of images"):
        own(write_npz(tmp_path / "d.npz"), image_size=(8,))


def test_memory_forms_agree_with_each_other():
    x = np.random.default_rng(0).random((40, 8, 8)).astype(np.float32)
    y = np.arange(40) % 4
    pair = from_memory((x, y), 0.1)
    tensor = from_memory((torch.from_numpy(x), torch.from_numpy(y)), 0.1)
    items = from_memory(torch.utils.data.TensorDataset(torch.from_numpy(x)[:, None], torch.from_numpy(y)), 0.1)
    assert pair.digest == tensor.digest == items.digest and pair.classes == ("0", "1", "2", "3")
    assert from_memory(x, 0.1).digest != pair.digest  # without labels it is another dataset
    with pytest.raises(DataError, match="takes a name, a path, an array"):
        from_memory(3, 0.1)


def test_cli_trains_evaluates_samples_a_folder_and_records_the_data(tmp_path, capsys):
    write_images(tmp_path / "pets", n=15)
    run = tmp_path / "run"
    assert main(["train", "--dataset", str(tmp_path / "pets"), *SMALL, "--out", str(run)]) == 0
    record = json.loads((run / "data.json").read_text())
    assert record["path"] == str((tmp_path / "pets").resolve()) and record["classes"] == ["cat", "dog"]
    assert record["sha256"] == own(tmp_path / "pets").digest
    capsys.readouterr()
    assert main(["evaluate", str(run), "--quiet"]) == 0
    assert json.loads(capsys.readouterr().out)["examples"] == 3
    assert main(["sample", str(run), "--num", "4", "--out", str(tmp_path / "s.png")]) == 0
    (tmp_path / "pets" / "cat" / "000.png").unlink()  # the data changed: refused, saying so
    capsys.readouterr()
    assert main(["evaluate", str(run), "--quiet"]) == 1
    assert "the data changed since" in capsys.readouterr().err


def test_bad_data_writes_nothing(tmp_path, capsys):
    np.savez(tmp_path / "bad.npz", x=np.full((9, 8, 8), -1.0))
    assert main(["train", "--dataset", str(tmp_path / "bad.npz"), *SMALL, "--out", str(tmp_path / "run")]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "bad.npz" in err and not (tmp_path / "run").exists()


def test_experiments_that_need_labels_say_so_and_the_others_run(tmp_path, capsys):
    data = write_npz(tmp_path / "plain.npz", n=300, shape=(8, 8), labels=False)
    out = tmp_path / "out"
    args = ["--dataset", str(data), "--profile", "tiny", "--seeds", "1", "--workers", "1", "--out", str(out), "--quiet"]
    assert main(["experiment", "clusters", *args]) == 1
    assert "experiment clusters needs labelled data" in capsys.readouterr().err and not out.exists()
    bad = ["--dataset", str(tmp_path / "missing.npz"), *args[2:]]
    assert main(["experiment", "sparsity", *bad]) == 1  # bad data: refused before anything is written
    assert "no such file or folder" in capsys.readouterr().err and not out.exists()
    assert main(["experiment", "generation", *args]) == 0  # figures without labels: one colour, any pairs
    results = json.loads((out / "generation-plain" / "results.json").read_text())
    assert results["dataset"] == str(data) and (out / "generation-plain" / "latent-2d.png").exists()


@pytest.mark.parametrize("kind", ["folder", "npz"])
def test_a_few_hundred_images_train_with_the_defaults_alone(tmp_path, capsys, kind):
    data = write_images(tmp_path / "pets", n=150) if kind == "folder" else write_npz(tmp_path / "x.npz", n=300)
    run = tmp_path / "run"
    assert main(["train", "--dataset", str(data), "--out", str(run)]) == 0  # no other setting
    held = 27  # a tenth of the 270 training images the 10% test split leaves of 300
    assert f"validation holds out {held} of the 270 training images" in capsys.readouterr().err
    assert main(["evaluate", str(run), "--quiet"]) == 0
    assert np.isfinite(json.loads(capsys.readouterr().out)["negative_elbo"])
