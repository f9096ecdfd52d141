"""The sparsity experiment: sparse autoencoders against plain ones with the same code size.

Two sparsity penalties on the code (not on the weights): L1 on ReLU codes, and a KL divergence to a
target rate on sigmoid codes (Ng 2011). Each is compared with a plain AE that has the same code
nonlinearity. Measured: how many units are active per input, Hoyer sparsity, lifetime sparsity, the
reconstruction cost, activation histograms, and what each code unit draws (decoder features).
Each sparse arm differs from its plain arm only in the penalty (same network, code nonlinearity, seed).
Claim C8.
"""

from __future__ import annotations

import numpy as np
import torch

from vaelab.evaluation.representation import linear_probe_accuracy
from vaelab.evaluation.restoration import sparsity_scores
from vaelab.runs.codes import decode_means, encode_split
from vaelab.runs.evaluate import evaluate_terms
from vaelab.tutorial.claims import Claim, Effect
from vaelab.tutorial.experiment import Arm, Experiment, TrainedArms
from vaelab.tutorial.profiles import ByProfile, profile_data
from vaelab.tutorial.runner import measures_table
from vaelab.viz.grid import save_grid
from vaelab.viz.plots import histograms, save

NAME, TITLE = "sparsity", "Sparse autoencoders: few active units per input"
EPOCHS = ByProfile(tiny=1, quick=3, full=12)
CODE = {"kind": "ae", "hidden": [400], "latent_dim": 64}
ACTIVE = {"relu": 1e-3, "sigmoid": 0.1}  # a unit counts as active above this activation
# label: (run label, code activation, objective fields)
MODELS = {
    "plain AE (ReLU code)": ("ae-relu64", "relu", {}),
    "sparse AE, L1 (ReLU code)": ("sae-l1-64", "relu", {"l1": 0.5}),
    "plain AE (sigmoid code)": ("ae-sigmoid64", "sigmoid", {}),
    "sparse AE, KL to rate 0.05 (sigmoid code)": (
        "sae-kl-64",
        "sigmoid",
        {"sparsity_kl": 5.0, "sparsity_target": 0.05},
    ),
}
PAIRS = {  # what the effect is called: (sparse arm, plain arm)
    "L1, ReLU code": ("sparse AE, L1 (ReLU code)", "plain AE (ReLU code)"),
    "KL to rate 0.05, sigmoid code": ("sparse AE, KL to rate 0.05 (sigmoid code)", "plain AE (sigmoid code)"),
}
PRIMARY = "L1, ReLU code"  # the pair that decides C8; the other is shown beside it
KEYS = ["active_fraction_per_input", "hoyer", "dead_units", "recon"]

PROBE_TRAIN = 5000  # training codes the linear probe is fit on


def claims(ctx) -> list[Claim]:
    """C8, and on labelled data what sparsity is meant to buy: codes a linear classifier reads better."""
    probes = ctx.data().labelled
    active = tuple(
        Effect(
            "active_fraction_per_input",
            plain,
            sparse,
            +1,
            0.05,
            decides=name == PRIMARY,
            label=f"active fraction: plain - sparse ({name})",
        )
        for name, (sparse, plain) in PAIRS.items()
    )
    probe = tuple(
        Effect("linear_probe", sparse, plain, +1, 0.01, decides=False, label=f"linear probe: sparse - plain ({name})")
        for name, (sparse, plain) in PAIRS.items()
        if probes
    )
    design = (
        "each sparse AE against the plain AE with the same 64-unit code and nonlinearity; the L1 pair decides and "
        "the KL-to-a-rate pair is shown beside it; 5 points of the fraction of active units matter"
    )
    if probes:
        design += "; what sparsity should buy, a linear probe's test accuracy on the codes (1 point matters), is shown"
    return [Claim("C8", "A sparse autoencoder has few active units per input", active + probe, design=design)]


def arms(ctx) -> dict:
    train = {"epochs": EPOCHS[ctx.profile]}
    return {
        label: Arm(
            run,
            {
                "data": profile_data(ctx.profile),
                "model": {**CODE, "code_activation": act},
                "objective": obj,
                "train": train,
            },
        )
        for label, (run, act, obj) in MODELS.items()
    }


def measure(built, shared) -> dict[str, float]:
    z, test_y, _ = encode_split(built, "test")
    scores = sparsity_scores(z, threshold=ACTIVE[built.cfg.model.code_activation])
    out = {**{k: float(scores[k]) for k in KEYS if k in scores}, "recon": evaluate_terms(built)["recon"]}
    if built.dataset.labelled:
        train_z, train_y, _ = encode_split(built, "train", limit=PROBE_TRAIN)
        out["linear_probe"] = linear_probe_accuracy(train_z, train_y, z, test_y)["accuracy"]
    return out


def figures(t: TrainedArms) -> list[dict]:
    codes = {label: encode_split(t.first(label), "test")[0] for label in MODELS}
    relu, sigmoid = list(MODELS)[:2], list(MODELS)[2:]
    save(histograms({lab: codes[lab] for lab in relu}, "code activation (ReLU codes)"), t.folder / "hist-relu.png")
    save(
        histograms({lab: codes[lab] for lab in sigmoid}, "code activation (sigmoid codes)", logy=False),
        t.folder / "hist-sigmoid.png",
    )
    for label in MODELS:
        features = decoder_features(t.first(label), codes[label])
        save_grid(t.folder / f"features-{MODELS[label][0]}.png", features, nrow=16)
    return [
        {"file": "hist-relu.png", "caption": "Distribution of code activations over test images, ReLU codes."},
        {"file": "hist-sigmoid.png", "caption": "Distribution of code activations over test images, sigmoid codes."},
    ] + [
        {
            "file": f"features-{MODELS[lab][0]}.png",
            "caption": f"{lab}: what each of the 64 code units draws (decoder output when that unit alone is raised, "
            "minus the output of the all-typical code), most used units first.",
        }
        for lab in MODELS
    ]


def tables(t: TrainedArms) -> list[dict]:
    return measures_table(t, "Test codes (64 units); mean ± std over seeds")


@torch.no_grad()
def decoder_features(built, codes: np.ndarray) -> torch.Tensor:
    """Per unit j: decode(base + a_j e_j) - decode(base), with base the median code and a_j the unit's 99th
    percentile activation, rescaled to [0, 1] per image; units ordered by how often they are active."""
    base = np.median(codes, axis=0)
    high = np.percentile(codes, 99, axis=0)
    order = np.argsort(-(codes > base + 1e-6).mean(0))
    z = np.repeat(base[None], len(order), axis=0)
    z[np.arange(len(order)), order] = high[order]
    diff = decode_means(built, z.astype(np.float32)) - decode_means(built, base[None].astype(np.float32))
    lo = diff.flatten(1).min(1).values.view(-1, 1, 1, 1)
    hi = diff.flatten(1).max(1).values.view(-1, 1, 1, 1)
    return (diff - lo) / (hi - lo).clamp_min(1e-8)


EXPERIMENT = Experiment(NAME, TITLE, arms, measure, claims, figures, tables=tables)
