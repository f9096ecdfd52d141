"""Known-answer tests for the metrics: a perfect case, a null case, and analytic values."""

import math

import numpy as np
import pytest
import torch

from vaelab.errors import ConfigError
from vaelab.evaluation import latent, representation, restoration, samples
from vaelab.evaluation.likelihood import iwae_log_likelihood
from vaelab.objectives.densities import log_normal


def ppca(seed=0, x_dim=12, z_dim=3, sigma=0.5):
    """A linear-Gaussian model: p(z) = N(0, I), p(x|z) = N(Wz + b, sigma^2 I)."""
    g = torch.Generator().manual_seed(seed)
    w = torch.randn(x_dim, z_dim, generator=g, dtype=torch.float64)
    b = torch.randn(x_dim, generator=g, dtype=torch.float64)
    return w, b, sigma


def test_iwae_recovers_the_exact_log_likelihood_of_a_linear_gaussian_model():
    w, b, sigma = ppca()
    cov = w @ w.T + sigma**2 * torch.eye(len(b), dtype=torch.float64)
    x = torch.distributions.MultivariateNormal(b, cov).sample((20,)).double()
    exact = torch.distributions.MultivariateNormal(b, cov).log_prob(x)
    # The exact posterior is N(M^-1 W^T (x - b) / sigma^2, M^-1) with M = I + W^T W / sigma^2;
    # the encoder is deliberately imperfect: a diagonal covariance, inflated, and a shifted mean.
    m = torch.eye(w.shape[1], dtype=torch.float64) + w.T @ w / sigma**2
    post_cov = torch.linalg.inv(m)
    post_mean = (x - b) @ w @ post_cov.T / sigma**2

    def encode(x_):
        return post_mean + 0.05, torch.log(torch.diagonal(post_cov) * 1.5).expand_as(post_mean)

    def decode_log_prob(x_, z):  # z (S, B, D) -> (S, B)
        mean = z @ w.T + b
        return log_normal(x_.expand_as(mean), mean, torch.full_like(mean, 2 * math.log(sigma))).sum(-1)

    g = torch.Generator().manual_seed(1)
    estimate = iwae_log_likelihood(encode, decode_log_prob, x, num_samples=5000, chunk=700, generator=g).double()
    assert (estimate - exact).abs().mean() < 0.1
    elbo = torch.stack([iwae_log_likelihood(encode, decode_log_prob, x, 1, generator=g) for _ in range(200)]).mean(0)
    assert (elbo.double() < exact - 0.05).all()  # the ELBO sits below log p(x)


def test_active_units_and_kl_per_dimension():
    rng = np.random.default_rng(0)
    mu = np.concatenate([rng.normal(0, 1, (500, 3)), rng.normal(0, 0.01, (500, 2))], axis=1)
    result = latent.active_units(mu)
    assert result["active_units"] == 3 and result["active_fraction"] == pytest.approx(0.6)
    kl = latent.kl_per_dimension(np.zeros((10, 4)), np.zeros((10, 4)))
    assert np.allclose(kl, 0)
    assert latent.kl_per_dimension(np.ones((10, 1)), np.zeros((10, 1)))[0] == pytest.approx(0.5)


def test_mutual_information_bounds():
    rng = np.random.default_rng(0)
    n = 400
    same = np.zeros((n, 2))  # q(z|x) does not depend on x: I = 0
    assert abs(latent.mutual_information(same, np.zeros((n, 2)))) < 0.05
    far = rng.normal(0, 100, (n, 2))  # far apart, narrow posteriors: I -> log N
    assert latent.mutual_information(far, np.full((n, 2), -6.0)) == pytest.approx(math.log(n), abs=0.05)


def test_mutual_information_report_flags_an_estimate_at_its_log_n_ceiling():
    rng = np.random.default_rng(7)  # not the estimator's seed 0, whose draws would make the noise equal mu
    far = latent.mutual_information_report(rng.normal(0, 100, (400, 2)), np.full((400, 2), -6.0))
    assert far["mutual_information_max"] == pytest.approx(math.log(400)) and far["mutual_information_saturated"]
    # z = mu + e with mu, e ~ N(0, 1) per dimension: I(x; z) = 1/2 log(1 + 1) per dimension, far below log N
    overlap = latent.mutual_information_report(rng.normal(0, 1, (400, 2)), np.zeros((400, 2)))
    assert overlap["mutual_information"] == pytest.approx(2 * 0.5 * math.log(2), abs=0.15)
    assert not overlap["mutual_information_saturated"]


def test_prior_gap_is_small_for_prior_samples_and_large_for_shifted_ones():
    rng = np.random.default_rng(0)
    near = latent.prior_gap(rng.standard_normal((2000, 4)))
    far = latent.prior_gap(rng.standard_normal((2000, 4)) + 3)
    assert abs(near["mmd"]) < 0.01 and far["mmd"] > 0.5
    assert near["gaussian_fit_kl"] < 0.02 and far["gaussian_fit_kl"] == pytest.approx(0.5 * 4 * 9, rel=0.1)
    assert far["mean_norm"] == pytest.approx(6.0, rel=0.05)


def clusters(n=600, d=5, sep=20.0, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    centres = rng.normal(0, sep, (3, d))
    return centres[y] + rng.normal(0, 1, (n, d)), y


def test_representation_scores_perfect_and_chance():
    z, y = clusters()
    assert representation.knn_accuracy(z[:400], y[:400], z[400:], y[400:])["accuracy"] > 0.99
    assert representation.linear_probe_accuracy(z[:400], y[:400], z[400:], y[400:])["accuracy"] > 0.99
    assert representation.cluster_scores(z, y)["nmi"] > 0.99 and representation.cluster_scores(z, y)["ari"] > 0.99
    assert representation.silhouette(z, y)["silhouette"] > 0.8
    shuffled = np.random.default_rng(1).permutation(y)
    assert representation.knn_accuracy(z[:400], shuffled[:400], z[400:], shuffled[400:])["accuracy"] < 0.5
    assert representation.cluster_scores(z, shuffled)["nmi"] < 0.05
    assert representation.silhouette(z, shuffled)["silhouette"] < 0.05
    with pytest.raises(ConfigError, match="must match"):
        representation.silhouette(z, y[:10])


def test_laplacian_variance_sees_blur():
    rng = np.random.default_rng(0)
    sharp = torch.from_numpy(rng.random((4, 1, 28, 28))).float()
    blurred = torch.nn.functional.avg_pool2d(sharp, 3, stride=1, padding=1)
    assert (samples.laplacian_variance(blurred) < samples.laplacian_variance(sharp)).all()
    assert np.allclose(samples.laplacian_variance(torch.full((2, 1, 8, 8), 0.7)), 0)
    checker = (torch.arange(8)[:, None] + torch.arange(8)[None]) % 2  # Laplacian = +-4: variance 16
    assert samples.laplacian_variance(checker.float().view(1, 1, 8, 8))[0] == pytest.approx(16.0)


def test_frechet_distance_known_answers():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20000, 3))
    assert samples.frechet_distance(a, a) == pytest.approx(0, abs=1e-6)
    assert samples.frechet_distance(a, a + np.array([1.0, 2.0, 0.0])) == pytest.approx(5.0, rel=1e-3)
    b = rng.standard_normal((20000, 3)) * 2  # N(0, I) vs N(0, 4I): tr(I + 4I - 2 * 2I) = 3
    assert samples.frechet_distance(a, b) == pytest.approx(3.0, rel=0.05)


def test_classifier_confidence():
    sure = np.eye(4)[[0, 1, 2, 3]]
    assert samples.classifier_confidence(sure) == pytest.approx(
        {"confidence": 1.0, "entropy": 0.0, "class_diversity": math.log(4)}
    )
    unsure = np.full((5, 4), 0.25)
    assert samples.classifier_confidence(unsure)["entropy"] == pytest.approx(math.log(4))


def test_psnr_and_ssim_known_answers():
    clean = torch.rand(3, 1, 28, 28)
    assert restoration.psnr(clean, (clean + 0.1)) == pytest.approx([20.0] * 3, abs=1e-4)
    assert restoration.ssim(clean, clean) == pytest.approx([1.0] * 3, abs=1e-6)
    g = torch.Generator().manual_seed(0)
    noisy = [clean + s * torch.randn(clean.shape, generator=g) for s in (0.05, 0.2)]
    s1, s2 = (restoration.ssim(clean, n).mean() for n in noisy)
    assert 1 > s1 > s2
    # flat images: no variance, so SSIM is the luminance term (2 ab + C1) / (a^2 + b^2 + C1), C1 = (0.01)^2
    a, b = torch.full((1, 1, 28, 28), 0.5), torch.full((1, 1, 28, 28), 0.6)
    assert restoration.ssim(a, b)[0] == pytest.approx((2 * 0.5 * 0.6 + 1e-4) / (0.5**2 + 0.6**2 + 1e-4), abs=1e-5)


def test_sparsity_scores_known_answers():
    one_hot = np.eye(8)
    s = restoration.sparsity_scores(one_hot)
    assert s["hoyer"] == pytest.approx(1.0) and s["active_fraction_per_input"] == pytest.approx(1 / 8)
    assert s["lifetime_mean"] == pytest.approx(1 / 8) and s["dead_units"] == 0
    dense = restoration.sparsity_scores(np.ones((5, 8)))
    assert dense["hoyer"] == pytest.approx(0.0) and dense["active_fraction_per_input"] == 1.0
    assert restoration.sparsity_scores(np.zeros((3, 4)))["dead_units"] == 4
