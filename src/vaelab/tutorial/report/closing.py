"""The tutorial's prose after the experiments: the VAE's shortcomings and its applications. Same markup as
`content`; AFTER is (level, key, title, text) in page order.
"""

from __future__ import annotations

SHORTCOMINGS = """
- **Blurry samples.** With a factorised Gaussian or Bernoulli decoder, the decoder's best answer to an
  uncertain code is the average of the images it could mean, and averages are blurry. The blur
  experiment measures it, and separates the VAE's part from the decoder's; it also shows that a Gaussian
  decoder with a small σ can trade the blur for noise, which a sharpness measure mistakes for detail.
- **Posterior collapse.** The KL term alone does not make a VAE ignore its code: as long as the decoder
  needs z to reconstruct x, the reconstruction gains more than the KL costs. Collapse is a problem of
  decoders strong enough to model x *without* z. An autoregressive decoder (an LSTM that predicts each
  word from the words before it, as in Bowman et al. 2016, or a PixelCNN over pixels) can reach a good
  likelihood with q(z|x) equal to the prior, where the KL is zero, and training then takes that cheap
  way out. The factorised MLP decoders of most of this page predict every pixel independently given z,
  so z has to carry the digit's shape: single units may go unused, but the code as a whole does not
  collapse. KL warm-up (Bowman et al. 2016; Sønderby et al. 2016), free bits and a weaker decoder are the
  common remedies; the annealing experiment trains an autoregressive decoder and measures how many nats
  the code keeps with and without warm-up.
- **Holes in the latent space.** The aggregate of all encodings need not match the prior; prior samples
  that fall where no data were encoded decode to implausible images. The 2-D figure of the generation
  experiment shows how far the two are apart.
- **A loose bound.** The ELBO is only a bound: its gap is the mismatch between q and the true posterior,
  which the generation experiment measures in nats. Importance-weighted estimates (Burda et al. 2016)
  tighten it.
- **Disentanglement is not identifiable without help.** A factorised prior cannot tell a disentangled code
  from a rotated one (see the β-VAE section), so which one training finds depends on the data, the
  network and the seed (Locatello et al. 2019).
"""

APPLICATIONS = """
**Disentangled representations.** A code is disentangled when each unit responds to one generative
factor of the data (position, size, rotation) and is insensitive to the others. Raising β presses the
encoder towards the factorised prior and, by the β-VAE argument, towards such codes, at a price in
reconstruction. The claim is tested above on data whose true factors are known (dSprites), with the
field's metrics.

**Denoising.** A denoising autoencoder trained to map corrupted inputs to clean ones becomes a learned
denoiser for data like its training data. The denoising experiment measures it in PSNR and SSIM against
the noisy input and against a plain autoencoder of the same size.

**Generation and compression.** The decoder of a VAE is a generative model: codes drawn from the prior
become new images, and codes between two images become a morph between them. The encoder maps an image
to a short code and a measure of its uncertainty, useful for compression, for detecting unusual inputs
(a low ELBO), and as features for other models when labels are scarce.
"""

AFTER = [
    (2, "shortcomings", "Shortcomings of VAEs", SHORTCOMINGS),
    (2, "applications", "Applications", APPLICATIONS),
]
