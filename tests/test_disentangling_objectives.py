"""FactorVAE and DIP-VAE: known answers for their parts, and FactorVAE's discriminator resumed exactly."""

import math
import subprocess
import sys
import time

import pytest
import torch

from vaelab.config import from_dict
from vaelab.errors import ConfigError
from vaelab.objectives import make_objective
from vaelab.objectives.config import ObjectiveConfig
from vaelab.objectives.dip import batch_covariance, dip_penalty, dipvae
from vaelab.objectives.factorvae import Discriminator, discriminator_terms, factorvae, permute_dims, tc_estimate
from vaelab.training.config import RunConfig

from .builders import train_flags


def test_permuting_dimensions_keeps_each_marginal_and_breaks_dependence():
    torch.manual_seed(0)
    a = torch.randn(4000, 1)
    z = torch.cat([a, a, torch.rand(4000, 1)], dim=1)  # columns 0 and 1 identical
    p = permute_dims(z)
    for d in range(3):  # the same values in each column, in another order
        assert torch.equal(p[:, d].sort().values, z[:, d].sort().values)
    assert torch.corrcoef(z[:, :2].T)[0, 1] > 0.999
    assert abs(torch.corrcoef(p[:, :2].T)[0, 1]) < 0.06
    assert not torch.equal(p[:, 0], z[:, 0])


def _trained_tc(codes: callable, steps: int = 300) -> float:
    """A small discriminator trained on codes() against their permutation; its mean TC estimate."""
    torch.manual_seed(0)
    disc = Discriminator(2, hidden=64, layers=2)
    opt = torch.optim.Adam(disc.parameters(), lr=3e-3)
    for _ in range(steps):
        terms = discriminator_terms(disc, codes())
        opt.zero_grad()
        terms["loss"].backward()
        opt.step()
    with torch.no_grad():
        return float(tc_estimate(disc, codes()).mean())


def test_a_discriminator_orders_independent_and_correlated_codes_by_total_correlation():
    def independent():
        return torch.randn(256, 2)

    def correlated():  # rho = 0.95: TC = -1/2 log(1 - rho^2) = 1.16 nats
        a = torch.randn(256, 1)
        return torch.cat([a, 0.95 * a + math.sqrt(1 - 0.95**2) * torch.randn(256, 1)], dim=1)

    tc_independent, tc_correlated = _trained_tc(independent), _trained_tc(correlated)
    assert abs(tc_independent) < 0.3
    assert tc_correlated > tc_independent + 0.5
    assert tc_correlated == pytest.approx(-0.5 * math.log(1 - 0.95**2), abs=0.6)


def test_the_dip_penalty_is_zero_for_the_identity_and_grows_with_off_diagonal_mass():
    eye = torch.eye(4)
    assert dip_penalty(eye, 10.0, 100.0) == 0
    values = []
    for rho in (0.1, 0.3, 0.6):
        cov = eye.clone()
        cov[0, 1] = cov[1, 0] = rho
        values.append(float(dip_penalty(cov, 10.0, 100.0)))
        assert values[-1] == pytest.approx(10.0 * 2 * rho**2)
    assert values == sorted(values)
    assert float(dip_penalty(2 * eye, 10.0, 100.0)) == pytest.approx(100.0 * 4)  # diagonal 2: (2 - 1)^2 per unit


def test_dip_vae_terms_add_up_and_variant_ii_counts_the_posterior_variance():
    torch.manual_seed(0)
    b, d = 512, 3
    mu, logvar = torch.randn(b, d), torch.full((b, d), math.log(0.5))
    out = {"mu": mu, "logvar": logvar, "z": mu, "x_hat": torch.zeros(b, 1, 2, 2)}
    x = torch.rand(b, 1, 2, 2)
    one = dipvae(x, out, "bernoulli", "i", lambda_od=1.0)
    assert torch.allclose(one["loss"], one["recon"] + one["kl"] + one["dip"])
    assert one["dip"][0] == pytest.approx(float(dip_penalty(batch_covariance(mu), 1.0, 10.0)), rel=1e-5)
    two = dipvae(x, out, "bernoulli", "ii", lambda_od=1.0)
    cov_z = batch_covariance(mu) + 0.5 * torch.eye(d)
    assert two["dip"][0] == pytest.approx(float(dip_penalty(cov_z, 1.0, 1.0)), rel=1e-5)


def test_factorvae_loss_is_the_elbo_plus_gamma_times_the_tc_estimate():
    torch.manual_seed(0)
    b, d = 8, 3
    out = {
        "mu": torch.randn(b, d),
        "logvar": torch.zeros(b, d),
        "z": torch.randn(b, d),
        "x_hat": torch.zeros(b, 1, 2, 2),
    }
    disc = Discriminator(d, hidden=16, layers=1)
    terms = factorvae(torch.rand(b, 1, 2, 2), out, "bernoulli", disc, gamma=7.0)
    assert torch.allclose(terms["loss"], terms["recon"] + terms["kl"] + 7.0 * terms["tc"])
    assert torch.allclose(terms["tc"], tc_estimate(disc, out["z"]))


def test_objectives_refuse_what_they_do_not_read():
    with pytest.raises(ConfigError, match="tc_gamma does not apply to objective elbo"):
        from_dict(RunConfig, {"objective": {"tc_gamma": 20.0}})
    with pytest.raises(ConfigError, match="lambda_od does not apply to objective factorvae"):
        from_dict(RunConfig, {"objective": {"objective": "factorvae", "lambda_od": 2.0}})
    with pytest.raises(ConfigError, match="latent size"):
        make_objective(ObjectiveConfig(objective="factorvae"), "vae", "bernoulli", 1, 100)
    assert make_objective(ObjectiveConfig(objective="factorvae"), "vae", "bernoulli", 1, 100, 10).auxiliary


ARGS = train_flags(
    dataset="dsprites-32", subset=1024, val_size=64, epochs=2, batch_size=32, objective="factorvae", checkpoint_every=5
)


def _same_checkpoint(a, b) -> bool:
    """Model weights bitwise; the discriminator's weights and optimizer tensor by tensor (a resumed optimizer
    lists its state in another order, so the file's bytes differ while every tensor is equal)."""
    from safetensors.torch import load

    from vaelab.training.checkpoint import safetensors_metadata

    model = "checkpoint/model.safetensors"
    if (a / model).read_bytes() != (b / model).read_bytes():
        return False
    ta, tb = ((p / "checkpoint" / "auxiliary.safetensors").read_bytes() for p in (a, b))
    la, lb = load(ta), load(tb)
    same_meta = safetensors_metadata(ta) == safetensors_metadata(tb)
    return same_meta and la.keys() == lb.keys() and all(torch.equal(la[k], lb[k]) for k in la)


def test_factorvae_resumes_bitwise_after_a_kill(tmp_path):
    ref = tmp_path / "ref"
    done = subprocess.run(
        [sys.executable, "-m", "vaelab", "train", *ARGS, "--out", str(ref)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    run = tmp_path / "run"
    proc = subprocess.Popen(
        [sys.executable, "-m", "vaelab", "train", *ARGS, "--out", str(run)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.time() + 120
    while not (run / "checkpoint" / "state.json").exists():
        assert proc.poll() is None and time.time() < deadline, proc.communicate()
        time.sleep(0.02)
    proc.kill()
    proc.communicate()
    done = subprocess.run(
        [sys.executable, "-m", "vaelab", "train", "--resume", str(run)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert _same_checkpoint(run, ref)
    last = (run / "metrics.jsonl").read_text().splitlines()[-1]
    assert '"discriminator_accuracy"' in last and '"tc"' in last
