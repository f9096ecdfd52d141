"""t-SNE of latent codes (openTSNE, FFT-accelerated; Linderman et al. 2019, Policar et al. 2024).

Settings: perplexity 30 (capped at (N - 1) / 3 for small sets), PCA initialisation, 250 iterations of
early exaggeration 12 then 500 plain iterations (the openTSNE defaults), and an FFT interpolation grid
two units wide per interval (`ints_in_interval=2`, default 1): on 10,000 codes on 2 CPU cores this
cuts the run from about 37 s to about 13 s with the same picture (`bench/eval_speed.py` times it).
Up to `BARNES_HUT_UP_TO` codes the gradient is Barnes-Hut's instead, as openTSNE advises for small sets:
on the tiny profile's 300 codes it took a fifth of the FFT's CPU time here.
"""

from __future__ import annotations

import numpy as np

from vaelab.errors import ConfigError

BARNES_HUT_UP_TO = 1000  # codes; more use the FFT-accelerated gradient


def tsne(
    codes: np.ndarray, seed: int = 0, perplexity: float = 30.0, n_jobs: int = 2, iterations: int = 500
) -> np.ndarray:
    """2-D t-SNE embedding of codes (N, D) -> (N, 2)."""
    from openTSNE import TSNEEmbedding, affinity, initialization

    codes = np.ascontiguousarray(codes, dtype=np.float32)
    if codes.ndim != 2 or codes.shape[0] < 4:
        raise ConfigError(f"t-SNE needs codes of shape (N >= 4, D); got {codes.shape}")
    if not np.isfinite(codes).all():
        raise ConfigError("t-SNE got codes with NaN or infinity; the model that made them has diverged")
    perplexity = min(perplexity, (codes.shape[0] - 1) / 3)
    if codes.shape[1] == 1:
        codes = np.concatenate([codes, np.zeros_like(codes)], axis=1)
    aff = affinity.PerplexityBasedNN(
        codes,
        perplexity=perplexity,
        n_jobs=n_jobs,
        random_state=seed,
        method="annoy" if codes.shape[0] > 1000 else "exact",
    )
    init = initialization.pca(codes, random_state=seed)
    if codes.shape[0] <= BARNES_HUT_UP_TO:
        gradient = {"negative_gradient_method": "bh"}
    else:
        gradient = {"negative_gradient_method": "fft", "ints_in_interval": 2}
    emb = TSNEEmbedding(init, aff, n_jobs=n_jobs, random_state=seed, **gradient)
    emb = emb.optimize(n_iter=250, exaggeration=12, momentum=0.5)
    emb = emb.optimize(n_iter=iterations, momentum=0.8)
    return np.asarray(emb)
