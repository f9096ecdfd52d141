import math

import pytest
import torch
from torch.distributions import Bernoulli, Normal, kl_divergence

from vaelab.objectives import ObjectiveConfig, corrupt, elbo, gaussian_kl, make_objective, reconstruction, schedules
from vaelab.objectives.divergences import bernoulli_kl
from vaelab.objectives.likelihoods import bernoulli_log_likelihood, gaussian_log_likelihood


def test_kl_of_standard_normal_to_itself_is_zero():
    assert torch.equal(gaussian_kl(torch.zeros(3, 4), torch.zeros(3, 4)), torch.zeros(3, 4))


def test_analytic_kl_matches_torch_distributions_and_monte_carlo():
    g = torch.Generator().manual_seed(0)
    mu, logvar = torch.randn(5, 3, generator=g), torch.randn(5, 3, generator=g)
    q, p = Normal(mu, (0.5 * logvar).exp()), Normal(torch.zeros(5, 3), torch.ones(5, 3))
    assert torch.allclose(gaussian_kl(mu, logvar), kl_divergence(q, p), atol=1e-6)
    z = q.sample((200_000,))
    mc = (q.log_prob(z) - p.log_prob(z)).mean(0)
    assert torch.allclose(gaussian_kl(mu, logvar), mc, atol=0.03)


def test_log_likelihoods_match_torch_distributions():
    x = torch.rand(4, 1, 5, 5).round()
    logits = torch.randn(4, 1, 5, 5)
    expected = Bernoulli(logits=logits).log_prob(x).flatten(1).sum(-1)
    assert torch.allclose(bernoulli_log_likelihood(x, {"x_hat": logits}), expected, atol=1e-5)
    mean, log_scale = torch.rand(4, 3, 5, 5), torch.tensor([-1.0, 0.0, 0.5]).view(1, 3, 1, 1)
    xg = torch.rand(4, 3, 5, 5)
    expected = Normal(mean, log_scale.exp()).log_prob(xg).flatten(1).sum(-1)
    assert torch.allclose(gaussian_log_likelihood(xg, {"x_hat": mean, "log_scale": log_scale}), expected, atol=1e-4)


def _vae_out(b=6, d=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    mu, logvar = torch.randn(b, d, generator=g), torch.randn(b, d, generator=g) * 0.3
    return {"mu": mu, "logvar": logvar, "z": mu, "x_hat": torch.randn(b, 1, 4, 4, generator=g)}


def test_elbo_terms_and_beta_weight():
    x, out = torch.rand(6, 1, 4, 4), _vae_out()
    base = elbo(x, out, kl_weight=1.0)
    assert torch.allclose(base["elbo"], -base["recon"] - base["kl"])
    assert torch.allclose(base["loss"], -base["elbo"])
    beta4 = elbo(x, out, kl_weight=4.0)
    assert torch.allclose(beta4["loss"], base["recon"] + 4 * base["kl"])
    assert torch.allclose(elbo(x, out, kl_weight=0.0)["loss"], base["recon"])


def test_free_bits_give_no_gradient_to_dimensions_under_the_threshold():
    x = torch.rand(6, 1, 4, 4)
    out = _vae_out()
    out["mu"] = torch.zeros(6, 4, requires_grad=True)
    out["logvar"] = torch.zeros(6, 4, requires_grad=True)  # KL = 0 in every dimension
    terms = elbo(x, out, free_bits=0.5)
    assert torch.allclose(terms["loss"] - terms["recon"], torch.full((6,), 0.5 * 4))
    terms["loss"].sum().backward()
    assert out["logvar"].grad.abs().sum() == 0


def test_capacity_penalises_distance_to_c():
    x, out = torch.rand(6, 1, 4, 4), _vae_out()
    kl_mean = elbo(x, out)["kl"].mean().item()
    terms = elbo(x, out, capacity=kl_mean + 2.0, gamma=10.0)
    assert torch.allclose((terms["loss"] - terms["recon"]).mean(), torch.tensor(20.0), atol=1e-4)


def test_schedules_at_chosen_steps():
    assert schedules.constant(123.0) == 1.0
    assert schedules.linear_warmup(0, 10) == 0 and schedules.linear_warmup(5, 10) == 0.5
    assert schedules.linear_warmup(25, 10) == 1.0
    # 4 cycles over 20 epochs: period 5, rising over the first half (2.5 epochs) of each
    assert schedules.cyclical(0, 20, 4, 0.5) == 0
    assert schedules.cyclical(1.25, 20, 4, 0.5) == pytest.approx(0.5)
    assert schedules.cyclical(4.0, 20, 4, 0.5) == 1.0
    assert schedules.cyclical(5.0, 20, 4, 0.5) == 0
    assert schedules.sigmoid(5, 10, 10) == pytest.approx(0.5)
    assert schedules.sigmoid(0, 10, 10) == pytest.approx(1 / (1 + math.exp(5)))
    assert schedules.capacity(5, 25.0, 10) == 12.5 and schedules.capacity(50, 25.0, 10) == 25.0


def test_objective_binds_beta_and_schedule():
    obj = make_objective(ObjectiveConfig(beta=4.0, kl_schedule="linear", warmup_epochs=2), "vae", "bernoulli", 10, 100)
    assert obj.kl_weight(0.0) == 0.0 and obj.kl_weight(1.0) == 2.0 and obj.kl_weight(3.0) == 4.0
    x, out = torch.rand(6, 1, 4, 4), _vae_out()
    terms = obj(x, out, 1.0)
    assert torch.allclose(terms["loss"], terms["recon"] + 2.0 * terms["kl"])
    assert make_objective(ObjectiveConfig(), "ae", "bernoulli", 1, 100).name == "reconstruction"


def test_sparsity_penalties():
    x = torch.rand(4, 1, 4, 4)
    z = torch.tensor([[1.0, -2.0, 0.0]] * 4)
    out = {"z": z, "x_hat": torch.zeros(4, 1, 4, 4)}
    plain = reconstruction(x, out)
    l1 = reconstruction(x, out, l1=0.5)
    assert torch.allclose(l1["loss"] - plain["loss"], torch.full((4,), 1.5))
    at_target = {"z": torch.full((4, 3), 0.05), "x_hat": out["x_hat"]}
    assert torch.allclose(reconstruction(x, at_target, sparsity_kl=1.0)["sparsity"], torch.zeros(4), atol=1e-6)
    assert bernoulli_kl(0.05, torch.tensor([0.5])).item() == pytest.approx(0.05 * math.log(0.1) + 0.95 * math.log(1.9))


@pytest.mark.parametrize("kind", ["gaussian", "masking", "salt-pepper"])
def test_corruption_stays_in_range_and_hits_the_asked_fraction(kind):
    x = torch.full((20_000, 1, 2, 2), 0.5)
    x_tilde = corrupt(x, kind, 0.3, torch.Generator().manual_seed(0))
    assert x_tilde.shape == x.shape and x_tilde.min() >= 0 and x_tilde.max() <= 1
    changed = (x_tilde != x).float().mean().item()
    if kind == "gaussian":  # clipping to [0, 1] narrows it a little
        assert 0.26 < (x_tilde - x).std().item() < 0.3
        assert abs((corrupt(x, kind, 0.05) - x).std().item() - 0.05) < 0.002
    else:
        assert abs(changed - 0.3) < 0.01
    if kind == "salt-pepper":
        hit = x_tilde[x_tilde != x]
        assert abs((hit == 1).float().mean().item() - 0.5) < 0.02
    assert corrupt(x, "none", 0.0) is x


def test_tcvae_with_identical_posteriors_has_the_known_mi_and_tc():
    # q(z|x_j) the same for every j: log q(z) = log q(z|x) - log N, so MI = log N; and per dimension the same,
    # so log prod_d q(z_d) = log q(z|x) - D log N and TC = (D - 1) log N (minibatch-weighted sampling, N = 1000).
    from vaelab.objectives.tcvae import tcvae

    b, d, n = 64, 3, 1000
    mu, logvar = torch.full((b, d), 0.3), torch.full((b, d), -1.0)
    z = mu + torch.exp(0.5 * logvar) * torch.randn(b, d, generator=torch.Generator().manual_seed(1))
    out = {"mu": mu, "logvar": logvar, "z": z, "x_hat": torch.zeros(b, 1, 2, 2)}
    terms = tcvae(torch.rand(b, 1, 2, 2), out, "bernoulli", dataset_size=n)
    assert torch.allclose(terms["mi"], torch.full((b,), math.log(n)), atol=1e-4)
    assert torch.allclose(terms["tc"], torch.full((b,), (d - 1) * math.log(n)), atol=1e-4)


def test_tcvae_terms_add_up_to_the_sampled_kl_and_tc_grows_with_correlation():
    from vaelab.objectives.densities import log_normal, log_standard_normal
    from vaelab.objectives.tcvae import tcvae

    g = torch.Generator().manual_seed(0)
    b, d = 256, 2
    mu = torch.randn(b, d, generator=g)
    logvar = torch.full((b, d), -4.0)
    z = mu + torch.exp(0.5 * logvar) * torch.randn(b, d, generator=g)
    out = {"mu": mu, "logvar": logvar, "z": z, "x_hat": torch.zeros(b, 1, 2, 2)}
    terms = tcvae(torch.rand(b, 1, 2, 2), out, "bernoulli", dataset_size=b)
    sampled_kl = (log_normal(z, mu, logvar) - log_standard_normal(z)).sum(-1)
    assert torch.allclose(terms["mi"] + terms["tc"] + terms["dwkl"], sampled_kl, atol=1e-4)
    assert torch.allclose(terms["loss"], terms["recon"] + terms["mi"] + 6 * terms["tc"] + terms["dwkl"], atol=1e-3)
    correlated = mu[:, :1].repeat(1, 2)  # z_1 = z_2 across the batch: a large total correlation
    out_c = {**out, "mu": correlated, "z": correlated + (z - mu)}
    assert tcvae(torch.rand(b, 1, 2, 2), out_c, "bernoulli", dataset_size=b)["tc"].mean() > terms["tc"].mean() + 1


@pytest.mark.parametrize("layout, tc", [("correlated", math.log(64)), ("factorial", 0.0)])
def test_tcvae_tc_is_log_b_for_perfectly_correlated_codes_and_0_for_factorial_ones(layout, tc):
    # 64 narrow posteriors, 1 apart: on a diagonal (z_1 = z_2, so I(z_1; z_2) = log 64) or on an 8 x 8 grid
    # (z_1 and z_2 independent). With N = 1 minibatch-weighted sampling is exact for the batch's mixture
    # q(z) = 1/B sum_j q(z|x_j): MI = log B, TC as above, and DWKL = KL - MI - TC.
    from vaelab.objectives.densities import log_normal, log_standard_normal
    from vaelab.objectives.tcvae import tcvae

    b = 64
    i = torch.arange(b, dtype=torch.float32)
    mu = torch.stack([i, i], 1) if layout == "correlated" else torch.stack([i // 8, i % 8], 1)
    logvar = torch.full((b, 2), -10.0)  # sd 0.007: posteriors 1 apart do not overlap
    z = mu + torch.exp(0.5 * logvar) * torch.randn(b, 2, generator=torch.Generator().manual_seed(0))
    out = {"mu": mu, "logvar": logvar, "z": z, "x_hat": torch.zeros(b, 1, 2, 2)}
    terms = tcvae(torch.rand(b, 1, 2, 2), out, "bernoulli", dataset_size=1)
    assert torch.allclose(terms["mi"], torch.full((b,), math.log(b)), atol=1e-3)
    assert torch.allclose(terms["tc"], torch.full((b,), tc), atol=1e-3)
    sampled_kl = (log_normal(z, mu, logvar) - log_standard_normal(z)).sum(-1)
    assert torch.allclose(terms["dwkl"], sampled_kl - math.log(b) - tc, atol=1e-3)
