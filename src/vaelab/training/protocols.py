"""What the trainer asks of an objective, written down (vaelab.objectives.Objective is the implementation).

The trainer knows nothing about models: it calls `objective.outputs(model, objective.corrupt(x))` for the
model's outputs, `objective(x, out, t)` for the per-example terms (with a "loss" key) at progress t in
epochs, and, when the objective has its own network (FactorVAE's discriminator), `auxiliary.step(out)`
after each model step. The auxiliary's weights and optimizer are checkpointed beside the model's.
"""

from __future__ import annotations

from typing import Protocol

import torch


class Auxiliary(Protocol):
    """An objective's own network, trained by its own optimizer after every model step."""

    name: str
    module: torch.nn.Module
    optimizer: torch.optim.Optimizer | None

    def to(self, device: torch.device) -> Auxiliary: ...

    def step(self, out: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]: ...


class TrainingObjective(Protocol):
    auxiliary: Auxiliary | None

    def __call__(self, x: torch.Tensor, out: dict[str, torch.Tensor], t: float) -> dict[str, torch.Tensor]: ...

    def outputs(self, model: torch.nn.Module, x: torch.Tensor) -> dict[str, torch.Tensor]: ...

    def corrupt(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor: ...

    def kl_weight(self, t: float) -> float: ...
