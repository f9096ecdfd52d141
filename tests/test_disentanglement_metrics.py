"""Known-answer tests of the disentanglement metrics (MIG, FactorVAE, beta-VAE, DCI, SAP).

Most tests use a tiny factor dataset whose observation is the factor vector itself (each factor index
scaled to [0, 1]), so a representation can be the ground truth, a constant, a rotation or a copy of it.
Protocol sizes are small (2,000 points) to keep the file fast; the thresholds leave room for that.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from sklearn.metrics import mutual_info_score

from vaelab.data.dsprites import DSprites
from vaelab.data.factors import FactorGrid
from vaelab.errors import ConfigError, DataError
from vaelab.evaluation.disentanglement import (
    DISENTANGLEMENT_METRICS,
    dci,
    dci_completeness,
    dci_disentanglement,
    dci_from_codes,
    mig,
    mig_continuous_from_posteriors,
    mig_from_codes,
    sap,
    sap_from_codes,
)
from vaelab.evaluation.factor_codes import discrete_entropy, discrete_mutual_info, encode, histogram_discretize
from vaelab.evaluation.fixed_factor_scores import beta_vae_score, factor_vae_score

N = 2_000


class FactorVectors(FactorGrid):
    """Observations (n, F): the factor indices scaled to [0, 1], as floats."""

    def sample_observations_from_factors(self, factors, rng):
        factors = self.check_factors(factors)
        return torch.from_numpy(factors / (np.array(self.factor_sizes) - 1)).float()


SMALL = FactorVectors((3, 6, 10, 16), ("a", "b", "c", "d"))  # every factor has <= 20 values
DSPRITES_GRID = FactorVectors((3, 6, 40, 32, 32), ("shape", "scale", "orientation", "posX", "posY"))
ROTATION = {f: np.linalg.qr(np.random.default_rng(10).normal(size=(f, f)))[0] for f in (4, 5)}


def identity(x):
    return x.numpy()


def constant(x):
    return np.zeros(tuple(x.shape))


def rotated(x):
    return (x.numpy() - 0.5) @ ROTATION[x.shape[1]]


def duplicated(x):
    return np.hstack([x.numpy(), x.numpy()])


def rng(seed=0):
    return np.random.default_rng(seed)


# --- the pure pieces -----------------------------------------------------------------------------------


def test_discrete_mutual_information_matches_scikit_learn_and_entropy():
    a, b = rng().integers(0, 5, 3000), rng(1).integers(0, 7, 3000)
    c = (a + rng(2).integers(0, 2, 3000)) % 5
    for x, y in ((a, b), (a, c), (c, a)):
        assert discrete_mutual_info(x, y) == pytest.approx(mutual_info_score(x, y), abs=1e-12)
    assert discrete_mutual_info(a, a) == pytest.approx(discrete_entropy(a))
    assert discrete_entropy(np.repeat(np.arange(8), 10)) == pytest.approx(np.log(8))
    assert discrete_entropy(np.zeros(10)) == 0.0


def test_histogram_bins_are_equal_width_over_each_latents_range():
    codes = np.stack([np.linspace(0, 1, 21), np.full(21, 3.0)], axis=1)
    bins = histogram_discretize(codes, num_bins=20)
    assert bins[:, 0].tolist() == list(range(1, 21)) + [20]  # the maximum joins the last bin
    assert len(np.unique(bins[:, 1])) == 1  # a constant latent is one bin


def test_mig_from_codes_known_answers():
    # every combination once: the factors are exactly independent in the sample, so a perfect code's
    # second-best latent has zero information and MIG is exactly 1
    grid = SMALL.factors_from_index(np.arange(SMALL.num_combinations))
    assert mig_from_codes(grid.astype(float), grid)["mig"] == pytest.approx(1.0)
    # on a random sample, chance dependence between factors costs a little (the MI estimate's bias)
    factors = SMALL.sample_factors(N, rng())
    assert 0.97 < mig_from_codes(factors.astype(float), factors)["mig"] < 1.0
    assert mig_from_codes(np.hstack([factors, factors]).astype(float), factors)["mig"] == pytest.approx(0.0)
    out = mig_from_codes(factors.astype(float), factors, factor_names=SMALL.factor_names)
    assert set(out) == {"mig", "mig/a", "mig/b", "mig/c", "mig/d"}
    with pytest.raises(DataError, match="one value"):
        mig_from_codes(factors.astype(float), np.hstack([factors, np.zeros((N, 1), dtype=int)]))
    with pytest.raises(ConfigError, match="at least 2 latent"):
        mig_from_codes(factors[:, :1].astype(float), factors)


def test_dci_from_importance_known_answers():
    assert dci_disentanglement(np.eye(4)) == pytest.approx(1.0)
    assert dci_completeness(np.eye(4)) == pytest.approx(1.0)
    assert dci_disentanglement(np.ones((4, 4))) == pytest.approx(0.0, abs=1e-9)
    assert dci_completeness(np.ones((4, 4))) == pytest.approx(0.0, abs=1e-9)
    one_code_for_all = np.array([[1.0, 1.0, 1.0], [0, 0, 0], [0, 0, 0]])
    assert dci_disentanglement(one_code_for_all) == pytest.approx(0.0, abs=1e-9)
    assert dci_completeness(one_code_for_all) == pytest.approx(1.0)
    assert dci_disentanglement(np.zeros((3, 3))) == pytest.approx(0.0, abs=1e-9)
    assert dci_completeness(np.zeros((3, 3))) == pytest.approx(0.0, abs=1e-9)


# --- the ground truth scores near 1, a constant near 0 (or chance), a rotation lower ----------------------


def mig_ceiling(sizes, num_bins=20):
    """The best MIG with equal-width bins: H(bin(v)) / H(v) averaged over factors (v uniform)."""
    ratios = []
    for k in sizes:
        bins = np.minimum(np.floor(np.arange(k) / (k - 1) * num_bins), num_bins - 1)
        p = np.unique(bins, return_counts=True)[1] / k
        ratios.append(-np.sum(p * np.log(p)) / np.log(k))
    return float(np.mean(ratios))


def test_mig_protocol():
    assert mig(SMALL, identity, rng(), num_train=N)["mig"] > 0.95
    # dSprites' orientation (40 values) and positions (32) share bins: MIG(ground truth) <= ~0.90, not 1
    ceiling = mig_ceiling(DSPRITES_GRID.factor_sizes)
    assert 0.88 < ceiling < 0.92
    truth = mig(DSPRITES_GRID, identity, rng(), num_train=N)["mig"]
    assert ceiling - 0.06 < truth <= ceiling + 1e-9
    assert mig(DSPRITES_GRID, constant, rng(), num_train=N)["mig"] == 0.0
    assert mig(DSPRITES_GRID, rotated, rng(), num_train=N)["mig"] < 0.3
    assert mig(SMALL, rotated, rng(), num_train=N)["mig"] < 0.4


def test_factor_vae_score_protocol():
    sizes = dict(num_train=500, num_eval=300, num_variance_estimate=N)
    truth = factor_vae_score(DSPRITES_GRID, identity, rng(), **sizes)
    assert truth["train_accuracy"] == truth["eval_accuracy"] == 1.0 and truth["num_active_dims"] == 5
    assert factor_vae_score(DSPRITES_GRID, constant, rng(), **sizes) == {
        "train_accuracy": 0.0,
        "eval_accuracy": 0.0,
        "num_active_dims": 0.0,
    }
    assert factor_vae_score(DSPRITES_GRID, rotated, rng(), **sizes)["eval_accuracy"] < 0.9

    def with_dead_latents(x):  # two latents collapsed to the prior (std 0.01 < 0.05) are pruned
        return np.hstack([x.numpy(), 0.01 * np.random.default_rng(0).normal(size=(len(x), 2))])

    assert factor_vae_score(DSPRITES_GRID, with_dead_latents, rng(), **sizes)["num_active_dims"] == 5


def test_beta_vae_score_protocol():
    sizes = dict(num_train=600, num_eval=300, batch_size=32)
    truth = beta_vae_score(DSPRITES_GRID, identity, rng(), **sizes)
    assert truth["eval_accuracy"] > 0.99
    assert beta_vae_score(DSPRITES_GRID, constant, rng(), **sizes)["eval_accuracy"] < 1 / 5 + 0.1  # chance
    assert beta_vae_score(DSPRITES_GRID, rotated, rng(), **sizes)["eval_accuracy"] < 0.9


def test_dci_protocol_with_the_fast_estimator():
    sizes = dict(num_train=N, num_test=N // 2, importance="random_forest")
    truth = dci(SMALL, identity, rng(), **sizes)
    assert truth["disentanglement"] > 0.95 and truth["completeness"] > 0.95
    assert truth["informativeness_test"] > 0.99
    per_factor = truth["informativeness_test_per_factor"]
    assert len(per_factor) == SMALL.num_factors and min(per_factor) > 0.99
    assert np.mean(per_factor) == pytest.approx(truth["informativeness_test"])
    none = dci(SMALL, constant, rng(), **sizes)
    assert none["disentanglement"] == pytest.approx(0, abs=1e-9)
    assert none["completeness"] == pytest.approx(0, abs=1e-9)
    assert none["informativeness_test"] < 0.4  # the majority class only
    turned = dci(SMALL, rotated, rng(), **sizes)
    assert turned["disentanglement"] < 0.4 and turned["completeness"] < 0.4
    copies = dci(SMALL, duplicated, rng(), **sizes)  # two codes per factor: disentangled, not complete
    assert copies["disentanglement"] > 0.95 and copies["completeness"] < 0.8


def test_dci_reference_estimator_on_a_tiny_sample():
    factors = FactorVectors((3, 4), ("a", "b")).sample_factors(400, rng())
    codes = factors / np.array([2.0, 3.0])
    out = dci_from_codes(codes[:300], factors[:300], codes[300:], factors[300:], importance="gbt")
    assert out["disentanglement"] > 0.95 and out["completeness"] > 0.95 and out["informativeness_test"] == 1
    with pytest.raises(ConfigError, match="importance"):
        dci_from_codes(codes, factors, codes, factors, importance="lasso")


def test_sap_protocol():
    sizes = dict(num_train=N, num_test=N // 2)
    # one linear SVM on one latent cannot pick out a middle class: the ground truth's SAP is far below 1
    truth = sap(SMALL, identity, rng(), **sizes)["sap"]
    assert truth > 0.15
    assert sap(SMALL, rotated, rng(), **sizes)["sap"] < truth / 2
    assert sap(SMALL, constant, rng(), **sizes)["sap"] == 0.0
    assert sap(SMALL, duplicated, rng(), **sizes)["sap"] == 0.0
    factors = SMALL.sample_factors(100, rng())
    assert sap_from_codes(factors * 1.0, factors, factors * 1.0, factors)["sap"] > 0.15


def test_sap_known_answers_on_a_balanced_grid_of_binary_factors():
    # disentanglement_lib's discrete SAP: per factor, the test accuracy of the best one-latent linear SVM minus
    # the second best's. On a balanced grid a latent that ignores a binary factor is right on exactly half the
    # images whatever it predicts, so the perfect code scores 1 - 1/2 (not 1), a constant code 0, a code
    # holding each factor twice 0 (its top two tie), and a code of the first factor alone 1/2 / 3.
    grid = np.array(list(itertools.product([0, 1], repeat=3)) * 25)  # (200, 3): every combination 25 times
    perfect = 4.0 * grid - 2.0  # any affine map of the factors, one latent each
    known = {
        "perfect": (perfect, 0.5),
        "constant": (np.zeros_like(perfect), 0.0),
        "twice": (np.hstack([perfect, perfect]), 0.0),
        "first factor only": (perfect * [1, 0, 0], 0.5 / 3),
    }
    for name, (codes, answer) in known.items():
        assert sap_from_codes(codes, grid, codes, grid)["sap"] == pytest.approx(answer, abs=1e-12), name


# --- on images: dSprites at 32x32 with a hand-made encoder ----------------------------------------------


def centroid_and_size(x):
    """Codes (n, 3): the sprite's centroid column, centroid row and sqrt(area), in pixels."""
    images = x[:, 0].numpy()
    grid = np.arange(images.shape[-1]) + 0.5
    area = np.maximum(images.sum(axis=(1, 2)), 1)
    return np.stack(
        [(images.sum(axis=1) * grid).sum(axis=1) / area, (images.sum(axis=2) * grid).sum(axis=1) / area, np.sqrt(area)],
        axis=1,
    )


def test_an_encoder_of_position_and_size_on_dsprites():
    data = DSprites(resolution=32)
    scores = mig(data, centroid_and_size, rng(), num_train=N)
    assert scores["mig/posX"] > 0.6 and scores["mig/posY"] > 0.6 and scores["mig/orientation"] < 0.05
    assert 0.3 < scores["mig"] < 0.7
    votes = factor_vae_score(data, centroid_and_size, rng(), num_train=300, num_eval=200, num_variance_estimate=N)
    assert 0.4 < votes["eval_accuracy"] < 0.9  # posX, posY (and roughly scale) of 5 factors; chance 0.2


# --- the protocol's plumbing ----------------------------------------------------------------------------


def test_metrics_are_deterministic_given_the_generator():
    for name, metric in DISENTANGLEMENT_METRICS.items():
        sizes = {
            "mig": dict(num_train=300),
            "sap": dict(num_train=300, num_test=100),
            "dci": dict(num_train=300, num_test=100, importance="random_forest"),
            "beta_vae": dict(num_train=50, num_eval=20, batch_size=8),
            "factor_vae": dict(num_train=50, num_eval=20, num_variance_estimate=300),
        }[name]
        assert metric(SMALL, rotated, rng(3), **sizes) == metric(SMALL, rotated, rng(3), **sizes), name
    assert set(DISENTANGLEMENT_METRICS) == {"mig", "factor_vae", "beta_vae", "dci", "sap"}


def test_the_chunk_size_of_encoding_does_not_change_the_codes():
    calls = []

    def spy(x):
        calls.append(len(x))
        return rotated(x)

    observations = SMALL.sample_observations_from_factors(SMALL.sample_factors(1000, rng()), rng())
    whole = encode(spy, observations, 1000)
    assert calls == [1000]
    calls.clear()
    assert np.array_equal(encode(spy, observations, 96), whole)
    assert max(calls) == 96 and sum(calls) == 1000
    calls.clear()
    factor_vae_score(SMALL, spy, rng(), num_train=40, num_eval=10, num_variance_estimate=100, encode_batch=256)
    assert max(calls) <= 256


def test_dci_of_an_uneven_importance_matrix_follows_the_entropy_formula():
    from scipy.stats import entropy

    r = np.array([[3.0, 1.0, 0.0], [0.0, 2.0, 2.0], [1.0, 1.0, 1.0], [0.0, 0.0, 4.0]])  # (codes, factors)
    rho_code = r.sum(1) / r.sum()
    expected_d = sum(w * (1 - entropy(row / row.sum(), base=r.shape[1])) for w, row in zip(rho_code, r))
    rho_factor = r.sum(0) / r.sum()
    expected_c = sum(w * (1 - entropy(col / col.sum(), base=r.shape[0])) for w, col in zip(rho_factor, r.T))
    assert dci_disentanglement(r) == pytest.approx(expected_d, abs=1e-9)  # the code's entropy adds 1e-11
    assert dci_completeness(r) == pytest.approx(expected_c, abs=1e-9)
    assert 0.3 < expected_d < 0.6  # neither extreme, so the weights matter


def test_factor_vae_score_never_lets_a_constant_latent_vote():
    sizes = dict(num_train=300, num_eval=200, num_variance_estimate=N, prune_threshold=0.0)

    def truth_and_a_constant(x):  # with prune_threshold 0 a constant latent had 0/0 = NaN and took every vote
        return np.hstack([x.numpy(), np.zeros((len(x), 1))])

    out = factor_vae_score(DSPRITES_GRID, truth_and_a_constant, rng(), **sizes)
    assert out["eval_accuracy"] == 1.0 and out["num_active_dims"] == 5

    def dead_first_and_unequal_scales(x):  # two dead latents first, then the factors at scales 1e-3 .. 1e3
        scales = np.array([1e-3, 1e-1, 1.0, 10.0, 1e3])
        return np.hstack([np.zeros((len(x), 2)), x.numpy() * scales])

    out = factor_vae_score(DSPRITES_GRID, dead_first_and_unequal_scales, rng(), **{**sizes, "prune_threshold": 0.0})
    assert out["eval_accuracy"] == 1.0 and out["num_active_dims"] == 5


def test_chen_mig_scores_a_sharp_encoder_near_one_and_a_constant_at_zero():
    factors = SMALL.sample_factors(3000, rng())
    truth = factors / (np.array(SMALL.factor_sizes) - 1)
    tiny = np.full(truth.shape, np.log(1e-6))  # posterior std 1e-3: far below the spacing of the values
    out = mig_continuous_from_posteriors(truth, tiny, factors, SMALL.factor_sizes, rng(1))
    assert out["mig"] > 0.95
    const = mig_continuous_from_posteriors(
        np.zeros_like(truth), np.zeros_like(truth), factors, SMALL.factor_sizes, rng(1)
    )
    assert const["mig"] == pytest.approx(0.0, abs=0.02)
    blurred = mig_continuous_from_posteriors(
        truth, np.full(truth.shape, np.log(0.3**2)), factors, SMALL.factor_sizes, rng(1)
    )
    assert 0.05 < blurred["mig"] < out["mig"] - 0.3  # wide posteriors carry less about each factor


def test_bad_arguments_and_bad_representations_are_one_line_errors():
    with pytest.raises(ConfigError, match="num_points"):
        mig(SMALL, identity, rng(), num_train=0)
    with pytest.raises(ConfigError, match="batch_size"):
        beta_vae_score(SMALL, identity, rng(), batch_size=0)
    with pytest.raises(ConfigError, match="two points"):
        factor_vae_score(SMALL, identity, rng(), batch_size=1)
    with pytest.raises(ConfigError, match=r"\(n, d\)"):
        mig(SMALL, lambda x: x.numpy()[:, 0], rng(), num_train=100)
    with pytest.raises(ConfigError, match="NaN"):
        mig(SMALL, lambda x: np.full(tuple(x.shape), np.nan), rng(), num_train=100)
    with pytest.raises(ConfigError, match="integer"):
        mig_from_codes(np.zeros((10, 2)), np.zeros((10, 2)))


def test_chen_mig_entropies_equal_the_formula_written_out():
    from scipy.special import logsumexp

    from vaelab.evaluation.disentanglement import _conditional_entropies

    g = np.random.default_rng(5)
    mu, logvar = g.normal(size=(70, 3)), g.normal(size=(70, 3)) - 1
    z = mu + np.exp(0.5 * logvar) * g.normal(size=mu.shape)
    members = np.flatnonzero(g.random(70) < 0.6)
    zs, ms, ls = z[members], mu[members], logvar[members]
    log_q = -0.5 * (np.log(2 * np.pi) + ls[None] + (zs[:, None] - ms[None]) ** 2 / np.exp(ls[None]))  # (S, S, d)
    expected = -(logsumexp(log_q, axis=1) - np.log(len(members))).mean(0)
    np.testing.assert_allclose(_conditional_entropies(z, mu, logvar, members, chunk=8), expected, rtol=1e-12)
