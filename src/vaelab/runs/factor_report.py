"""`vaelab evaluate RUN --disentanglement`: the five disentanglement metrics of a run trained on factor data.

MIG, the FactorVAE score, DCI (disentanglement, completeness, informativeness), SAP and the beta-VAE score
of the encoder's means, at the sizes of one of vaelab.evaluation.protocols.PROTOCOLS ("full", the default,
is disentanglement_lib's: 10,000 points for MIG and to fit DCI's and SAP's classifiers, 5,000 more to test
them, 10,000 + 5,000 FactorVAE votes, 10,000 + 5,000 beta-VAE points). Factor data are dSprites (its
factors render the observations) or your own .npz with `factors` (its images observe them). DCI's
importances come from the fast random forest, as in the tutorial's scores, not the reference's boosted
trees (see vaelab.evaluation.disentanglement.dci); the report names its estimator. The model is scored in
eval mode with the factor draws seeded by `seed` alone, so two runs compare on the same draws.
"""

from __future__ import annotations

import numpy as np
import torch

from vaelab.config import check_choice
from vaelab.data.factors import FactorDataset
from vaelab.errors import ConfigError
from vaelab.evaluation.disentanglement import dci_from_codes, mig_from_codes, sap_from_codes
from vaelab.evaluation.factor_codes import sample_factor_codes
from vaelab.evaluation.fixed_factor_scores import beta_vae_score, factor_vae_score
from vaelab.evaluation.protocols import PROTOCOLS, REPORT_PROTOCOLS
from vaelab.runs.build import BuiltRun
from vaelab.training.validate import evaluating

DEFAULT_PROTOCOL = "full"  # disentanglement_lib's sizes
DCI_IMPORTANCE = "random_forest"
# the report's keys, in the order printed (the sweep summary's columns too)
SCORE_KEYS = ("mig", "factor_vae", "dci_disentanglement", "dci_completeness", "dci_informativeness", "sap", "beta_vae")


def factor_data(built: BuiltRun) -> FactorDataset:
    """The run's known factors, or one line saying the metrics need them."""
    if built.dataset.factors is None:
        raise ConfigError(
            f"`disentanglement` needs a run trained on data with known factors (dsprites, dsprites-32, or a .npz "
            f"holding a factors array (N, K) beside x); {built.cfg.data.dataset} has none"
        )
    return built.dataset.factors


def check_request(built: BuiltRun, protocol: str) -> FactorDataset:
    """The run's factors if the report can be made at `protocol`'s sizes, else one line saying why not."""
    check_choice("`disentanglement_protocol`", protocol, REPORT_PROTOCOLS)
    return factor_data(built)


def disentanglement_report(built: BuiltRun, protocol: str = DEFAULT_PROTOCOL, seed: int = 0) -> dict:
    """SCORE_KEYS of the run's encoder means at `protocol`'s sizes, with the protocol and DCI's estimator."""
    data = check_request(built, protocol)

    def means(x: torch.Tensor) -> np.ndarray:  # (n, C, H, W) -> (n, d): the code disentanglement_lib scores
        return built.model.encode(x.to(built.device))[0].cpu().numpy()

    with evaluating(built.model), torch.no_grad():
        scores = _scores(data, means, PROTOCOLS[protocol], seed)
    return {**scores, "disentanglement_protocol": protocol, "dci_importance": DCI_IMPORTANCE}


def factor_vae_accuracy(data: FactorDataset, means, sizes: tuple[int, int, int], seed: int) -> float:
    """The FactorVAE score at `sizes` (training votes, evaluation votes, images for the variances), its
    draws seeded by `seed` alone (the stream the tutorial's scores use too)."""
    train, evaluation, variances = sizes
    rng = np.random.default_rng([seed, 2])
    score = factor_vae_score(data, means, rng, num_train=train, num_eval=evaluation, num_variance_estimate=variances)
    return score["eval_accuracy"]


def _scores(data: FactorDataset, means, sizes: dict, seed: int) -> dict[str, float]:
    n = sizes["mig"]
    codes, factors = sample_factor_codes(data, means, n + n // 2, np.random.default_rng([seed, 1]))
    fit, test = (codes[:n], factors[:n]), (codes[n:], factors[n:])  # (n, d), (n, K); then the n // 2 held out
    dci = dci_from_codes(*fit, *test, importance=DCI_IMPORTANCE, seed=seed)
    fvae = factor_vae_accuracy(data, means, sizes["fvae"], seed)
    bv_train, bv_eval = sizes["bvae"]
    bvae = beta_vae_score(data, means, np.random.default_rng([seed, 3]), num_train=bv_train, num_eval=bv_eval)
    return {
        "mig": mig_from_codes(*fit, factor_names=data.factor_names)["mig"],
        "factor_vae": fvae,
        "dci_disentanglement": dci["disentanglement"],
        "dci_completeness": dci["completeness"],
        "dci_informativeness": dci["informativeness_test"],
        "sap": sap_from_codes(*fit, *test)["sap"],
        "beta_vae": bvae["eval_accuracy"],
    }
