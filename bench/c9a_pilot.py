"""Pilot for claims C9a/C9b (an overcomplete autoencoder and the identity; denoising): the lengths to train.

The design the denoising experiment now tests: a 784-1000-784 autoencoder (ReLU code, no hidden layer) with a
Gaussian decoder whose output is linear, so the identity is representable (ReLU(x) = x on pixels in [0, 1]);
the plain AE trains on clean images, the DAE on images with Gaussian noise of std 0.3. Each run is measured at
log-spaced epochs (vaelab.runs.curve.Curve with vaelab.runs.restoration.restoration_scores), on seeds the
tutorial never uses (1000, 1001).

The rule that picks the tutorial's lengths, fixed before this pilot ran (a precondition, not the effect): the
quick profile's longest length is the shortest measured length at which the plain AE's clean-image PSNR is
within 0.5 dB of its value at the pilot's longest length, capped at what the budget allows (10 epochs of
20,000 images); the full profile's is the pilot's longest. The gain over the noisy input along the way is
reported, never used to choose.

    python bench/c9a_pilot.py [--out bench/out/c9a-pilot] [--workers 2]

Writes bench/results/c9a-pilot.json and prints the table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SMOKE_OUT, print_table, write_result  # noqa: E402
from vaelab.config import from_dict  # noqa: E402
from vaelab.parallel.pool import train_jobs  # noqa: E402
from vaelab.runs.curve import Curve, read_curve  # noqa: E402
from vaelab.runs.restoration import restoration_scores  # noqa: E402
from vaelab.training.config import RunConfig  # noqa: E402

SEEDS = (1000, 1001)  # disjoint from the tutorial's seeds (0.. and 100..)
SUBSET, EPOCHS, POINTS = 20_000, 32, (1, 2, 4, 8, 16, 32)
MODEL = {"kind": "ae", "hidden": [], "latent_dim": 1000, "code_activation": "relu", "likelihood": "gaussian"}
ARMS = {"plain AE": {}, "denoising AE": {"corruption": "gaussian", "noise": 0.3}}
FILE = "denoise-curve.jsonl"
LEVELS = (0.1, 0.3, 0.5)


def config(arm: str, seed: int) -> RunConfig:
    sections = {"data": {"subset": SUBSET}, "model": MODEL, "objective": ARMS[arm]}
    return from_dict(RunConfig, {**sections, "train": {"epochs": EPOCHS, "seed": seed}})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=SMOKE_OUT / "c9a-pilot")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    hook = Curve(POINTS, restoration_scores, {"images": 2000, "levels": LEVELS}, SUBSET - 1000, FILE)
    folders = {(a, s): args.out / f"{'dae' if 'denoising' in a else 'ae'}-s{s}" for a in ARMS for s in SEEDS}
    todo = [(config(a, s), folder, hook) for (a, s), folder in folders.items() if len(read_curve(folder, FILE)) < 6]
    train_jobs(todo, args.workers)
    curves = {key: read_curve(folder, FILE) for key, folder in folders.items()}
    rows, records = [], []
    for arm in ARMS:
        for i, epoch in enumerate(POINTS):
            points = [curves[(arm, s)][i] for s in SEEDS]
            mean = {
                k: float(np.mean([p[k] for p in points])) for k in ("psnr_clean", "psnr_gain@0.3", "noise_passthrough")
            }
            records.append({"arm": arm, "epoch": epoch, "images": points[0]["images"], **mean, "seeds": list(SEEDS)})
            rows.append(
                [
                    arm,
                    epoch,
                    f"{mean['psnr_clean']:.2f}",
                    f"{mean['psnr_gain@0.3']:.2f}",
                    f"{mean['noise_passthrough']:.3f}",
                ]
            )
    print_table(["arm", "epoch", "PSNR clean (dB)", "gain over noisy input, std 0.3 (dB)", "noise passthrough"], rows)
    plain = [r for r in records if r["arm"] == "plain AE"]
    settled = next(r["epoch"] for r in plain if plain[-1]["psnr_clean"] - r["psnr_clean"] <= 0.5)
    write_result("c9a-pilot", {"design": MODEL, "subset": SUBSET, "points": records, "quick_settled_epoch": settled})
    print(f"plain AE's clean PSNR within 0.5 dB of its epoch-{EPOCHS} value from epoch {settled} on")


if __name__ == "__main__":
    main()
