"""Where a run stands, and checkpoints that let it continue exactly.

A checkpoint saves the model, the optimizer, an objective's own network with its optimizer (FactorVAE's
discriminator), the RNG state that draws the reparameterization and corruption noise, fp16's loss scale
(its scaler's state, in state.json), and the position in the data order (epoch and batch; the order of
each epoch is a function of the seed, see vaelab.data.batches). Restoring all of them makes a resumed run
compute the same steps, so on the CPU its weights end bitwise equal to an uninterrupted run's.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from vaelab.training.checkpoint import (
    load_auxiliary,
    load_extra_tensors,
    load_model_weights,
    load_optimizer_state,
    read_state,
    save_checkpoint,
)
from vaelab.training.history import truncate_metrics
from vaelab.training.protocols import Auxiliary


@dataclass
class Position:
    epoch: int = 0  # epochs completed
    batch: int = 0  # batches of epoch `epoch` completed
    step: int = 0  # optimizer steps taken in all
    sums: dict[str, float] = field(default_factory=dict)  # the partial epoch's summed terms
    seconds: float = 0.0  # training seconds of the partial epoch so far
    skipped: int = 0  # batches of the partial epoch skipped for non-finite values


def rng_tensors(device: torch.device) -> dict[str, torch.Tensor]:
    tensors = {"rng.cpu": torch.get_rng_state()}
    if device.type == "cuda":
        tensors["rng.cuda"] = torch.cuda.get_rng_state(device)
    return tensors


def save(
    run_dir: str | Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    pos: Position,
    finished: bool,
    auxiliary: Auxiliary | None = None,
    scaler: torch.amp.GradScaler | None = None,
) -> None:
    device = next(model.parameters()).device
    state = {**asdict(pos), "finished": finished}
    if scaler is not None and scaler.is_enabled():  # scale, growth tracker and factors: Python numbers
        state["scaler"] = scaler.state_dict()
    save_checkpoint(run_dir, model, optimizer, state, rng_tensors(device), auxiliary)


def restore(
    run_dir: str | Path,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    device: torch.device,
    auxiliary: Auxiliary | None = None,
    scaler: torch.amp.GradScaler | None = None,
    writes: bool = True,
) -> tuple[Position, bool]:
    """Load weights, optimizer, the objective's own network (if any), RNG state and the fp16 loss scaler's
    state (if `scaler` is enabled) from RUN, and cut RUN/metrics.jsonl to the epochs the checkpoint holds;
    returns where to continue and whether the checkpoint is marked finished (trained to its last epoch, or
    stopped early: nothing is left to train). Under torchrun every rank restores; only the one that
    `writes` (rank 0) cuts metrics.jsonl."""
    state = read_state(run_dir)
    if scaler is not None and scaler.is_enabled() and "scaler" in state:
        scaler.load_state_dict(state["scaler"])
    load_model_weights(run_dir, model, state)
    load_optimizer_state(run_dir, optimizer, state)
    if auxiliary is not None:
        load_auxiliary(state, auxiliary)
    extra = load_extra_tensors(run_dir, state)
    if "rng.cpu" in extra:
        torch.set_rng_state(extra["rng.cpu"])
    if "rng.cuda" in extra and device.type == "cuda":
        torch.cuda.set_rng_state(extra["rng.cuda"], device)
    fields = {k: state[k] for k in ("epoch", "batch", "step", "sums", "seconds", "skipped") if k in state}
    if writes:
        truncate_metrics(run_dir, fields.get("epoch", 0))
    return Position(**fields), bool(state.get("finished", False))
