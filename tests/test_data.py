"""Loaders: the embedded MNIST, Fashion-MNIST's search order, CIFAR-10 from files written here, digits,
and one-line errors for every kind of bad file."""

import gzip
import hashlib
import io
import os
import pickle
import tarfile
import tracemalloc

import numpy as np
import pytest
import torch

from vaelab.data import cifar, load_dataset, mnist
from vaelab.data.files import candidate_dirs
from vaelab.data.idx import decompress, parse_idx
from vaelab.errors import ConfigError, DataError

from .builders import idx_bytes, write_fashion

MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No real cache, no $VAELAB_DATA, no system folders, no network."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("VAELAB_DATA", raising=False)
    monkeypatch.setenv("VAELAB_OFFLINE", "1")
    monkeypatch.setattr("vaelab.data.files.SYSTEM_ROOTS", (tmp_path / "system",))
    mnist._load_fashion_cached.cache_clear()
    cifar._load_folder.cache_clear()
    return tmp_path


def test_embedded_mnist_is_complete_and_verified():
    ds = load_dataset("mnist")
    assert ds.train_images.shape == (60000, 1, 28, 28) and ds.test_images.shape == (10000, 1, 28, 28)
    assert ds.train_images.dtype == torch.uint8
    assert torch.bincount(ds.train_labels).tolist() == MNIST_TRAIN_COUNTS
    assert torch.bincount(ds.test_labels).tolist() == MNIST_TEST_COUNTS


def test_unknown_dataset_suggests_a_name():
    with pytest.raises(ConfigError, match="did you mean 'mnist'"):
        load_dataset("mnsit")


def test_digits_are_small_and_scaled():
    ds = load_dataset("digits")
    assert ds.train_images.shape == (1500, 1, 8, 8) and ds.test_images.shape == (297, 1, 8, 8)
    assert ds.train_images.max() == 255


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda b: b"\x01" + b[1:], "bad IDX magic"),
        (lambda b: b[:2] + b"\x0d" + b[3:], "data type 0x0d is not supported"),
        (lambda b: b[:3] + b"\x02" + b[4:], "has 2 dimensions, expected 3"),
        (lambda b: b[:-5], "truncated or corrupt"),
        (lambda b: b + b"xx", "2 bytes after"),
        (lambda b: b[:6], "truncated inside its header"),
        (lambda b: b[:4] + (2**31).to_bytes(4, "big") + b[8:], "claims 2147483648 items"),
    ],
)
def test_idx_errors_are_one_line(mutate, message):
    good = idx_bytes(np.zeros((3, 28, 28)))
    assert parse_idx(good, "f", 3, (28, 28)).shape == (3, 28, 28)
    with pytest.raises(DataError, match=message) as exc:
        parse_idx(mutate(good), "f", 3, (28, 28))
    assert "\n" not in str(exc.value)


def test_wrong_image_size_and_huge_claims_do_not_allocate():
    with pytest.raises(DataError, match=r"items have shape \(32, 32\), expected \(28, 28\)"):
        parse_idx(idx_bytes(np.zeros((2, 32, 32))), "f", 3, (28, 28))
    huge = bytes([0, 0, 8, 3]) + (2**32 - 1).to_bytes(4, "big") + (28).to_bytes(4, "big") * 2 + b"\0" * 100
    tracemalloc.start()
    with pytest.raises(DataError, match="claims"):
        parse_idx(huge, "f", 3, (28, 28))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 1 << 20


def test_corrupt_gzip_is_a_data_error():
    with pytest.raises(DataError, match="not a valid gzip file"):
        decompress(b"\x1f\x8b" + b"garbage" * 10, "f.gz")
    with pytest.raises(DataError, match="truncated"):
        decompress(gzip.compress(b"x" * 10000)[:-20], "f.gz")


def test_fashion_search_order_and_checksum(isolated, monkeypatch):
    monkeypatch.setattr(mnist, "FASHION_SHA256", {})  # accept any content: only the order is tested here
    with pytest.raises(DataError, match="fashion-mnist not found") as exc:
        load_dataset("fashion-mnist")
    assert "apt install dataset-fashion-mnist" in str(exc.value) and str(isolated / "system") in str(exc.value)
    write_fashion(isolated / "system" / "fashion-mnist")
    assert mnist.locate_fashion() == isolated / "system" / "fashion-mnist"
    write_fashion(isolated / "cache" / "vaelab")
    assert mnist.locate_fashion() == isolated / "cache" / "vaelab"
    write_fashion(isolated / "env" / "fashion-mnist")
    monkeypatch.setenv("VAELAB_DATA", str(isolated / "env"))
    assert mnist.locate_fashion() == isolated / "env" / "fashion-mnist"
    write_fashion(isolated / "mine")
    assert mnist.locate_fashion(isolated / "mine") == isolated / "mine"
    assert candidate_dirs("fashion-mnist", isolated / "mine")[0] == isolated / "mine"


def test_fashion_checksum_mismatch_names_file_and_hashes(isolated):
    write_fashion(isolated / "mine")
    with pytest.raises(
        DataError,
        match=r"checksum mismatch for .*train-images-idx3-ubyte \(decompressed\): "
        r"expected sha256 c59f468a[0-9a-f]+, got [0-9a-f]{64}",
    ):
        load_dataset("fashion-mnist", isolated / "mine")


DEBIAN_FASHION = "/usr/share/datasets/fashion-mnist"


@pytest.mark.skipif(not os.path.isdir(DEBIAN_FASHION), reason="dataset-fashion-mnist not installed")
def test_real_fashion_mnist_from_debian():
    ds = load_dataset("fashion-mnist")
    assert ds.train_images.shape == (60000, 1, 28, 28) and torch.bincount(ds.test_labels).tolist() == [1000] * 10
    assert ds.classes[9] == "Ankle boot"


def cifar_batch(n: int, seed: int) -> bytes:
    """A batch file as the official archive has it: a protocol-2 pickle of a dict with bytes keys."""
    rng = np.random.default_rng(seed)
    obj = {
        b"batch_label": b"testing",
        b"labels": rng.integers(0, 10, n).tolist(),
        b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
        b"filenames": [b"x.png"] * n,
    }
    return pickle.dumps(obj, protocol=2)


def write_cifar_archive(path, n: int = 4, extra: dict | None = None):
    with tarfile.open(path, "w:gz") as tar:
        members = {f"cifar-10-batches-py/{name}": cifar_batch(n, i) for i, name in enumerate(cifar.TRAIN + cifar.TEST)}
        members.update(extra or {})
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_cifar10_from_an_archive_in_the_official_format(isolated, monkeypatch):
    (isolated / "mine").mkdir()
    archive = write_cifar_archive(isolated / "mine" / "cifar-10-python.tar.gz", n=4)
    monkeypatch.setattr(cifar, "ARCHIVE_SHA256", hashlib.sha256(archive.read_bytes()).hexdigest())
    monkeypatch.setattr(
        cifar,
        "FILE_MD5",
        {name: hashlib.md5(cifar_batch(4, i)).hexdigest() for i, name in enumerate(cifar.TRAIN + cifar.TEST)},
    )
    ds = load_dataset("cifar10", isolated / "mine")
    assert ds.train_images.shape == (20, 3, 32, 32) and ds.test_images.shape == (4, 3, 32, 32)
    first = pickle.loads(cifar_batch(4, 0), encoding="bytes")
    assert torch.equal(ds.train_images[:4].flatten(1), torch.from_numpy(first[b"data"]))  # R, G, B planes kept
    extracted = isolated / "cache" / "vaelab" / "cifar10" / "cifar-10-batches-py"
    assert (extracted / "test_batch").is_file()
    (extracted / "test_batch").write_bytes(cifar_batch(4, 99))  # a damaged extracted file is caught by its md5
    cifar._load_folder.cache_clear()
    with pytest.raises(DataError, match="checksum mismatch for .*test_batch: expected md5"):
        load_dataset("cifar10", isolated / "mine")


def test_cifar10_archive_checksum_is_checked(isolated):
    (isolated / "mine").mkdir()
    write_cifar_archive(isolated / "mine" / "cifar-10-python.tar.gz")
    with pytest.raises(DataError, match="checksum mismatch for .*cifar-10-python.tar.gz: expected sha256 6d958be0"):
        load_dataset("cifar10", isolated / "mine")


def test_a_malicious_pickle_is_refused_without_running():
    class Boom:
        def __reduce__(self):
            return (os.system, ("echo pwned > /tmp/vaelab-pwned",))

    with pytest.raises(DataError, match="posix.system is not allowed|os.system is not allowed"):
        cifar.read_batch(pickle.dumps({b"data": Boom()}, protocol=2), "evil")
    assert not os.path.exists("/tmp/vaelab-pwned")


def test_archive_members_cannot_escape_the_target(tmp_path):
    archive = write_cifar_archive(tmp_path / "evil.tar.gz", extra={"../escaped.txt": b"gotcha"})
    with pytest.raises(DataError, match="refused|outside"):
        cifar.safe_extract(archive, tmp_path / "target")
    assert not (tmp_path / "escaped.txt").exists()


def test_bad_cifar_batches_are_data_errors():
    with pytest.raises(DataError, match="'data' must be a uint8 array"):
        cifar.read_batch(pickle.dumps({b"data": np.zeros((2, 5), np.uint8), b"labels": [0, 1]}), "b")
    with pytest.raises(DataError, match="one label per image"):
        cifar.read_batch(pickle.dumps({"data": np.zeros((2, 3072), np.uint8), "labels": [0]}), "b")
    with pytest.raises(DataError, match="not a readable CIFAR batch"):
        cifar.read_batch(b"\x80\x02garbage", "b")
