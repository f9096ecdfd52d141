"""The denoising experiment: a denoising autoencoder against a plain one, with an overcomplete code.

Both have a 1,000-unit code for 784 pixels (784-1000-784, no hidden layer), so the plain AE can copy its
input. The arms differ only in the corruption the DAE sees while training (Gaussian, std 0.3). Each model
is tested on the same noisy test images at several levels; PSNR and SSIM to the clean image are compared
with those of the noisy input itself. Claims C9a (the overcomplete plain AE passes its input through,
noise included) and C9b (the DAE removes noise), both at the DAE's training noise, 0.3; the other
levels are shown beside it.
"""

from __future__ import annotations

import torch

from vaelab.evaluation import restoration
from vaelab.objectives.corruption import corrupt
from vaelab.runs.codes import reconstruct
from vaelab.tutorial.claims import Claim, Effect
from vaelab.tutorial.experiment import Arm, Experiment, TrainedArms
from vaelab.tutorial.profiles import ByProfile, profile_data
from vaelab.tutorial.results import aggregate, fmt
from vaelab.viz.grid import save_grid

NAME, TITLE = "denoising", "Denoising autoencoders and the overcomplete identity"
EPOCHS = ByProfile(tiny=1, quick=4, full=12)
IMAGES = ByProfile(tiny=200, quick=2000, full=10000)
TRAIN_NOISE = 0.3  # the DAE's training corruption (Gaussian std on [0, 1] pixels)
TEST_NOISE = (0.1, 0.3, 0.5)
OVERCOMPLETE = {"kind": "ae", "hidden": [], "latent_dim": 1000, "code_activation": "relu"}
PLAIN, DAE = "plain AE", "denoising AE"
DB = 0.5  # the smallest PSNR difference that matters, in dB


CLAIMS = [
    Claim(
        "C9a",
        "An overcomplete plain autoencoder learns (close to) the identity: it passes noise through",
        tuple(
            Effect(
                f"psnr_gain@{level:g}",
                PLAIN,
                None,
                0,
                DB,
                absent=True,
                decides=level == TRAIN_NOISE,
                label=f"std {level:g}: plain AE's PSNR - the noisy input's (dB)",
            )
            for level in TEST_NOISE
        ),
        design=f"a 784-1000-784 AE (more code units than pixels) on noisy test images: within +-{DB:g} dB of the "
        f"noisy input's own PSNR at std {TRAIN_NOISE:g} means it copies its input",
    ),
    Claim(
        "C9b",
        "A denoising autoencoder learns to remove noise",
        (
            Effect(
                f"psnr@{TRAIN_NOISE:g}", DAE, PLAIN, +1, DB, label=f"std {TRAIN_NOISE:g}: PSNR, DAE - plain AE (dB)"
            ),
            Effect(
                f"psnr_gain@{TRAIN_NOISE:g}",
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
        f"tested at that noise; {DB:g} dB matters",
    ),
]


def arms(ctx) -> dict:
    sections = {"data": profile_data(ctx.profile), "model": OVERCOMPLETE, "train": {"epochs": EPOCHS[ctx.profile]}}
    dae = {**sections, "objective": {"corruption": "gaussian", "noise": TRAIN_NOISE}}
    return {PLAIN: Arm("ae-over", sections), DAE: Arm("dae-over", dae)}


def prepare(ctx, runs) -> dict:
    clean = next(runs[PLAIN][0].batches("test", batch_size=IMAGES[ctx.profile]).epoch(0)).cpu()
    noisy = {lv: corrupt(clean, "gaussian", lv, torch.Generator().manual_seed(int(lv * 1000))) for lv in TEST_NOISE}
    baseline = {lv: float(restoration.psnr(clean, noisy[lv]).mean()) for lv in TEST_NOISE}
    baseline_ssim = {lv: float(restoration.ssim(clean, noisy[lv]).mean()) for lv in TEST_NOISE}
    return {"clean": clean, "noisy": noisy, "psnr_noisy": baseline, "ssim_noisy": baseline_ssim}


def measure(built, shared) -> dict[str, float]:
    clean = shared["clean"]
    out = {"psnr_clean": float(restoration.psnr(clean, reconstruct(built, clean)).mean())}
    for level, noisy in shared["noisy"].items():
        restored = reconstruct(built, noisy)
        out[f"psnr@{level:g}"] = float(restoration.psnr(clean, restored).mean())
        out[f"ssim@{level:g}"] = float(restoration.ssim(clean, restored).mean())
        out[f"psnr_gain@{level:g}"] = out[f"psnr@{level:g}"] - shared["psnr_noisy"][level]
    return out


def figures(t: TrainedArms) -> list[dict]:
    clean, picture = t.shared["clean"], []
    for noisy in t.shared["noisy"].values():
        picture += [noisy[:8], reconstruct(t.first(PLAIN), noisy[:8]), reconstruct(t.first(DAE), noisy[:8]), clean[:8]]
    save_grid(t.folder / "rows.png", torch.cat(picture), nrow=8)
    return [
        {
            "file": "rows.png",
            "caption": f"For each noise level ({', '.join(map(str, TEST_NOISE))}), four rows: noisy input, "
            "plain AE output, denoising AE output, clean image.",
        }
    ]


def extra(t: TrainedArms) -> dict:
    return {"psnr_noisy_input": t.shared["psnr_noisy"]}


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
    NAME, TITLE, arms, measure, lambda ctx: CLAIMS, figures, tables=tables, prepare=prepare, extra=extra
)
