"""The denoising experiment: a denoising autoencoder against a plain one, with an overcomplete code.

Both are 784-1000-784 autoencoders (a ReLU code of 1,000 units, no hidden layer) with a Gaussian decoder whose
output is linear, so the identity is representable: ReLU(x) = x on pixels in [0, 1]. The arms differ only in
the corruption the DAE sees while training (Gaussian, std 0.3). Each run is measured at several training
lengths (a learning curve, RUN/denoise-curve.jsonl) on the same noisy test images at several levels: PSNR
and SSIM to the clean image against the noisy input's own, and how much of a pure-noise input it passes
through. Claims C9a (the overcomplete plain AE drifts towards the identity: its gain over the noisy input
shrinks as it trains) and C9b (the DAE removes noise), at the DAE's training noise, 0.3; the other levels
and lengths are shown beside them. The lengths come from bench/c9a_pilot.py (seeds 1000-1001).
"""

from __future__ import annotations

import numpy as np
import torch

from vaelab.evaluation import restoration
from vaelab.runs.codes import reconstruct
from vaelab.runs.curve import Curve, read_curve
from vaelab.runs.restoration import noisy_test_images, restoration_scores
from vaelab.tutorial.claims import Claim, Effect
from vaelab.tutorial.experiment import Arm, Experiment, TrainedArms
from vaelab.tutorial.profiles import ByProfile, profile_data
from vaelab.tutorial.results import aggregate, fmt
from vaelab.viz.grid import save_grid
from vaelab.viz.plots import curves, save

NAME, TITLE = "denoising", "Denoising autoencoders and the overcomplete identity"
# Epochs at which every run is measured; the last is its length. bench/c9a_pilot.py (seeds 1000-1001) found the
# plain AE still improving at 32 epochs of 19,000 images (clean PSNR 37.1 dB at 16, 38.7 at 32), so by its rule
# the quick profile takes the longest its budget allows (10) and the full profile the pilot's longest (32).
LENGTHS = ByProfile(tiny=(1, 2), quick=(1, 3, 10), full=(1, 3, 10, 32))
SUBSET = ByProfile(tiny=2000, quick=20_000, full=20_000)  # training images (val_size of them held out)
IMAGES = ByProfile(tiny=200, quick=2000, full=10000)  # noisy test images scored
TRAIN_NOISE = 0.3  # the DAE's training corruption (Gaussian std on [0, 1] pixels)
TEST_NOISE = (0.1, 0.3, 0.5)
OVERCOMPLETE = {"kind": "ae", "hidden": [], "latent_dim": 1000, "code_activation": "relu", "likelihood": "gaussian"}
PLAIN, DAE = "plain AE", "denoising AE"
DB = 0.5  # the smallest PSNR difference that matters, in dB
CURVE_FILE = "denoise-curve.jsonl"
GAIN = f"psnr_gain@{TRAIN_NOISE:g}"


CLAIMS = [
    Claim(
        "C9a",
        "An overcomplete plain autoencoder is drawn towards the identity as it trains: it passes more noise through",
        (
            Effect(
                "gain_trend",
                PLAIN,
                None,
                -1,
                DB,
                label=f"std {TRAIN_NOISE:g}: plain AE's PSNR gain over the noisy input, longest - shortest length (dB)",
            ),
            Effect(
                GAIN,
                PLAIN,
                None,
                0,
                DB,
                absent=True,
                decides=False,
                label=f"std {TRAIN_NOISE:g}: plain AE's PSNR - the noisy input's, at the longest length (dB)",
            ),
            Effect(
                "noise_passthrough",
                PLAIN,
                None,
                +1,
                0.1,
                decides=False,
                label="share of a pure-noise input's variance the plain AE reproduces (1: the identity)",
            ),
        ),
        design=f"a 784-1000-784 AE with a linear Gaussian output, which can represent the identity, measured on "
        f"noisy test images (std {TRAIN_NOISE:g}) at several training lengths: if training draws it towards the "
        f"identity, its gain over the noisy input shrinks; {DB:g} dB of change matters",
    ),
    Claim(
        "C9b",
        "A denoising autoencoder learns to remove noise",
        (
            Effect(
                f"psnr@{TRAIN_NOISE:g}", DAE, PLAIN, +1, DB, label=f"std {TRAIN_NOISE:g}: PSNR, DAE - plain AE (dB)"
            ),
            Effect(
                GAIN,
                DAE,
                None,
                +1,
                DB,
                decides=False,
                label=f"std {TRAIN_NOISE:g}: DAE's PSNR - the noisy input's (dB)",
            ),
            *(
                Effect(f"psnr@{level:g}", DAE, PLAIN, +1, DB, decides=False, label=f"std {level:g}: DAE - plain AE")
                for level in TEST_NOISE
                if level != TRAIN_NOISE
            ),
        ),
        design=f"the same network trained on clean inputs or on inputs with Gaussian noise of std {TRAIN_NOISE:g}, "
        f"tested at that noise at the longest length; {DB:g} dB matters",
    ),
]


def arms(ctx) -> dict:
    p = ctx.profile
    data = {**profile_data(p), "subset": SUBSET[p]}
    sections = {"data": data, "model": OVERCOMPLETE, "train": {"epochs": LENGTHS[p][-1]}}
    dae = {**sections, "objective": {"corruption": "gaussian", "noise": TRAIN_NOISE}}
    return {PLAIN: Arm("ae-over-linear", sections), DAE: Arm("dae-over-linear", dae)}


def hook(ctx) -> Curve:
    """Every run measured at LENGTHS[profile] epochs as it trains."""
    p = ctx.profile
    options = {"images": IMAGES[p], "levels": TEST_NOISE}
    return Curve(LENGTHS[p], restoration_scores, options, SUBSET[p], CURVE_FILE)


def prepare(ctx, runs) -> dict:
    clean, noisy = noisy_test_images(runs[PLAIN][0], IMAGES[ctx.profile], TEST_NOISE)
    psnr = {lv: float(restoration.psnr(clean, x).mean()) for lv, x in noisy.items()}
    ssim = {lv: float(restoration.ssim(clean, x).mean()) for lv, x in noisy.items()}
    return {"clean": clean, "noisy": noisy, "psnr_noisy": psnr, "ssim_noisy": ssim}


def measure(built, shared) -> dict[str, float]:
    """The last point of the run's curve, with the gain's change from the first point to the last."""
    curve = read_curve(built.run_dir, CURVE_FILE)
    if not curve or curve[-1]["epoch"] != built.cfg.train.epochs:  # trained without the hook: measure now
        return {**restoration_scores(built, len(shared["clean"]), TEST_NOISE), "gain_trend": float("nan")}
    skip = ("epoch", "images", "last_protocol", "seconds")
    return {**{k: v for k, v in curve[-1].items() if k not in skip}, "gain_trend": curve[-1][GAIN] - curve[0][GAIN]}


def figures(t: TrainedArms) -> list[dict]:
    clean, picture = t.shared["clean"], []
    for noisy in t.shared["noisy"].values():
        picture += [noisy[:8], reconstruct(t.first(PLAIN), noisy[:8]), reconstruct(t.first(DAE), noisy[:8]), clean[:8]]
    save_grid(t.folder / "rows.png", torch.cat(picture), nrow=8)
    label = f"PSNR gain over the noisy input, std {TRAIN_NOISE:g} (dB)"
    save(curves(gain_curves(t), label, xlabel="training epochs"), t.folder / "gain-by-length.png")
    return [
        {
            "file": "rows.png",
            "caption": f"For each noise level ({', '.join(map(str, TEST_NOISE))}), four rows: noisy input, "
            "plain AE output, denoising AE output, clean image (decoder means, at the longest length).",
        },
        {
            "file": "gain-by-length.png",
            "caption": "How much cleaner than its noisy input each model's output is, as training goes on "
            "(mean, shaded ± sd over seeds): 0 dB is what the identity gives.",
        },
    ]


def gain_curves(t: TrainedArms) -> dict:
    """Per arm, the gain over the noisy input (std 0.3) at each measured length: mean and sd over seeds."""
    out = {}
    for arm, setups in t.runs.items():
        points = [read_curve(s.run_dir, CURVE_FILE) for s in setups]
        values = np.array([[p[GAIN] for p in run] for run in points])  # (seeds, lengths)
        out[arm] = {"x": np.array([p["epoch"] for p in points[0]]), "mean": values.mean(0), "std": values.std(0)}
    return out


def extra(t: TrainedArms) -> dict:
    gains = {arm: {k: v.tolist() for k, v in c.items()} for arm, c in gain_curves(t).items()}
    return {"psnr_noisy_input": t.shared["psnr_noisy"], "lengths": list(LENGTHS[t.ctx.profile]), "gain_curves": gains}


def tables(t: TrainedArms) -> list[dict]:
    def cell(arm: str, level: float) -> str:
        seeds = t.per_seed[arm].values()
        psnr = aggregate([m[f"psnr@{level:g}"] for m in seeds])
        ssim = aggregate([m[f"ssim@{level:g}"] for m in seeds])
        return f"{fmt(psnr, 2)} / {fmt(ssim)}"

    rows = [
        [
            f"{lv:g}",
            f"{t.shared['psnr_noisy'][lv]:.2f} / {t.shared['ssim_noisy'][lv]:.3f}",
            cell(PLAIN, lv),
            cell(DAE, lv),
        ]
        for lv in TEST_NOISE
    ]
    clean = [fmt(aggregate([m["psnr_clean"] for m in t.per_seed[a].values()]), 2) for a in (PLAIN, DAE)]
    rows.append(["0 (clean input), PSNR", "inf", *clean])
    title = (
        f"PSNR (dB) / SSIM to the clean test image ({len(t.shared['clean'])} images), Gaussian noise; the DAE "
        f"trained at std {TRAIN_NOISE}; mean ± std over seeds"
    )
    return [{"title": title, "columns": ["noise std", "noisy input", PLAIN, DAE], "rows": rows}]


EXPERIMENT = Experiment(
    NAME, TITLE, arms, measure, lambda ctx: CLAIMS, figures, tables=tables, prepare=prepare, extra=extra, hook=hook
)
