"""Files in the datasets' exact formats, written by tests."""

import dataclasses
import gzip
import os

import numpy as np

from vaelab.data import mnist


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_fashion(folder, tamper: bool = False, n: int = 5):
    """Fashion-MNIST-format files with a few images (their checksums will not match the real ones)."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for part in mnist.PARTS:
        arr = rng.integers(0, 10, n) if "labels" in part else rng.integers(0, 256, (n, 28, 28))
        (folder / f"{part}.gz").write_bytes(gzip.compress(idx_bytes(arr)))
    return folder


# The small run most command-line tests start from: 600 images of the embedded MNIST (no download), one
# hidden layer of 64 units, 4 latents, one epoch.
SMALL_RUN = {"dataset": "mnist", "subset": 600, "val_size": 100, "hidden": 64, "latent_dim": 4, "epochs": 1}


def train_flags(quiet: bool = True, **settings) -> list[str]:
    """`vaelab train` flags for SMALL_RUN with `settings` (config field names) replacing or adding to it:
    train_flags(subset=1000, batch_size=64) -> ["--dataset", "mnist", "--subset", "1000", ..., "--quiet"].
    A setting of None leaves its flag out; True gives a bare flag; a list or tuple, one word per item."""
    flags = []
    for name, value in {**SMALL_RUN, **settings}.items():
        if value is None or value is False:
            continue
        flags.append("--" + name.replace("_", "-"))
        if value is not True:
            flags += [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    return [*flags, "--quiet"] if quiet else flags


def resume(run_dir, **options):
    """Continue the run in `run_dir` from its checkpoint, as `vaelab train --resume` does."""
    from vaelab.runs.folder import load_config
    from vaelab.runs.train import train_run

    return train_run(load_config(run_dir), run_dir, existing="continue", **options)


@dataclasses.dataclass(frozen=True)
class SignalAfterEpoch:
    """An epoch hook that sends this process `signum` at the end of epoch `epoch`: Ctrl-C (SIGINT) or a
    scheduler's SIGTERM arriving as the epoch's checkpoint is written, so the loop stops at its next step."""

    signum: int
    epoch: int = 1

    def __call__(self, built, run_dir):
        def on_epoch(record):
            if record["epoch"] == self.epoch:
                os.kill(os.getpid(), self.signum)

        return on_epoch
