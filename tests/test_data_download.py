"""Downloads against a loopback HTTP server: checked before use, written atomically, one-line errors."""

import gzip
import hashlib
import http.server
import socket
import threading
from functools import partial

import pytest

from vaelab.data import load_dataset, mnist
from vaelab.data.download import download
from vaelab.errors import DataError

from .builders import write_fashion


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *a, **k: None
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_download_checks_the_hash_and_leaves_nothing_on_mismatch(server, tmp_path):
    root, url = server
    (root / "f.bin").write_bytes(b"hello vaelab")
    good = hashlib.sha256(b"hello vaelab").hexdigest()
    target = tmp_path / "out" / "f.bin"
    assert download(f"{url}/f.bin", target, good, quiet=True).read_bytes() == b"hello vaelab"
    other = tmp_path / "out" / "g.bin"
    with pytest.raises(DataError, match=f"checksum mismatch for {url}/f.bin: expected sha256 {'0' * 64}, got {good}"):
        download(f"{url}/f.bin", other, "0" * 64, quiet=True)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["f.bin"]


def test_http_errors_and_refused_connections_are_one_line(server, tmp_path):
    _, url = server
    with pytest.raises(DataError, match="HTTP 404"):
        download(f"{url}/missing.bin", tmp_path / "x", "0" * 64, quiet=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DataError, match="download of .* failed: .*refused") as exc:
        download(f"http://127.0.0.1:{port}/x", tmp_path / "x", "0" * 64, quiet=True)
    assert "\n" not in str(exc.value)
    assert not any(tmp_path.glob("*.part"))


def test_fashion_mnist_is_downloaded_into_the_cache_when_missing(server, tmp_path, monkeypatch):
    root, url = server
    write_fashion(root, n=3)
    gz = {p: hashlib.sha256((root / f"{p}.gz").read_bytes()).hexdigest() for p in mnist.PARTS}
    raw = {p: hashlib.sha256(gzip.decompress((root / f"{p}.gz").read_bytes())).hexdigest() for p in mnist.PARTS}
    monkeypatch.setattr(mnist, "FASHION_GZ_SHA256", gz)
    monkeypatch.setattr(mnist, "FASHION_SHA256", raw)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("VAELAB_FASHION_MNIST_URL", url)
    monkeypatch.delenv("VAELAB_OFFLINE", raising=False)
    monkeypatch.delenv("VAELAB_DATA", raising=False)
    monkeypatch.setattr("vaelab.data.files.SYSTEM_ROOTS", ())
    mnist._load_fashion_cached.cache_clear()
    ds = load_dataset("fashion-mnist")
    assert ds.train_images.shape == (3, 1, 28, 28)
    assert (tmp_path / "cache" / "vaelab" / "fashion-mnist" / "t10k-labels-idx1-ubyte.gz").is_file()
