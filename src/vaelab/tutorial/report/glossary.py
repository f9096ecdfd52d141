"""What the measures in the experiments' tables mean, in a line each: the page lists, under a table, the
definitions of the measures its rows name."""

from __future__ import annotations

MEASURES = {
    # how far the codes are from the prior (latent-kl)
    "mmd": "maximum mean discrepancy between the test codes and as many draws from N(0, I); 0 when they match",
    "gaussian_fit_kl": "KL divergence from a Gaussian fitted to the test codes to N(0, I), in nats; 0 for a match",
    "mean_norm": "length of the codes' mean vector; 0 when they are centred like the prior",
    "cov_gap": "how far the codes' covariance is from the identity (Frobenius norm of the difference / latents)",
    # what the codes know about the labels (latent-kl, clusters)
    "knn_accuracy": "share of test digits whose label a 5-nearest-neighbour vote among training codes gets right",
    "linear_probe_accuracy": "share of test digits a linear classifier fitted on training codes labels right",
    "linear_probe": "share of test digits a linear classifier fitted on training codes labels right",
    "silhouette": "how much closer a code is to its own class than to the nearest other class, from -1 to 1",
    "kmeans_nmi": "agreement of k-means clusters of the codes with the labels (normalised mutual information, 0-1)",
    "kmeans_ari": "the same agreement as the adjusted Rand index (0 for chance, 1 for the labels exactly)",
    # prior samples (latent-kl, blur)
    "frechet_distance": "Frechet distance between a digit classifier's features of prior samples and of test "
    "digits; lower is more digit-like",
    "sharpness_samples": "variance of the Laplacian of the prior samples (higher is sharper)",
    "sharpness_real": "variance of the Laplacian of real test digits, for comparison",
    "classifier_confidence": "a digit classifier's mean top probability on prior samples (0.1 would be a guess)",
    "classifier_entropy": "the mean entropy of its predictions on prior samples, in nats (low: sure of itself)",
    "classifier_class_diversity": "entropy of its average prediction, in nats: log 10 = 2.30 when every digit is "
    "drawn equally often",
    # sparsity
    "active_fraction_per_input": "for a typical input, the share of code units that are active (a ReLU unit above "
    "0.001, a sigmoid unit above 0.1)",
    "hoyer": "Hoyer's sparsity of each code, 1 when one unit carries everything and 0 when all are equal; mean "
    "over inputs",
    "dead_units": "code units active on no test input: units the code does not use at all",
    # VAE terms (kl-annealing, beta-disentangle, sparsity)
    "negative_elbo": "the negative ELBO on test images, nats per image (reconstruction + KL)",
    "kl": "KL(q(z|x) || p(z)) on test images, nats per image: how much the code carries",
    "recon": "the reconstruction term, -log p(x|z), nats per image",
    "nll": "test negative log-likelihood, importance-weighted, nats per image",
    "used_latents": "latents whose mean KL on test images exceeds 0.1 nat",
    "active_units": "latents whose mean over the data varies (Var of mu above 0.01), a looser count than the above",
    "early_recon": "the reconstruction term over the first epoch of training, nats per image",
    "loss_spikes": "epochs whose validation loss rose 5% above its best so far",
    # disentanglement (beta-disentangle)
    "mig": "mutual information gap: per factor, how much more the best latent knows of it than the next best, "
    "over the factor's entropy; 0-1",
    "mig_resolved": "the same MIG over the factors a 32-pixel sprite shows clearly: scale, posX and posY",
    "mig_chen": "MIG as Chen et al. compute it, from the encoder's distribution rather than binned codes",
    "factor_vae": "FactorVAE score: accuracy of a vote that names the factor held fixed from the least varying latent",
    "beta_vae": "beta-VAE score: accuracy of a linear classifier naming the factor two images share",
    "dci_d": "DCI disentanglement: how much each latent's importance (by a random forest) is concentrated on one "
    "factor, 0-1",
}


def defined(table: dict) -> list[tuple[str, str]]:
    """(measure, definition) for each row of the table whose first cell names a measure, in the table's
    order, each once."""
    seen, out = set(), []
    for label in (str(row[0]) for row in table.get("rows", []) if row):
        if label in MEASURES and label not in seen:
            seen.add(label)
            out.append((label, MEASURES[label]))
    return out
