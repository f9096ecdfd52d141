"""Scoring a model trained on a factor dataset, at the end of training or along it (a learning curve).

`score` computes every disentanglement metric of one model at a protocol's sizes; `curve_scorer` makes an
epoch hook (vaelab.runs.curve.Curve) that scores the model at chosen epochs while it trains and
appends each point to RUN/curve.jsonl. Scoring runs in eval mode inside `torch.random.fork_rng` and
draws its factors from its own numpy generator, so it does not change the training that follows: a run
scored along the way ends bitwise equal to one that was not. Points survive a kill: a resumed run keeps
those up to its checkpoint's epoch and scores the rest.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from vaelab.evaluation.disentanglement import dci_from_codes, mig_continuous_from_posteriors, mig_from_codes
from vaelab.evaluation.factor_codes import sample_factor_codes
from vaelab.evaluation.fixed_factor_scores import beta_vae_score
from vaelab.runs.build import BuiltRun
from vaelab.runs.curve import Curve
from vaelab.runs.curve import read_curve as read_points
from vaelab.runs.evaluate import evaluate_terms
from vaelab.runs.factor_report import factor_vae_accuracy
from vaelab.training.validate import evaluating

CURVE_FILE = "curve.jsonl"
# dSprites' factors a 32 x 32 sprite shows clearly: scale, posX and posY (shape and orientation blur at that size)
RESOLVED = (1, 3, 4)


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
    fvae = factor_vae_accuracy(data, means, protocol["fvae"], seed)
    chen = mig_continuous_from_posteriors(codes, logvar, factors, data.factor_sizes, np.random.default_rng([seed, 4]))
    out = {
        "mig": mig_from_codes(codes, factors)["mig"],
        "mig_resolved": mig_from_codes(codes, factors[:, list(RESOLVED)])["mig"],
        "mig_chen": chen["mig"],
        "factor_vae": fvae,
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


def curve_scorer(
    epochs: tuple[int, ...], protocol: dict, images_per_epoch: int, last_protocol: dict | None = None
) -> Curve:
    """An epoch hook that scores the model at `protocol`'s sizes after each epoch in `epochs` into
    RUN/curve.jsonl (`last_protocol`, if given, at the last of them)."""
    last = None if last_protocol is None else {"protocol": last_protocol}
    return Curve(tuple(epochs), score, {"protocol": protocol}, images_per_epoch, CURVE_FILE, last)


def read_curve(run_dir: str | Path) -> list[dict]:
    """The points curve_scorer wrote."""
    return read_points(run_dir, CURVE_FILE)
