"""One explicit training loop that knows nothing about the model.

It needs a module whose forward returns a dict of tensors, an objective `(x, out, t) -> dict of
per-example terms with "loss"`, and batches. Every epoch it validates, appends a line to
metrics.jsonl and writes a checkpoint. Losses are accumulated on the device; the host reads them only
for the progress bar (every `LOG_EVERY` steps) and at the end of the epoch.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from tqdm.auto import tqdm

from vaelab.data.batches import Batches
from vaelab.errors import VaelabError
from vaelab.training.checkpoint import save_checkpoint
from vaelab.training.config import TrainConfig
from vaelab.training.optim import build_optimizer, lr_factor
from vaelab.training.run_dir import append_metrics

LOG_EVERY = 50  # steps between progress-bar loss updates (each one reads a value back from the device)
EVAL_SEED = 0  # fixed noise for validation and evaluation (the CLI's --seed default), so their numbers repeat

Objective = Callable[[torch.Tensor, dict, float], dict]


@torch.no_grad()
def mean_terms(model: torch.nn.Module, objective, batches: Batches, t: float = 0.0, seed: int = EVAL_SEED) -> dict[str, float]:
    """Average each per-example term over every example of `batches` (eval mode, repeatable noise)."""
    was_training = model.training
    model.eval()
    sums: dict[str, torch.Tensor] = {}
    with torch.random.fork_rng(devices=[] if batches.device.type == "cpu" else [batches.device]):
        torch.manual_seed(seed)
        for x in batches.epoch(0):
            x_in = objective.corrupt(x) if hasattr(objective, "corrupt") else x
            terms = objective(x, model(x_in), t)
            for k, v in terms.items():
                sums[k] = sums.get(k, 0) + v.double().sum()
    model.train(was_training)
    return {k: float(v) / batches.num_examples for k, v in sums.items()}


def fit(
    model: torch.nn.Module,
    objective,
    train: Batches,
    val: Batches | None,
    cfg: TrainConfig,
    run_dir: str | Path | None = None,
    quiet: bool = False,
    on_epoch: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Train for cfg.epochs; returns the per-epoch records (also written to RUN/metrics.jsonl)."""
    device = train.device
    model.to(device).train()
    torch.manual_seed((cfg.seed * 1_000_003 + 1) % 2**63)  # the reparameterization noise: its own seeded stream
    optimizer = build_optimizer(model, cfg, device)
    base_lrs = [g["lr"] for g in optimizer.param_groups]
    steps_per_epoch = len(train)
    total_steps = cfg.epochs * steps_per_epoch
    history: list[dict] = []
    show = not quiet and sys.stderr.isatty()
    bar = tqdm(total=total_steps, disable=not show, unit="step", dynamic_ncols=True, leave=False)
    step = 0
    for epoch in range(cfg.epochs):
        started = time.perf_counter()
        sums: dict[str, torch.Tensor] = {}
        for i, x in enumerate(train.epoch(epoch)):
            t = step / steps_per_epoch  # progress in epochs, for the KL schedule
            factor = lr_factor(cfg, step / total_steps)
            for group, base in zip(optimizer.param_groups, base_lrs):
                group["lr"] = base * factor
            terms = objective(x, model(objective.corrupt(x)), t)
            loss = terms["loss"].mean()
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if cfg.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            optimizer.step()
            for k, v in terms.items():
                sums[k] = sums.get(k, 0) + v.detach().sum()
            step += 1
            bar.update(1)
            if show and i % LOG_EVERY == 0:
                bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.2f}")
        seconds = time.perf_counter() - started
        record = {"epoch": epoch + 1, "step": step, "seconds": round(seconds, 4)}
        record.update({k: float(v) / train.num_examples for k, v in sums.items()})
        record["kl_weight"] = objective.kl_weight(step / steps_per_epoch) if hasattr(objective, "kl_weight") else None
        record["lr"] = optimizer.param_groups[0]["lr"]
        if not math.isfinite(record["loss"]):
            bar.close()
            raise VaelabError(
                f"training diverged in epoch {epoch + 1}: the loss is {record['loss']}; "
                "lower --lr or set --grad-clip (the last good checkpoint is kept)"
            )
        if val is not None and val.num_examples:
            started = time.perf_counter()
            record.update({f"val_{k}": v for k, v in mean_terms(model, objective, val, step / steps_per_epoch).items()})
            record["val_seconds"] = round(time.perf_counter() - started, 4)
        history.append(record)
        if run_dir is not None:
            append_metrics(run_dir, record)
            save_checkpoint(run_dir, model, optimizer, {"epoch": epoch + 1, "step": step, "finished": epoch + 1 == cfg.epochs})
        if on_epoch is not None:
            on_epoch(record)
        if not show and not quiet:
            summary = f"loss {record['loss']:.3f}" + (f"  val {record['val_loss']:.3f}" if "val_loss" in record else "")
            print(f"epoch {epoch + 1}/{cfg.epochs}  {summary}  ({seconds:.1f} s)", file=sys.stderr)
    bar.close()
    return history
