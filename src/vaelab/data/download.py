"""Downloads that are checked before they are used: streamed to a temporary file beside the target,
sha256 verified, fsynced, then renamed into place. A failed or mismatching download leaves nothing."""

from __future__ import annotations

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

from vaelab import progress
from vaelab.atomic import fsync_dir
from vaelab.data.files import candidate_dirs
from vaelab.errors import DataError

CHUNK = 1 << 16


def offline() -> bool:
    return os.environ.get("VAELAB_OFFLINE", "") not in ("", "0")


def fetch_or_refuse(dataset: str, data_dir: str | Path | None, download_ok: bool, how: str, fetch) -> Path:
    """For a dataset found in none of its folders: `fetch()` it, unless downloads are off (`download_ok`
    False, or $VAELAB_OFFLINE set); then one line naming every folder searched and how to get the files."""
    if not download_ok or offline():
        searched = ", ".join(str(d) for d in candidate_dirs(dataset, data_dir))
        raise DataError(f"{dataset} not found (searched {searched}); {how}")
    return fetch()


def download(url: str, target: Path, sha256: str, quiet: bool = False, timeout: float = 60.0) -> Path:
    """Fetch `url` to `target` if its sha256 matches; raises DataError otherwise (nothing left behind)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    digest = hashlib.sha256()
    try:
        with os.fdopen(fd, "wb") as out:
            try:
                with urllib.request.urlopen(url, timeout=timeout) as resp:
                    total = int(resp.headers.get("Content-Length") or 0) or None
                    with progress.bar(quiet=quiet, total=total, unit="B", unit_scale=True, desc=target.name) as bar:
                        while chunk := resp.read(CHUNK):
                            out.write(chunk)
                            digest.update(chunk)
                            bar.update(len(chunk))
            except urllib.error.HTTPError as e:
                raise DataError(f"download of {url} failed: HTTP {e.code} {e.reason}") from None
            except (urllib.error.URLError, OSError, TimeoutError) as e:
                reason = getattr(e, "reason", None) or e
                raise DataError(f"download of {url} failed: {reason}; check the network or set data.data_dir") from None
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != sha256:
            raise DataError(
                f"checksum mismatch for {url}: expected sha256 {sha256}, got {actual}; the file was not kept"
            )
        os.replace(tmp, target)
        fsync_dir(target.parent)
        return target
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
