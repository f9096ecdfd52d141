"""The beta-VAE section of the tutorial: a weight on the KL term, beta as a Lagrange multiplier, and what
"disentangled" means (and does not). Same markup as `content`; BETA is (level, key, title, text) in page order.
"""

from __future__ import annotations

from vaelab.tutorial.report.derivations_more import DERIVE_BETA

BETA_VAE = """
The **β-VAE** (Higgins et al. 2017) puts a weight β on the KL term. β = 1 is the VAE; β > 1 presses each
code harder towards the factorised prior N(0, I), which Higgins et al. argue yields *disentangled* codes,
in which each latent follows one factor of variation of the data; β = 0 removes the KL term and leaves an
autoencoder with noise in its codes. It is not a new model, only the same objective with another weight:

$$\\mathcal{L}_\\beta(x) = -\\mathbb{E}_{q(z|x)}\\left[\\log p(x|z)\\right] + \\beta\\,\\mathrm{KL}\\left(q(z|x)\\,\\|\\,p(z)\\right)$$

Try it on a β-VAE with β = 4 trained on MNIST for this page: each slider moves one latent, the most used
first (each label gives the latent's average KL in nats), while the others stay at 0. A latent with a KL
near 0 carries nothing, and its slider changes nothing: that is how a strong β leaves units unused.

@explorer sliders
"""

DISENTANGLED = """
It is tempting to read "disentangled" as "the latents are uncorrelated", and a factorised prior does push
the aggregate of the codes towards uncorrelated dimensions. But the two are not the same. Suppose a
digit's slant and its stroke width are independent factors, and a code holds them exactly: z₁ is the slant
and z₂ the width, both standard normal. Now rotate the code by 45 degrees:

$$u_1 = \\dfrac{z_1 + z_2}{\\sqrt{2}}, \\qquad u_2 = \\dfrac{z_1 - z_2}{\\sqrt{2}}$$

The new latents are still uncorrelated (for Gaussian factors, even independent), with the same N(0, I)
distribution as before, since a rotation R leaves the covariance R I Rᵀ = I unchanged. Yet each of them now
mixes both factors: moving u₁ alone changes slant *and* width. The code is entangled, and no statistic of
the codes alone can tell it from the disentangled one. That is why disentanglement is measured against
known factors (the dSprites experiment below uses images rendered from five of them), and why Locatello et
al. (2019) could prove that, without such knowledge or some other inductive bias, no unsupervised method
is guaranteed to find the disentangled rotation among all the equally likely ones.
"""

BETA = [
    (2, "beta-vae", "The β-VAE: a weight on the KL term", BETA_VAE),
    (3, *DERIVE_BETA),
    (3, "disentangled", "Disentangled is not the same as uncorrelated", DISENTANGLED),
]
