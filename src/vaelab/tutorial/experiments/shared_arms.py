"""Arms that several experiments share, in one place: a run trained for one is reused by the others.

Arms built here carry the same run label and config wherever they are used, so `OUT/runs/LABEL-HASH` is
trained once (e.g. the 784-400-20 VAE serves latent-kl, clusters, blur and generation).
"""

from __future__ import annotations

from vaelab.tutorial.context import Context
from vaelab.tutorial.experiment import Arm
from vaelab.tutorial.profiles import ByProfile, profile_data

# Epochs of the MNIST-sized models that several experiments share.
SHARED_EPOCHS = ByProfile(tiny=1, quick=5, full=15)
VAE_Z20 = {"hidden": [400], "latent_dim": 20}  # the PyTorch examples' VAE
VAE_Z2 = {"hidden": [512, 256], "latent_dim": 2}  # a 2-D latent space, drawn directly
TSNE_POINTS = ByProfile(tiny=300, quick=5000, full=10000)  # test codes mapped and probed
# Arms that only describe (no claim rests on them) train one seed: compute goes where intervals decide.
DESCRIPTIVE_SEEDS = ByProfile(tiny=1, quick=1, full=1)


def shared_arm(
    ctx: Context, run: str, model: dict, objective: dict | None = None, seeds: int | None = None, measured: bool = True
) -> Arm:
    """An arm on the context's dataset, trained for the shared number of epochs."""
    sections = {"data": profile_data(ctx.profile), "model": model, "train": {"epochs": SHARED_EPOCHS[ctx.profile]}}
    if objective:
        sections["objective"] = objective
    return Arm(run, sections, seeds=seeds, measured=measured)


def vae_z20(ctx: Context, beta: float = 1.0, seeds: int | None = None) -> Arm:
    """The 784-400-20 VAE, trained on the ELBO with weight beta on the KL term."""
    if beta == 1.0:
        return shared_arm(ctx, "vae-z20", VAE_Z20, seeds=seeds)
    return shared_arm(ctx, f"vae-z20-beta{beta:g}", VAE_Z20, {"beta": beta}, seeds=seeds)


def ae_z20(ctx: Context) -> Arm:
    """A plain autoencoder with the same network and code size as `vae_z20`."""
    return shared_arm(ctx, "ae-z20", {**VAE_Z20, "kind": "ae"})


def z2(ctx: Context, kind: str, seeds: int | None = 1, measured: bool = False) -> Arm:
    """The 2-D model of `kind` (ae or vae); by default the first seed only, for figures (not measured)."""
    return shared_arm(ctx, f"{kind}-z2", {**VAE_Z2, "kind": kind}, seeds=seeds, measured=measured)
