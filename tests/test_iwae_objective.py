"""The IWAE training objective: exact when q is the true posterior, above the ELBO, trainable from the CLI."""

from __future__ import annotations

import json
import math

import pytest
import torch

from vaelab.cli import main
from vaelab.config import from_dict
from vaelab.errors import ConfigError
from vaelab.models import build_model
from vaelab.models.config import ModelConfig
from vaelab.objectives import ObjectiveConfig, iwae, make_objective

from .builders import train_flags


def test_the_bound_is_log_p_x_exactly_when_q_is_the_posterior():
    # z ~ N(0, 1), x | z ~ N(z, s^2): the posterior is N(x / (1 + s^2), s^2 / (1 + s^2)), p(x) = N(0, 1 + s^2).
    s, k = 0.5, 7
    x = torch.tensor([-1.3, 0.2, 2.0]).view(3, 1, 1, 1)
    mu = x.view(3, 1) / (1 + s**2)
    logvar = torch.full_like(mu, math.log(s**2 / (1 + s**2)))
    z = mu.unsqueeze(1) + torch.randn(3, k, 1) * (0.5 * logvar).exp().unsqueeze(1)
    out = {"mu": mu, "logvar": logvar, "z": z, "x_hat": z.view(3, k, 1, 1, 1), "log_scale": torch.tensor(math.log(s))}
    terms = iwae(x, out, "gaussian")
    exact = -0.5 * (math.log(2 * math.pi * (1 + s**2)) + x.view(3) ** 2 / (1 + s**2))
    assert torch.allclose(terms["iwae"], exact, atol=1e-5)  # every weight equals p(x): no variance at all


def test_more_samples_give_a_tighter_bound_on_average():
    torch.manual_seed(0)
    model = build_model(from_dict(ModelConfig, {"hidden": [16], "latent_dim": 3}), (1, 4, 4))
    x = (torch.rand(64, 1, 4, 4) > 0.5).float()
    means = {}
    for k in (1, 20):
        with torch.no_grad():
            means[k] = torch.stack([iwae(x, model(x, samples=k))["iwae"].mean() for _ in range(30)]).mean()
    assert means[20] > means[1] + 0.05


def test_iwae_needs_a_vae():
    with pytest.raises(ConfigError, match="iwae trains model vae, not ae"):
        make_objective(ObjectiveConfig(objective="iwae"), "ae", "bernoulli", 1, 100)
    with pytest.raises(ConfigError, match="objective.k"):
        ObjectiveConfig(objective="iwae", k=0)


def test_train_with_the_iwae_objective_from_the_cli(tmp_path):
    out = tmp_path / "run"
    flags = train_flags(dataset="digits", subset=None, objective="iwae", k=5, hidden=32, epochs=2)
    args = ["train", *flags, "--out", str(out)]
    assert main(args) == 0
    record = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()][-1]
    assert record["val_iwae"] >= record["val_elbo"]  # L_5 >= L_1 on held-out images
    assert json.loads((out / "config.json").read_text())["objective"]["k"] == 5
