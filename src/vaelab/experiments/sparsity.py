"""Experiment 7, sparsity: sparse autoencoders against plain ones with the same code size.

Two sparsity penalties on the code (not on the weights): L1 on ReLU codes, and a KL divergence to a
target rate on sigmoid codes (Ng 2011). Each is compared with a plain AE that has the same code
nonlinearity. Measured: how many units are active per input, Hoyer sparsity, lifetime sparsity, the
reconstruction cost, activation histograms, and what each code unit draws (decoder features).
Tests claim C8.
"""

from __future__ import annotations

import time

import numpy as np
import torch

from vaelab.evaluation.restoration import sparsity_scores
from vaelab.experiments.common import (
    Context,
    aggregate,
    claim,
    fmt,
    profile_data,
    seeded_groups,
    verdict_all,
    write_results,
)
from vaelab.experiments.latents import decode_means, encode_split
from vaelab.experiments.runs import evaluate_setup
from vaelab.viz.grid import save_grid
from vaelab.viz.plots import histograms, save

NAME, TITLE = "sparsity", "Sparse autoencoders: few active units per input"
EPOCHS = {"tiny": 1, "quick": 4, "full": 12}
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
PAIRS = [
    ("sparse AE, L1 (ReLU code)", "plain AE (ReLU code)"),
    ("sparse AE, KL to rate 0.05 (sigmoid code)", "plain AE (sigmoid code)"),
]


def run(ctx: Context) -> dict:
    started = time.perf_counter()
    folder = ctx.folder(NAME)
    specs = {
        label: (
            run_label,
            {
                "data": profile_data(ctx),
                "model": {**CODE, "code_activation": act},
                "objective": obj,
                "train": {"epochs": EPOCHS[ctx.profile]},
            },
        )
        for label, (run_label, act, obj) in MODELS.items()
    }
    runs = seeded_groups(ctx, specs)
    per_seed, codes = {}, {}
    for label, setups in runs.items():
        threshold = ACTIVE[MODELS[label][1]]
        per_seed[label] = []
        for s in setups:
            z, _, _ = encode_split(s, "test")
            scores = sparsity_scores(z, threshold=threshold)
            scores["recon"] = evaluate_setup(s)["recon"]
            per_seed[label].append(scores)
        codes[label] = encode_split(setups[0], "test")[0]
    keys = ["active_fraction_per_input", "hoyer", "lifetime_mean", "recon"]
    metrics = {f"{k}[{label}]": aggregate([m[k] for m in ms]) for label, ms in per_seed.items() for k in keys}

    save(
        histograms({lab: codes[lab] for lab in list(MODELS)[:2]}, "code activation (ReLU codes)"),
        folder / "hist-relu.png",
    )
    save(
        histograms({lab: codes[lab] for lab in list(MODELS)[2:]}, "code activation (sigmoid codes)", logy=False),
        folder / "hist-sigmoid.png",
    )
    for label, setups in runs.items():
        save_grid(folder / f"features-{MODELS[label][0]}.png", decoder_features(setups[0], codes[label]), nrow=16)

    rows = [[label] + [fmt(metrics[f"{k}[{label}]"]) for k in keys] for label in MODELS]
    table = {
        "title": "Test codes (64 units); mean ± std over seeds",
        "columns": [
            "model",
            "fraction of units active per input",
            "Hoyer sparsity (1 = one-hot)",
            "mean lifetime activity",
            "reconstruction (nats)",
        ],
        "rows": rows,
    }
    pairs = [
        (a["active_fraction_per_input"], b["active_fraction_per_input"])
        for sparse, plain in PAIRS
        for a, b in zip(per_seed[sparse], per_seed[plain])
    ]
    claims = [
        claim(
            "C8",
            "A sparse autoencoder has few active units per input",
            "fraction of code units active per test input lower for each sparse AE than for the plain AE with the "
            "same code size and nonlinearity, in every seed",
            verdict_all(pairs, "lower"),
            "; ".join(
                f"{s}: {fmt(metrics[f'active_fraction_per_input[{s}]'])} vs plain "
                f"{fmt(metrics[f'active_fraction_per_input[{p}]'])}"
                for s, p in PAIRS
            ),
        )
    ]
    figures = [
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
    configs = {s.run_dir.name: s.cfg for setups in runs.values() for s in setups}
    payload = {"metrics": metrics, "tables": [table], "figures": figures, "claims": claims, "configs": configs}
    return {"path": write_results(ctx, NAME, TITLE, payload, started)}


@torch.no_grad()
def decoder_features(setup, codes: np.ndarray) -> torch.Tensor:
    """Per unit j: decode(base + a_j e_j) - decode(base), with base the median code and a_j the unit's 99th
    percentile activation, rescaled to [0, 1] per image; units ordered by how often they are active."""
    base = np.median(codes, axis=0)
    high = np.percentile(codes, 99, axis=0)
    order = np.argsort(-(codes > base + 1e-6).mean(0))
    z = np.repeat(base[None], len(order), axis=0)
    z[np.arange(len(order)), order] = high[order]
    diff = decode_means(setup, z.astype(np.float32)) - decode_means(setup, base[None].astype(np.float32))
    lo = diff.flatten(1).min(1).values.view(-1, 1, 1, 1)
    hi = diff.flatten(1).max(1).values.view(-1, 1, 1, 1)
    return (diff - lo) / (hi - lo).clamp_min(1e-8)
