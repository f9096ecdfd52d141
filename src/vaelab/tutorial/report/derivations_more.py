"""More derivations: from likelihoods to the losses people write, the importance-weighted bound, and beta as a
Lagrange multiplier (shown with the beta-VAE). Same markup and notation as `derivations`.
"""

from __future__ import annotations

LIKELIHOODS_AND_BOUNDS = [
    (
        "derive-likelihoods",
        "From likelihoods to the losses people write",
        r"""
The reconstruction term is a log-likelihood, log p(x|z). Which familiar loss it becomes depends on the
distribution the decoder outputs. In both common cases the pixels x_1, …, x_P are independent given z,
so log p(x|z) is a sum over pixels.

**Bernoulli decoder.** For each pixel the decoder outputs x̂_i, the probability that pixel i is on (a
sigmoid of the network's output, its *logit*). The probability of a whole image is the product over
pixels:

$$p(x|z) = \prod_{i=1}^{P} \hat{x}_i^{\,x_i}\, (1 - \hat{x}_i)^{1 - x_i}$$

Take minus the logarithm; the product becomes a sum:

$$-\log p(x|z) = -\sum_{i=1}^{P}[x_i \log \hat{x}_i + (1 - x_i) \log (1 - \hat{x}_i)]$$

That is the **binary cross-entropy, summed over the pixels**. Summed, not averaged: PyTorch's default
`reduction="mean"` averages over the pixels as well as the images, which divides the reconstruction
term by P (784 for MNIST); unless the KL is divided the same way, it now weighs 784 times more than in
the ELBO. In code the loss is computed from the logits (`binary_cross_entropy_with_logits`), which
avoids taking the log of a probability that has rounded to 0.
MNIST pixels are grey levels in [0, 1], not 0 or 1; used as they are, the Bernoulli formula is still a
sensible loss but no longer a normalised probability (Loaiza-Ganem & Cunningham, 2019, give the
correction), so log-likelihoods in nats are comparable only between models scored the same way.
Binarizing the pixels (drawing each as 0 or 1 with its grey level as the probability, or cutting at a fixed
threshold) makes it an exact likelihood again.

**Gaussian decoder with a fixed σ.** Now x̂_i is the mean of a normal distribution for pixel i, with a
standard deviation σ that we choose and keep fixed. Minus the log of one pixel's density, summed:

$$-\log p(x|z) = \sum_{i=1}^{P}\left[\dfrac{(x_i - \hat{x}_i)^2}{2\sigma^2} + \log\sigma + \dfrac{1}{2}\log 2\pi\right]$$

$$-\log p(x|z) = \dfrac{1}{2\sigma^2}\, \|x - \hat{x}\|^2 + P\log\sigma + \dfrac{P}{2}\log 2\pi$$

‖x − x̂‖² is the squared error summed over pixels. With σ fixed, the last two terms are constants: they
change the reported numbers but no gradient. So the loss is the **squared error scaled by 1/(2σ²)**,
plus the KL. Multiply everything by 2σ² and the minimiser does not move: training on
squared error + KL is the same as training with σ² = ½, and in general

$$\dfrac{1}{2\sigma^2}\, \|x - \hat{x}\|^2 + \mathrm{KL} \quad \mathrm{has\ the\ same\ minimiser\ as} \quad \|x - \hat{x}\|^2 + 2\sigma^2\, \mathrm{KL}$$

So **σ sets the balance** between the two terms, exactly as a weight β = 2σ² on the KL would. A small σ
(σ = 0.1 gives the squared error a weight of 50) says "reconstruct precisely"; a large σ
says "the decoder is allowed to be vague", and the KL wins: blurrier reconstructions, and codes that
carry less about x. When σ is learned instead of fixed, the log σ term matters: it stops σ from
shrinking to zero, and for a single σ shared by all pixels the best σ² is the decoder's mean squared
error per pixel.
""",
    ),
    (
        "derive-iwae",
        "A tighter bound: importance weighting",
        r"""
The ELBO's gap is the KL from q to the true posterior; Burda, Grosse & Salakhutdinov (2016) showed how
to shrink it without changing the model. Draw K codes z_1, …, z_K independently from the encoder and
give each an **importance weight**, the ratio of route 1:

$$w_k = \dfrac{p(x, z_k)}{q(z_k|x)} = \dfrac{p(x|z_k)\, p(z_k)}{q(z_k|x)}, \qquad z_k \sim q(z|x)$$

Each weight averages to p(x) (that was route 1's first step), so their mean (1/K) Σ w_k averages to p(x)
too. Jensen's inequality, applied to the log of that mean, gives the **importance-weighted bound**:

$$\mathcal{L}_K(x) = \mathbb{E}_{z_1, \ldots, z_K \sim q(z|x)}\left[\log \dfrac{1}{K}\,\sum_{k=1}^{K} w_k\right] \leq \log p(x)$$

With one code, L_1 = E_q[log w_1] is exactly the ELBO. Burda et al. prove that the bound can only
improve as K grows, and that it reaches log p(x) in the limit (when the weights are bounded):

$$\mathrm{ELBO}(x) = \mathcal{L}_1 \leq \mathcal{L}_2 \leq \cdots \leq \mathcal{L}_K \to \log p(x)$$

Why more codes help: the mean of K weights varies less than a single weight, and Jensen's gap shrinks
as the quantity inside the log stops varying. (The proof of the ordering is one line: the mean of K + 1
weights is the average of the means of its K-element subsets, and Jensen applies to that average.) The
weights also show where the ELBO loses: a code that q draws often but the true posterior finds unlikely
gets a small weight. In the ELBO its very negative log-weight counts in full; inside the log of a mean of
many weights, one small weight hardly matters.

**How log p(x) is estimated.** Train with the ordinary ELBO, then for each test image draw K codes (the
literature has used K = 5,000 since Burda et al.; the generation experiment below uses fewer, and says
how many), compute every log w_k, and combine them.
The weights themselves are too small for ordinary floating-point numbers (a log-weight of −140 nats,
typical for an MNIST digit, is a weight of about 10⁻⁶¹, far below the smallest 32-bit float), so the sum
is done on the logarithms, after subtracting their largest value m (the *log-sum-exp* trick):

$$\log \dfrac{1}{K}\,\sum_{k=1}^{K} w_k = m + \log \dfrac{1}{K}\,\sum_{k=1}^{K} e^{\log w_k - m}$$

Averaged over the test images, minus this number is the **negative log-likelihood** (NLL) reported on
this page, in nats per image. It estimates a lower bound on log p(x), so on average the true NLL is at most the
reported one. The ELBO of the same model is the K = 1 case and lies further below log p(x); the distance
between the two numbers shows how loose the ELBO is for that model, and it is not small: for an MLP VAE
trained for a few epochs on MNIST it is several nats; the generation experiment below draws it. (Maximising
L_K during training, rather than only evaluating with it, gives the IWAE model of Burda et al.)
""",
    ),
]

DERIVE_BETA = (
    "derive-beta",
    "β as a Lagrange multiplier",
    r"""
The β-VAE of Higgins et al. (2017) puts a weight β on the KL term. The weight is not arbitrary: it falls
out of a constrained problem. Ask for the best reconstruction we can get, averaged over the data,
while keeping the information in the code under a budget of δ nats (Higgins et al. write ε for the
budget; we keep ε for the sampling noise of the reparameterization trick):

$$\max_{\theta,\, \phi}\ \mathbb{E}_{q_\phi(z|x)}[\log p_\theta(x|z)]$$

$$\mathrm{subject\ to}\quad \mathrm{KL}\left(q_\phi(z|x)\,\|\,p(z)\right) < \delta$$

The standard way to fold a constraint into the objective is a **Lagrangian**, written F below:
subtract the amount by which the constraint is violated, times a multiplier β ≥ 0 (under mild
conditions, the Karush-Kuhn-Tucker conditions say the constrained optimum is a stationary point of this
function for some such β):

$$\mathcal{F}(\theta, \phi, \beta) = \mathbb{E}_{q_\phi(z|x)}[\log p_\theta(x|z)] - \beta\left(\mathrm{KL}\left(q_\phi(z|x)\,\|\,p(z)\right) - \delta\right)$$

The budget enters only as the constant βδ, which has no gradient with respect to θ or φ, and which is
not negative. Dropping it leaves the β-VAE objective, a lower bound on the Lagrangian:

$$\mathcal{F}(\theta, \phi, \beta) \geq \mathbb{E}_{q_\phi(z|x)}[\log p_\theta(x|z)] - \beta\, \mathrm{KL}\left(q_\phi(z|x)\,\|\,p(z)\right)$$

How to read β:

- each budget δ corresponds to a multiplier β, and a **tighter budget needs a larger β**: β > 1 asks for
  less information in the code than the plain VAE allows, β < 1 for more;
- the multiplier is a price: at the optimum, one more nat of budget buys about β nats of
  reconstruction, so β says how many nats of reconstruction we will give up to save one nat of code;
- β = 1 gives back the ELBO. For β > 1 the objective is still a lower bound on log p(x), only looser
  (it is the ELBO minus (β − 1) KL, and the KL is not negative); for β < 1 it can exceed log p(x), so it
  is no longer a bound. Models are therefore compared by their ELBO or log-likelihood, never by their training loss;
- Higgins et al. argue that pressing the code against the factorised prior N(0, I) encourages each
  latent to capture one independent factor of the data, a *disentangled* code; the price is
  reconstruction.

**β depends on the input size.** The reconstruction term is a sum over P pixels and the KL a sum over D
latents, so the same β strikes a different balance for a different image size or code size. Higgins et
al. therefore also report a normalised value:

$$\beta_{\mathrm{norm}} = \beta\, \dfrac{D}{P}$$

For the same code size, β = 1 on 32×32 images (P = 1,024) weighs the KL like β = 4 on 64×64 images
(P = 4,096). The decoder's likelihood also matters: as "From likelihoods to the losses people write"
showed, a Gaussian σ rescales the reconstruction term, so a value of β means something only together
with the likelihood it was used with. (Burgess et al., 2018, take the constrained view literally: instead
of choosing β, they set the budget itself, a target KL C that rises during training, held by a penalty
γ |KL − C|; their γ = 1000 for 64×64 images scales with the pixel count just as β does, to 250 at 32×32.)
""",
)
