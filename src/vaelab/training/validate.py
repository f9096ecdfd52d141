"""Validation: every per-example term of an objective, averaged over a whole split, with repeatable noise."""

from __future__ import annotations

import torch

from vaelab.data.batches import Batches

EVAL_SEED = 0  # fixed noise for validation and evaluation (the CLI's --seed default), so their numbers repeat


@torch.no_grad()
def mean_terms(
    model: torch.nn.Module, objective, batches: Batches, t: float = 0.0, seed: int = EVAL_SEED
) -> dict[str, float]:
    """Average each per-example term over every example of `batches` (eval mode, repeatable noise)."""
    was_training = model.training
    model.eval()
    sums: dict[str, torch.Tensor] = {}
    with torch.random.fork_rng(devices=[] if batches.device.type == "cpu" else [batches.device]):
        torch.manual_seed(seed)
        for x in batches.epoch(0):
            terms = objective(x, objective.outputs(model, objective.corrupt(x)), t)
            for k, v in terms.items():
                sums[k] = sums.get(k, 0) + v.double().sum()
    model.train(was_training)
    return {k: float(v) / batches.num_examples for k, v in sums.items()}
