"""The kl-annealing experiment: letting the KL weight rise during training.

The same VAE trained with a constant KL weight and with a linear warm-up (Bowman et al. 2016) over the
first half of training, paired by seed; the full profile adds a cyclical schedule (Fu et al. 2019) and
capacity annealing (Burgess et al. 2018) for the curves. Claims C6a (warm-up makes learning more
stable: more latent units stay in use, a better final likelihood) and C6b (the decoder learns first:
the first epoch's reconstruction is better with warm-up).

The design is chosen so that the instability C6a is about can occur at all: see DESIGN and
bench/c6a_pilot.py, whose runs (seeds 1000-1002, never the tutorial's) measured the candidates.
"""

from __future__ import annotations

import math

import numpy as np

from vaelab.evaluation.latent import active_units
from vaelab.runs.codes import encode_split
from vaelab.runs.evaluate import evaluate_terms
from vaelab.runs.measures import test_nll
from vaelab.training.history import read_metrics
from vaelab.tutorial.claims import Claim, Effect
from vaelab.tutorial.experiment import Arm, Experiment, TrainedArms
from vaelab.tutorial.experiments.shared_arms import DESCRIPTIVE_SEEDS
from vaelab.tutorial.profiles import ByProfile, profile_data
from vaelab.tutorial.runner import measures_table
from vaelab.viz.plots import curves, save

NAME, TITLE = "kl-annealing", "KL warm-up, cyclical and capacity annealing: training stability"
# The pilot (bench/c6a_pilot.py, seeds 1000-1002) saw units go inactive between epochs 4 and 8 (about 95
# of 100 in use after 4 in both arms, 39-57 after 8), so the runs are at least 8 epochs long.
EPOCHS = ByProfile(tiny=2, quick=8, full=12)
# This experiment's seed count (in place of the default; --seeds still wins; see tutorial/experiment.py):
# the spread across seeds is part of the claim, so more seeds than elsewhere.
SEEDS = ByProfile(tiny=None, quick=4, full=6)
MODEL = {"hidden": [400], "latent_dim": 100}
LR = 1e-3
NLL_SAMPLES = ByProfile(tiny=10, quick=200, full=1000)
NLL_IMAGES = ByProfile(tiny=100, quick=1000, full=2000)
CAPACITY = {"capacity_max": 25.0, "capacity_gamma": 100.0}  # nats, and the weight on |KL - C(t)|
SPIKE_RATIO = 1.05  # an epoch whose validation -ELBO rises 5% above the best before it is a spike
NONE, WARM = "none", "linear warm-up"
DESIGN = "a 784-400-100 VAE (100 latents, Bernoulli decoder, lr 1e-3)"


def schedules(profile: str) -> dict[str, dict]:
    """The objectives, as data: each a dict of ObjectiveConfig fields; warm-up over half the run."""
    epochs = EPOCHS[profile]
    half = max(1.0, epochs / 2)
    out = {NONE: {}, WARM: {"kl_schedule": "linear", "warmup_epochs": half}}
    if profile == "full":
        out["cyclical"] = {"kl_schedule": "cyclical", "cycles": max(1, epochs // 4), "cycle_ratio": 0.5}
        out["capacity"] = {**CAPACITY, "capacity_epochs": half}
    return out


CLAIMS = [
    Claim(
        "C6a",
        "Letting the KL weight rise during training makes learning more stable",
        (
            Effect("active_units", WARM, NONE, +1, 2.0, label="active latent units: warm-up - none"),
            Effect("nll", NONE, WARM, +1, 0.5, decides=False, label="test NLL (nats): none - warm-up"),
            Effect(
                "nll",
                NONE,
                WARM,
                +1,
                math.log(1.5),
                kind="log_sd_ratio",
                decides=False,
                label="spread of the test NLL across seeds: log(sd none / sd warm-up)",
            ),
        ),
        design=f"{DESIGN}, constant weight against linear warm-up over half the run: in the pilot (other seeds) "
        "units went inactive during training, so collapse can show here; active units decide (2 matter); the "
        "test NLL (0.5 nats) and its spread across seeds (a bootstrap interval) are shown beside them",
    ),
    Claim(
        "C6b",
        "With warm-up the decoder learns first, then the KL term comes into play",
        (Effect("early_recon", NONE, WARM, +1, 1.0, label="first-epoch reconstruction (nats): none - warm-up"),),
        design="the first epoch's training reconstruction term, in the same runs; 1 nat matters",
    ),
]


def arms(ctx) -> dict:
    train = {"epochs": EPOCHS[ctx.profile], "lr": LR}
    curves_only = DESCRIPTIVE_SEEDS[ctx.profile]  # cyclical and capacity: curves, no claim
    return {
        name: Arm(
            f"vae-anneal-{name.split()[0]}",
            {"data": profile_data(ctx.profile), "model": MODEL, "objective": obj, "train": train},
            seeds=None if name in (NONE, WARM) else curves_only,
        )
        for name, obj in schedules(ctx.profile).items()
    }


def measure(built, ctx) -> dict[str, float]:
    ev = evaluate_terms(built)
    mu, _, _ = encode_split(built, "test")
    history = read_metrics(built.run_dir)
    return {
        "negative_elbo": ev["negative_elbo"],
        "kl": ev["kl"],
        "recon": ev["recon"],
        "active_units": float(active_units(mu)["active_units"]),
        "nll": test_nll(built, NLL_SAMPLES[ctx.profile], NLL_IMAGES[ctx.profile]),
        "early_recon": history[0]["recon"],
        "loss_spikes": float(loss_spikes(history)),
    }


def loss_spikes(history: list[dict], ratio: float = SPIKE_RATIO) -> int:
    """Epochs whose validation negative ELBO rose more than `ratio` over the best seen before."""
    best, spikes = float("inf"), 0
    for r in history:
        value = -r["val_elbo"]
        if value > best * ratio:
            spikes += 1
        best = min(best, value)
    return spikes


def tables(t: TrainedArms) -> list[dict]:
    return measures_table(t, f"{DESIGN}; mean ± std over {t.ctx.seeds} seeds")


def figures(t: TrainedArms) -> list[dict]:
    history = {name: [read_metrics(s.run_dir) for s in setups] for name, setups in t.runs.items()}
    for key, label, fname, sign in [
        ("val_recon", "validation reconstruction (nats)", "recon.png", 1),
        ("val_kl", "validation KL (nats)", "kl.png", 1),
        ("val_elbo", "validation negative ELBO (nats)", "elbo.png", -1),
    ]:
        series = {}
        for name, hs in history.items():
            values = sign * np.array([[r.get(key, np.nan) for r in h] for h in hs])
            series[name] = {"x": np.arange(1, values.shape[1] + 1), "mean": values.mean(0), "std": values.std(0)}
        save(curves(series, label, title=label), t.folder / fname)
    return [
        {"file": "recon.png", "caption": "Validation reconstruction term per epoch (mean, shaded ± std over seeds)."},
        {"file": "kl.png", "caption": "Validation KL per epoch: warm-up and capacity keep it low early on."},
        {
            "file": "elbo.png",
            "caption": "Validation negative ELBO per epoch (the true bound, whatever the training weight).",
        },
    ]


EXPERIMENT = Experiment(NAME, TITLE, arms, measure, lambda ctx: CLAIMS, figures, tables=tables, seeds=SEEDS)
