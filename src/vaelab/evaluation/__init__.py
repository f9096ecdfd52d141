"""Metrics as pure functions of arrays (or of encode/decode callables), each with known-answer tests.

likelihood      importance-weighted log p(x) (IWAE bound)
latent          active units, KL per dimension, mutual information I(x; z), aggregate posterior vs prior
representation  neighbour and linear-probe accuracy, k-means NMI/ARI, silhouette
samples         sharpness (Laplacian variance), Frechet distance, classifier confidence
restoration     PSNR, SSIM, sparsity of codes
embedding       t-SNE
"""
