"""Scoring a model trained on a factor dataset, at the end of training or along it (a learning curve).

`score` computes every disentanglement metric of one model at a protocol's sizes; `CurveScorer` is an
epoch hook (see vaelab.runs.hooks) that scores the model at chosen epochs while it trains and
appends each point to RUN/curve.jsonl. Scoring runs in eval mode inside `torch.random.fork_rng` and
draws its factors from its own numpy generator, so it does not change the training that follows: a run
scored along the way ends bitwise equal to one that was not. Points survive a kill: a resumed run keeps
those up to its checkpoint's epoch and scores the rest.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from vaelab.atomic import atomic_write_text
from vaelab.evaluation.disentanglement import dci_from_codes, mig_continuous_from_posteriors, mig_from_codes
from vaelab.evaluation.factor_codes import sample_factor_codes
from vaelab.evaluation.fixed_factor_scores import beta_vae_score, factor_vae_score
from vaelab.runs.build import BuiltRun
from vaelab.runs.evaluate import evaluate_terms
from vaelab.training.checkpoint import read_state
from vaelab.training.validate import evaluating

CURVE_FILE = "curve.jsonl"
# Metric protocol sizes; "full" is disentanglement_lib's (Locatello et al. 2019). beta_vae None: not scored.
PROTOCOLS = {
    "tiny": {"mig": 1000, "fvae": (100, 50, 1000), "bvae": (100, 50)},
    "quick": {"mig": 5000, "fvae": (1000, 500, 5000), "bvae": (1000, 500)},
    "curve": {"mig": 10_000, "fvae": (2_000, 1_000, 10_000), "bvae": None},
    "full": {"mig": 10_000, "fvae": (10_000, 5_000, 10_000), "bvae": (10_000, 5_000)},
}


def posterior(built: BuiltRun):
    """x -> (mu(x), logvar(x)) as numpy arrays."""

    def fn(x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
        mu, logvar = built.model.encode(x.to(built.device))
        return mu.cpu().numpy(), logvar.cpu().numpy()

    return fn


def score(built: BuiltRun, protocol: dict, seed: int = 0) -> dict[str, float]:
    """Every metric of one model (in eval mode, the training RNG untouched); the factor draws depend only on
    `seed`, so models compare on the same ones."""
    with evaluating(built.model), torch.no_grad():
        return _score(built, protocol, seed)


def _score(built: BuiltRun, protocol: dict, seed: int) -> dict[str, float]:
    data, both = built.dataset.factors, posterior(built)

    def means(x):
        return both(x)[0]

    def stacked(x):  # (n, 2d): mu and logvar side by side, so one pass over the draws gives both
        return np.hstack(both(x))

    n = protocol["mig"]
    pairs, factors = sample_factor_codes(data, stacked, n, np.random.default_rng([seed, 1]))
    codes, logvar = np.split(pairs, 2, axis=1)
    half = n // 2
    dci = dci_from_codes(codes[:half], factors[:half], codes[half:], factors[half:], importance="random_forest")
    fv_train, fv_eval, fv_var = protocol["fvae"]
    fvae = factor_vae_score(
        data,
        means,
        np.random.default_rng([seed, 2]),
        num_train=fv_train,
        num_eval=fv_eval,
        num_variance_estimate=fv_var,
    )
    chen = mig_continuous_from_posteriors(codes, logvar, factors, data.factor_sizes, np.random.default_rng([seed, 4]))
    out = {
        "mig": mig_from_codes(codes, factors)["mig"],
        "mig_chen": chen["mig"],
        "factor_vae": fvae["eval_accuracy"],
        "dci_d": dci["disentanglement"],
        "recon": evaluate_terms(built)["recon"],
    }
    if protocol.get("bvae"):
        bv_train, bv_eval = protocol["bvae"]
        bvae = beta_vae_score(data, means, np.random.default_rng([seed, 3]), num_train=bv_train, num_eval=bv_eval)
        out["beta_vae"] = bvae["eval_accuracy"]
    return out


def log_spaced_epochs(epochs: int, points: int) -> tuple[int, ...]:
    """`points` distinct epochs from 1 to `epochs` (fewer if there are fewer epochs), as evenly spaced in
    log(images seen) as whole epochs allow; the last is `epochs`."""
    points = min(points, epochs)
    out: list[int] = []
    for i, g in enumerate(np.geomspace(1, epochs, points)):
        lowest = out[-1] + 1 if out else 1
        highest = epochs - (points - 1 - i)  # room for the points still to come
        out.append(int(min(max(round(g), lowest), highest)))
    return tuple(out)


def read_curve(run_dir: str | Path) -> list[dict]:
    path = Path(run_dir) / CURVE_FILE
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@dataclass(frozen=True)
class CurveScorer:
    """An epoch hook: score the model after each epoch in `epochs` and append the point to RUN/curve.jsonl.

    `last_protocol`, if given, scores the last of `epochs` instead of `protocol` (the sizes a verdict is
    judged at, which may be larger or add metrics); that point says so ("last_protocol": true).
    Picklable (a frozen dataclass of plain data), so worker processes of the pool can run it."""

    epochs: tuple[int, ...]
    protocol: dict
    images_per_epoch: int
    quiet: bool = True
    last_protocol: dict | None = None

    def __call__(self, built: BuiltRun, run_dir: Path):
        run_dir = Path(run_dir)
        done_epochs = _checkpoint_epoch(run_dir)
        kept = [p for p in read_curve(run_dir) if p["epoch"] <= done_epochs]  # points after the checkpoint: redone
        _write_curve(run_dir, kept)

        def on_epoch(record: dict) -> None:
            epoch = record["epoch"]
            if epoch not in self.epochs:
                return
            started = time.perf_counter()
            last = self.last_protocol is not None and epoch == self.epochs[-1]
            scores = score(built, self.last_protocol if last else self.protocol)
            point = {"epoch": epoch, "images": epoch * self.images_per_epoch, **scores, "last_protocol": last}
            point["seconds"] = round(time.perf_counter() - started, 1)
            _write_curve(run_dir, [p for p in read_curve(run_dir) if p["epoch"] < epoch] + [point])
            if not self.quiet:
                print(f"  {run_dir.name} at {point['images']:,} images: MIG {point['mig']:.3f}", file=sys.stderr)

        return on_epoch


def _checkpoint_epoch(run_dir: Path) -> int:
    try:
        return int(read_state(run_dir).get("epoch", 0))
    except Exception:  # noqa: BLE001 - no checkpoint yet: nothing kept
        return 0


def _write_curve(run_dir: Path, points: list[dict]) -> None:
    lines = "".join(
        json.dumps({k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in p.items()}) + "\n"
        for p in points
    )
    atomic_write_text(run_dir / CURVE_FILE, lines)
