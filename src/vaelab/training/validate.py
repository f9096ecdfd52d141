"""Evaluating a model without disturbing its training: eval mode under a forked RNG, and validation.

`evaluating(model, seed)` is the one way vaelab measures a model that may still be training: eval mode,
the RNG forked (and seeded, for repeatable noise), both restored afterwards, whatever happens inside.
`mean_terms` averages every per-example term of an objective over a whole split.
"""

from __future__ import annotations

import contextlib

import torch

from vaelab.data.batches import Batches

EVAL_SEED = 0  # fixed noise for validation and evaluation (the CLI's --seed default), so their numbers repeat


@contextlib.contextmanager
def evaluating(model: torch.nn.Module, seed: int | None = None):
    """Within this block `model` is in eval mode and draws from a forked RNG (seeded with `seed` if given);
    afterwards its mode and the RNG streams are as before, so training goes on as if nothing had happened."""
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    try:
        with torch.random.fork_rng(devices=[] if device.type == "cpu" else [device]):
            if seed is not None:
                torch.manual_seed(seed)
            yield model
    finally:
        model.train(was_training)


@torch.no_grad()
def mean_terms(
    model: torch.nn.Module, objective, batches: Batches, t: float = 0.0, seed: int = EVAL_SEED
) -> dict[str, float]:
    """Average each per-example term over every example of `batches` (eval mode, repeatable noise)."""
    sums: dict[str, torch.Tensor] = {}
    with evaluating(model, seed):
        for x in batches.epoch(0):
            terms = objective(x, objective.outputs(model, objective.corrupt(x)), t)
            for k, v in terms.items():
                sums[k] = sums.get(k, 0) + v.double().sum()
    return {k: float(v) / batches.num_examples for k, v in sums.items()}
