"""One explicit training loop that knows nothing about the model.

It needs a module whose forward returns a dict of tensors, an objective `(x, out, t) -> dict of
per-example terms with "loss"`, and batches. Every epoch it validates, appends a line to
metrics.jsonl and writes a checkpoint (also every `checkpoint_every` steps). Losses are accumulated on
the device; the host reads them for the non-finite check (every step on the CPU, every `LOG_EVERY`
steps on a GPU), the progress bar, and at the end of the epoch.

Crash safety: a checkpoint holds weights, optimizer, RNG state and the position in the data order, so
`fit(..., resume=True)` continues bitwise as if never stopped. Ctrl-C saves a checkpoint and raises
`Interrupted`; a non-finite loss stops with the step and term (or skips the batch with on_nan="skip").
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import torch
from tqdm.auto import tqdm

from vaelab import noise
from vaelab.data.batches import Batches
from vaelab.errors import VaelabError
from vaelab.training import distributed
from vaelab.training.config import TrainConfig
from vaelab.training.device import autocast
from vaelab.training.optim import build_optimizer, lr_factor
from vaelab.training.resume import Position, restore, save
from vaelab.training.run_dir import append_metrics, truncate_metrics

LOG_EVERY = 50  # steps between progress-bar updates (and non-finite checks off the CPU)
EVAL_SEED = 0  # fixed noise for validation and evaluation (the CLI's --seed default), so their numbers repeat
MAX_SKIPS = 100  # on_nan="skip": give up after this many skipped batches in one epoch


class Interrupted(VaelabError):
    """Ctrl-C during training: a checkpoint was saved; exit code 130 like a shell."""

    exit_code = 130


class Diverged(VaelabError):
    """A non-finite loss; the last good checkpoint is kept."""


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


class _SigintFlag:
    """Turns the first Ctrl-C into a flag the loop checks between steps (the second one stops at once)."""

    def __init__(self):
        self.raised = False
        self.previous = None

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.raised:
            raise KeyboardInterrupt
        self.raised = True

    def __exit__(self, *exc):
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)


def _nonfinite_terms(terms: dict[str, torch.Tensor]) -> list[str]:
    return [k for k, v in terms.items() if not torch.isfinite(v).all()]


def fit(
    model: torch.nn.Module,
    objective,
    train: Batches,
    val: Batches | None,
    cfg: TrainConfig,
    run_dir: str | Path | None = None,
    quiet: bool = False,
    on_epoch: Callable[[dict], None] | None = None,
    resume: bool = False,
    progress: Callable[[int], float] | None = None,
) -> list[dict]:
    """Train to cfg.epochs; returns the per-epoch records of this call (also in RUN/metrics.jsonl).

    `progress(step)` in [0, 1] drives the learning-rate schedule in place of step / total steps: a
    wall-clock budget passes elapsed / budget (bench/nll.py), so the schedule ends when the budget does."""
    device = train.device
    model.to(device).train()
    torch.manual_seed((cfg.seed * 1_000_003 + 1) % 2**63)  # the reparameterization noise: its own seeded stream
    rank, world = distributed.info()
    net = distributed.wrap(model)  # DistributedDataParallel under torchrun, else the model itself
    run_dir = run_dir if rank == 0 else None  # rank 0 alone writes
    quiet = quiet or rank != 0
    optimizer = build_optimizer(model, cfg, device)
    precision = cfg.precision
    autocast(device, precision)  # refuse an unsupported precision before the first step
    pos = Position()
    if resume:
        pos = restore(run_dir, model, optimizer, device)
        truncate_metrics(run_dir, pos.epoch)
    base_lrs = [g.get("initial_lr", g["lr"]) for g in optimizer.param_groups]
    for g, base in zip(optimizer.param_groups, base_lrs):
        g["initial_lr"] = base
    steps_per_epoch = len(train)
    total_steps = cfg.epochs * steps_per_epoch
    check_every = 1 if device.type == "cpu" else LOG_EVERY
    history: list[dict] = []
    show = not quiet and sys.stderr.isatty()
    bar = tqdm(total=total_steps, initial=pos.step, disable=not show, unit="step", dynamic_ncols=True, leave=False)
    with _SigintFlag() as sigint:
        for epoch in range(pos.epoch, cfg.epochs):
            started = time.perf_counter() - pos.seconds
            sums = {k: torch.tensor(v, device=device) for k, v in pos.sums.items()}
            skipped = pos.skipped
            for i, (x, _, offset, total) in enumerate(train.shards(epoch, start=pos.batch), start=pos.batch):
                t = pos.step / steps_per_epoch  # progress in epochs, for the KL schedule
                if cfg.lr_schedule != "constant":
                    done = progress(pos.step) if progress is not None else pos.step / total_steps
                    factor = lr_factor(cfg, min(1.0, max(0.0, done)))
                    for group, base in zip(optimizer.param_groups, base_lrs):
                        group["lr"] = base * factor
                with noise.shard(offset, total) if world > 1 else contextlib.nullcontext(), autocast(device, precision):
                    terms = objective(x, objective.outputs(net, objective.corrupt(x)), t)
                if precision != "fp32":  # sum the terms in fp32 whatever autocast computed them in
                    terms = {k: v.float() for k, v in terms.items()}
                loss = terms["loss"].sum() * (world / total)  # DDP averages over processes: the global mean
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if cfg.grad_clip > 0:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
                if cfg.on_nan == "skip" and not _finite_step(loss, model):
                    skipped += 1
                    if skipped > MAX_SKIPS:
                        raise Diverged(
                            f"more than {MAX_SKIPS} batches of epoch {epoch + 1} had a non-finite loss or "
                            "gradient; lower --lr or set --grad-clip"
                        )
                else:
                    optimizer.step()
                    for k, v in terms.items():
                        sums[k] = sums.get(k, 0) + v.detach().sum()
                pos.step += 1
                if cfg.on_nan == "stop" and (pos.step % check_every == 0) and not torch.isfinite(loss):
                    bad = ", ".join(_nonfinite_terms(terms)) or "loss"
                    raise Diverged(
                        f"non-finite {bad} at step {pos.step} (epoch {epoch + 1}); the last good checkpoint "
                        "is kept; lower --lr, set --grad-clip, or use --on-nan skip"
                    )
                bar.update(1)
                if show and i % LOG_EVERY == 0:
                    bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.2f}")
                if sigint.raised:
                    if run_dir is not None:
                        here = _position(epoch, i + 1, pos.step, sums, started, skipped)
                        save(run_dir, model, optimizer, here, finished=False)
                    bar.close()
                    where = f"epoch {epoch + 1}, step {pos.step}"
                    hint = f"; resume with: vaelab train --resume {run_dir}" if run_dir is not None else ""
                    raise Interrupted(f"interrupted at {where}; checkpoint saved{hint}")
                if run_dir is not None and cfg.checkpoint_every and pos.step % cfg.checkpoint_every == 0:
                    here = _position(epoch, i + 1, pos.step, sums, started, skipped)
                    save(run_dir, model, optimizer, here, finished=False)
            seconds = time.perf_counter() - started
            sums = distributed.sum_all(sums)
            record = {"epoch": epoch + 1, "step": pos.step, "seconds": round(seconds, 4)}
            record.update({k: float(v) / train.num_examples for k, v in sums.items()})
            record["kl_weight"] = (
                objective.kl_weight(pos.step / steps_per_epoch) if hasattr(objective, "kl_weight") else None
            )
            record["lr"] = optimizer.param_groups[0]["lr"]
            if skipped:
                record["skipped_batches"] = skipped
            if not torch.isfinite(torch.tensor(record.get("loss", 0.0))):
                raise Diverged(
                    f"non-finite loss in epoch {epoch + 1}; the last good checkpoint is kept; "
                    "lower --lr, set --grad-clip, or use --on-nan skip"
                )
            if val is not None and val.num_examples and rank == 0:
                v_started = time.perf_counter()
                record.update(
                    {f"val_{k}": v for k, v in mean_terms(model, objective, val, pos.step / steps_per_epoch).items()}
                )
                record["val_seconds"] = round(time.perf_counter() - v_started, 4)
            history.append(record)
            pos = Position(epoch + 1, 0, pos.step)
            if run_dir is not None:
                append_metrics(run_dir, record)
                save(run_dir, model, optimizer, pos, finished=epoch + 1 == cfg.epochs)
            if on_epoch is not None:
                on_epoch(record)
            if not show and not quiet:
                summary = f"loss {record['loss']:.3f}" + (
                    f"  val {record['val_loss']:.3f}" if "val_loss" in record else ""
                )
                print(f"epoch {epoch + 1}/{cfg.epochs}  {summary}  ({seconds:.1f} s)", file=sys.stderr)
    bar.close()
    return history


def _position(epoch: int, batch: int, step: int, sums: dict, started: float, skipped: int) -> Position:
    """Where a checkpoint taken now resumes (reading the partial sums is a host sync: only at checkpoints)."""
    return Position(epoch, batch, step, {k: float(v) for k, v in sums.items()}, time.perf_counter() - started, skipped)


def _finite_step(loss: torch.Tensor, model: torch.nn.Module) -> bool:
    """True when the loss and every gradient are finite (one host sync; used by on_nan="skip" only)."""
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(g) for g in grads])) if grads else loss
    return bool(torch.isfinite(loss) & torch.isfinite(norm))
