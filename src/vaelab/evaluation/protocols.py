"""The sizes the disentanglement metrics are computed at, by name: a plain dict, "full" being
disentanglement_lib's (Locatello et al. 2019).

    "mig"   points sampled for MIG (a report on a run also fits DCI's and SAP's classifiers on them and tests
            them on half as many more, 10,000 and 5,000 at "full", as disentanglement_lib does)
    "fvae"  FactorVAE score: (training votes, evaluation votes, points for the latents' variances)
    "bvae"  beta-VAE score: (training points, evaluation points); None: not scored ("curve", for speed)
"""

from __future__ import annotations

PROTOCOLS = {
    "tiny": {"mig": 1000, "fvae": (100, 50, 1000), "bvae": (100, 50)},
    "quick": {"mig": 5000, "fvae": (1000, 500, 5000), "bvae": (1000, 500)},
    "curve": {"mig": 10_000, "fvae": (2_000, 1_000, 10_000), "bvae": None},
    "full": {"mig": 10_000, "fvae": (10_000, 5_000, 10_000), "bvae": (10_000, 5_000)},
}
REPORT_PROTOCOLS = ("tiny", "quick", "full")  # those that score all five metrics, for `vaelab evaluate`
