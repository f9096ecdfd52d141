"""One explicit training loop that knows nothing about the model.

It needs a module whose forward returns a dict of tensors, an objective as `protocols.TrainingObjective`
describes (per-example terms with "loss"; optionally a network of its own, stepped after the model's),
and batches. Every epoch it validates, appends a line to metrics.jsonl and writes a checkpoint (also
every `checkpoint_every` steps and every `checkpoint_minutes` of training); with train.early_stop it keeps
the best weights and may stop early (early_stop.py). Losses are accumulated on the device; the host reads
them for the non-finite check (every step on the CPU, every `LOG_EVERY` steps on a GPU), the progress
bar, and at the end of the epoch.

Crash safety: a checkpoint holds weights, optimizer, RNG state and the position in the data order, so
`fit(..., resume=True)` continues bitwise as if never stopped. Ctrl-C (any of train.stop_signals, sigint.py)
saves a checkpoint and raises `Interrupted`; a non-finite loss stops with the step and term (or skips the
batch with on_nan="skip").
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch
from tqdm.auto import tqdm

from vaelab import noise
from vaelab.data.batches import NOISE_STREAM, Batches, mixed_seed
from vaelab.errors import VaelabError
from vaelab.progress import bar as progress_bar
from vaelab.training import distributed
from vaelab.training.config import TrainConfig
from vaelab.training.device import autocast, precision_warning
from vaelab.training.early_stop import Stopping
from vaelab.training.history import append_metrics
from vaelab.training.optim import build_optimizer, grad_scaler, lr_factor, optimizer_step
from vaelab.training.protocols import TrainingObjective
from vaelab.training.resume import Position, restore, save
from vaelab.training.sigint import StopFlag, stopped
from vaelab.training.validate import mean_terms

LOG_EVERY = 50  # steps between progress-bar updates (and non-finite checks off the CPU)
DIVERGED_HINT = "lower train.lr, set train.grad_clip, or set train.on_nan skip"
MAX_SKIPS = 100  # on_nan="skip": give up after this many skipped batches in one epoch


class Diverged(VaelabError):
    """A non-finite loss; the last good checkpoint is kept."""


def _nonfinite_terms(terms: dict[str, torch.Tensor]) -> list[str]:
    return [k for k, v in terms.items() if not torch.isfinite(v).all()]


def fit(
    model: torch.nn.Module,
    objective: TrainingObjective,
    train: Batches,
    val: Batches | None,
    cfg: TrainConfig,
    run_dir: str | Path | None = None,
    quiet: bool = False,
    on_epoch: Callable[[dict], bool | None] | None = None,
    resume: bool = False,
    progress: Callable[[int], float] | None = None,
    on_step: Callable[[int, dict[str, torch.Tensor]], bool | None] | None = None,
) -> list[dict]:
    """Train to cfg.epochs (or until early stopping or a callback stops it); returns the per-epoch records of
    this call (also in RUN/metrics.jsonl). `on_epoch(record)` after each epoch and `on_step(step, terms)`
    after each step (steps so far; the batch's per-example terms, detached, on the device) may return True:
    training then stops at the end of the epoch, its last (the checkpoint marked finished).
    `progress(step)` in [0, 1] drives the learning-rate schedule in place of step / total steps: a
    wall-clock budget passes elapsed / budget (bench/nll.py), so the schedule ends when the budget does."""
    loop = Loop.start(model, objective, train, cfg, run_dir, quiet, resume, progress)
    loop.on_step = on_step
    with StopFlag(cfg.stop_signals) as stop:
        for epoch in range(loop.pos.epoch, loop.epochs):
            loop.begin_epoch()
            for i, (x, _, offset, total) in enumerate(train.shards(epoch, start=loop.pos.batch), start=loop.pos.batch):
                loop.step(x, offset, total, epoch)
                loop.checkpoint_or_interrupt(epoch, i + 1, stop.agreed())
            record = loop.end_epoch(epoch, val)
            if on_epoch is not None and on_epoch(record):  # before the checkpoint: a run killed here redoes the epoch
                loop.stopping.asked = True
            if loop.commit(record):
                break
    loop.bar.close()
    return loop.history


@dataclass
class Loop:
    """The state of one training run between steps: what `fit` reads in one screen is spread over these."""

    model: torch.nn.Module
    net: torch.nn.Module  # the model, or its DistributedDataParallel wrapper
    objective: TrainingObjective
    train: Batches
    cfg: TrainConfig
    optimizer: torch.optim.Optimizer
    pos: Position
    run_dir: Path | None
    quiet: bool
    progress: Callable[[int], float] | None
    base_lrs: list[float]
    bar: tqdm
    stopping: Stopping
    epochs: int  # the epoch training ends after (at the latest)
    world: int = 1
    on_step: Callable[[int, dict[str, torch.Tensor]], bool | None] | None = None
    sums: dict = field(default_factory=dict)
    skipped: int = 0
    started: float = 0.0
    last_save: float = 0.0
    history: list[dict] = field(default_factory=list)
    scaler: torch.amp.GradScaler | None = None  # train.precision fp16's loss scaler (disabled otherwise)

    @classmethod
    def start(cls, model, objective, train, cfg, run_dir, quiet, resume, progress) -> Loop:
        device = train.device
        model.to(device).train()
        torch.manual_seed(mixed_seed(cfg.seed, NOISE_STREAM))  # the noise's own stream of the run's seed
        rank, world = distributed.info()
        auxiliary = getattr(objective, "auxiliary", None)
        if auxiliary is not None:
            if world > 1:
                raise VaelabError(
                    f"the {auxiliary.name} of this objective is not synchronised across processes; "
                    "train it in one process (without torchrun)"
                )
            auxiliary.to(device)
        net = distributed.wrap(model)  # DistributedDataParallel under torchrun, else the model itself
        source = Path(run_dir) if run_dir is not None else None  # every rank resumes from the checkpoint
        run_dir = source if rank == 0 else None  # rank 0 alone writes
        quiet = quiet or rank != 0
        optimizer = build_optimizer(model, cfg, device)
        autocast(device, cfg.precision)  # refuse an unsupported precision before the first step
        warning = precision_warning(device, cfg.precision)
        if warning and not quiet:
            print(warning, file=sys.stderr)
        scaler = grad_scaler(device, cfg.precision)
        restored = restore(source, model, optimizer, device, auxiliary, scaler, writes=rank == 0) if resume else None
        pos, finished = restored or (Position(), False)
        base_lrs = [g.get("initial_lr", g["lr"]) for g in optimizer.param_groups]
        for g, base in zip(optimizer.param_groups, base_lrs):
            g["initial_lr"] = base
        bar = progress_bar(quiet=quiet, total=cfg.epochs * len(train), initial=pos.step, unit="step")
        return cls(
            model,
            net,
            objective,
            train,
            cfg,
            optimizer,
            pos,
            run_dir,
            quiet,
            progress,
            base_lrs,
            bar,
            Stopping.start(cfg.early_stop, run_dir, resume),
            pos.epoch if finished else cfg.epochs,  # a run resumed finished (stopped early) has nothing left
            world,
            last_save=time.perf_counter(),
            scaler=scaler,
        )

    @property
    def show(self) -> bool:
        return not self.bar.disable

    def begin_epoch(self) -> None:
        device = self.train.device
        self.started = time.perf_counter() - self.pos.seconds
        self.sums = {k: torch.tensor(v, device=device) for k, v in self.pos.sums.items()}
        self.skipped = self.pos.skipped

    def set_lr(self) -> None:
        cfg = self.cfg
        if cfg.lr_schedule == "constant":
            return
        total = cfg.epochs * len(self.train)
        done = self.progress(self.pos.step) if self.progress is not None else self.pos.step / total
        factor = lr_factor(cfg, min(1.0, max(0.0, done)))
        for group, base in zip(self.optimizer.param_groups, self.base_lrs):
            group["lr"] = base * factor

    def step(self, x: torch.Tensor, offset: int, total: int, epoch: int) -> None:
        """One optimizer step of the model on batch x (rows offset.. of a global batch of `total`), then the
        objective's own network's step, if it has one."""
        cfg, objective, device = self.cfg, self.objective, self.train.device
        self.set_lr()
        t = self.pos.step / len(self.train)  # progress in epochs, for the KL schedule
        sharding = noise.shard(offset, total) if self.world > 1 else contextlib.nullcontext()
        with sharding, autocast(device, cfg.precision):
            out = objective.outputs(self.net, objective.corrupt(x))
            terms = objective(x, out, t)
        if cfg.precision != "fp32":  # sum the terms in fp32 whatever autocast computed them in
            terms = {k: v.float() for k, v in terms.items()}
        loss = terms["loss"].sum() * (self.world / total)  # DDP averages over processes: the global mean
        if not optimizer_step(loss, self.model, self.optimizer, self.scaler, cfg.grad_clip, cfg.on_nan == "skip"):
            self.skipped += 1
            if self.skipped > MAX_SKIPS:
                raise Diverged(
                    f"more than {MAX_SKIPS} batches of epoch {epoch + 1} had a non-finite loss or "
                    "gradient; lower train.lr or set train.grad_clip"
                )
        else:
            auxiliary = getattr(objective, "auxiliary", None)
            if auxiliary is not None:
                own = auxiliary.step(out)  # batch means
                terms = {**terms, **{f"{auxiliary.name}_{k}": v.expand(len(x)) for k, v in own.items()}}
            for k, v in terms.items():
                self.sums[k] = self.sums.get(k, 0) + v.detach().sum()
        self.pos.step += 1
        check_every = 1 if device.type == "cpu" else LOG_EVERY
        if cfg.on_nan == "stop" and (self.pos.step % check_every == 0) and not torch.isfinite(loss):
            bad = ", ".join(_nonfinite_terms(terms)) or "loss"
            raise Diverged(
                f"non-finite {bad} at step {self.pos.step} (epoch {epoch + 1}); the last good checkpoint "
                f"is kept; {DIVERGED_HINT}"
            )
        if self.on_step is not None and self.on_step(self.pos.step, {k: v.detach() for k, v in terms.items()}):
            self.stopping.asked = True  # training stops at the end of this epoch
        self.bar.update(1)
        if self.show and self.pos.step % LOG_EVERY == 0:
            self.bar.set_postfix(epoch=epoch + 1, loss=f"{loss.item():.2f}")

    def save(self, pos: Position, finished: bool) -> None:
        auxiliary = getattr(self.objective, "auxiliary", None)
        save(self.run_dir, self.model, self.optimizer, pos, finished, auxiliary, self.scaler)
        self.last_save = time.perf_counter()

    def checkpoint_or_interrupt(self, epoch: int, batch: int, signum: int) -> None:
        """After a step: on a stop signal (`signum`) save and stop; else checkpoint every N steps or M minutes."""
        cfg, here = self.cfg, None
        if signum:
            if self.run_dir is not None:
                self.save(self._position(epoch, batch), finished=False)
            self.bar.close()
            raise stopped(signum, epoch + 1, self.pos.step, self.run_dir)
        if self.run_dir is None:
            return
        by_steps = cfg.checkpoint_every and self.pos.step % cfg.checkpoint_every == 0
        by_time = cfg.checkpoint_minutes > 0 and time.perf_counter() - self.last_save >= 60 * cfg.checkpoint_minutes
        if by_steps or by_time:
            here = self._position(epoch, batch)
            self.save(here, finished=False)

    def end_epoch(self, epoch: int, val: Batches | None) -> dict:
        """The epoch's record: training terms, KL weight, lr, validation terms (`commit` logs and saves it)."""
        seconds = time.perf_counter() - self.started
        sums = distributed.sum_all(self.sums)
        steps = len(self.train)
        record = {"epoch": epoch + 1, "step": self.pos.step, "seconds": round(seconds, 4)}
        record.update({k: float(v) / self.train.num_examples for k, v in sums.items()})
        kl_weight = getattr(self.objective, "kl_weight", None)
        record["kl_weight"] = kl_weight(self.pos.step / steps) if kl_weight is not None else None
        record["lr"] = self.optimizer.param_groups[0]["lr"]
        if self.skipped:
            record["skipped_batches"] = self.skipped
        if not torch.isfinite(torch.tensor(record.get("loss", 0.0))):
            raise Diverged(f"non-finite loss in epoch {epoch + 1}; the last good checkpoint is kept; {DIVERGED_HINT}")
        if val is not None and val.num_examples and distributed.is_main():
            v_started = time.perf_counter()
            terms = mean_terms(self.model, self.objective, val, self.pos.step / steps)
            record.update({f"val_{k}": v for k, v in terms.items()})
            record["val_seconds"] = round(time.perf_counter() - v_started, 4)
        return record

    def commit(self, record: dict) -> bool:
        """Log the epoch's record, keep the best weights (train.early_stop), and checkpoint the end of the
        epoch, marked finished after the last epoch or when training stops here; True when finished."""
        epoch = record["epoch"]
        self.history.append(record)
        self.pos = Position(epoch, 0, self.pos.step)
        stop = self.stopping.after_epoch(record, self.model)  # writes RUN/best before the checkpoint
        finished = epoch == self.cfg.epochs or bool(stop)
        if self.run_dir is not None:
            append_metrics(self.run_dir, record)
            self.save(self.pos, finished=finished)
        if not self.show and not self.quiet:
            summary = f"loss {record['loss']:.3f}" + (f"  val {record['val_loss']:.3f}" if "val_loss" in record else "")
            print(f"epoch {epoch}/{self.cfg.epochs}  {summary}  ({record['seconds']:.1f} s)", file=sys.stderr)
        if stop and epoch < self.cfg.epochs and not self.quiet:
            self.bar.write(f"vaelab: stopped after epoch {epoch}: {stop}", file=sys.stderr)
        return finished

    def _position(self, epoch: int, batch: int) -> Position:
        """Where a checkpoint taken now resumes (reading the partial sums is a host sync: only at checkpoints)."""
        sums = {k: float(v) for k, v in self.sums.items()}
        return Position(epoch, batch, self.pos.step, sums, time.perf_counter() - self.started, self.skipped)
