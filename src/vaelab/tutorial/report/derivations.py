"""The derivations behind the VAE, step by step, for a reader who has not met one before: the ELBO two ways,
its two terms, the Gaussian KL in closed form, and the reparameterization trick.

Same markup as `content` (rendered by the report's markup module): blank lines separate blocks; a block that
starts with `$$` is a display equation drawn by matplotlib's mathtext; a block of `- ` lines is a list;
inline `code`, **bold** and *emphasis*. The strings are raw strings so the TeX reads as written. Notation
follows Kingma & Welling (2014): q is the encoder (the approximate posterior), p the generative model.
Each entry is (key, title, text); the page shows them as subsections of the maths, in this order.
"""

from __future__ import annotations

from vaelab.tutorial.report.derivations_more import LIKELIHOODS_AND_BOUNDS

DERIVATION = [
    (
        "derive-elbo",
        "Deriving the evidence lower bound, two ways",
        r"""
First the cast. x is one data point (here an image of P pixels) and z is its code, a vector of D
numbers. The generative model has two parts: a **prior** p(z), the standard normal N(0, I) (mean 0,
and the identity matrix I as covariance: D independent dimensions of variance 1), and a
**decoder** p(x|z), a neural network with weights θ that turns a code into a distribution over images.
Together they define the **joint** p(x, z) = p(x|z) p(z). The **evidence** (or marginal likelihood) is
the probability the model gives to x once every code has been accounted for:

$$p(x) = \int p(x|z)\, p(z)\, dz$$

We would like to maximise log p(x) over θ, but the integral runs over every possible code and has no
closed form when the decoder is a neural network. The **true posterior** p(z|x) = p(x, z) / p(x), the
distribution of codes that could have produced x, is out of reach for the same reason: it needs p(x).
So we bring in a distribution we control: the **encoder** q(z|x), a Gaussian whose mean and variance
are computed from x by a second network with weights φ. (When a gradient needs them we write p_θ and
q_φ; elsewhere the subscripts are dropped.) Nothing is assumed about q yet, except that it is positive
wherever p(x, z) is.

**Route 1: Jensen's inequality.** Multiply and divide the integrand by q(z|x). This changes nothing,
but it turns the integral into an average over codes drawn from the encoder (E_q[·] is the expectation,
the average, when z is drawn from q(z|x)):

$$p(x) = \int q(z|x)\, \dfrac{p(x, z)}{q(z|x)}\, dz = \mathbb{E}_{q(z|x)}\left[\dfrac{p(x, z)}{q(z|x)}\right]$$

Now take the logarithm of both sides. The logarithm is concave (it bends downwards), and for a concave
function Jensen's inequality says that the function of an average is at least the average of the
function: log E[Y] ≥ E[log Y] for any positive random quantity Y. With Y = p(x, z) / q(z|x):

$$\log p(x) = \log \mathbb{E}_{q(z|x)}\left[\dfrac{p(x, z)}{q(z|x)}\right] \geq \mathbb{E}_{q(z|x)}\left[\log \dfrac{p(x, z)}{q(z|x)}\right]$$

The right-hand side is the **evidence lower bound**, the ELBO. Unlike log p(x), it is an average over
codes we can draw ourselves, so it can be estimated and differentiated:

$$\mathrm{ELBO}(x) = \mathbb{E}_{q(z|x)}[\log p(x, z) - \log q(z|x)]$$

Jensen's inequality is an equality only when Y does not vary, that is when p(x, z) / q(z|x) takes the
same value for every z the encoder can produce. This route proves that there is a bound; the second
route tells us exactly how loose it is.

**Route 2: an exact identity.** Start from the definition of the posterior, p(z|x) = p(x, z) / p(x),
and rearrange it. For every single code z,

$$\log p(x) = \log p(x, z) - \log p(z|x)$$

Add and subtract log q(z|x) on the right. Again this changes nothing, but it groups the terms in two
brackets:

$$\log p(x) = [\log p(x, z) - \log q(z|x)] + [\log q(z|x) - \log p(z|x)]$$

The left-hand side does not depend on z, so averaging both sides over z drawn from q(z|x) leaves it
unchanged. The first bracket averages to the ELBO. The second averages to the **Kullback-Leibler
divergence** of q(z|x) from the true posterior, written KL(q(z|x) || p(z|x)):

$$\log p(x) = \mathrm{ELBO}(x) + \mathbb{E}_{q(z|x)}\left[\log \dfrac{q(z|x)}{p(z|x)}\right]$$

$$\log p(x) = \mathrm{ELBO}(x) + \mathrm{KL}\left(q(z|x)\,\|\,p(z|x)\right)$$

For any two distributions q and p, KL(q || p) = E_q[log q/p] is never negative and is zero only when
q = p. (Jensen once more: −KL = E_q[log p/q] ≤ log E_q[p/q] = log 1 = 0.) So the identity contains the
inequality of route 1, and it names the gap:

- the **gap** between log p(x) and the ELBO is KL(q(z|x) || p(z|x)), how far the encoder's distribution
  is from the true posterior;
- the bound is **tight**, ELBO = log p(x), exactly when q(z|x) equals the true posterior p(z|x) (this is
  also when the ratio of route 1 is constant: p(x, z) / p(z|x) = p(x) for every z);
- log p(x) does not depend on the encoder, so for a fixed decoder, raising the ELBO over φ is the same
  as lowering the KL to the true posterior: training the encoder is approximate inference, learnt once
  for all inputs;
- a Gaussian q with independent dimensions can match the posterior only where the posterior has that
  shape too, so in practice some gap remains. Cremer, Li & Duvenaud (2018) split it into the part
  due to the Gaussian family and the part due to one network serving every x.
""",
    ),
    (
        "derive-terms",
        "The two terms, and why one sample of z is enough",
        r"""
Write the joint as decoder times prior, p(x, z) = p(x|z) p(z), so its logarithm is a sum. The ELBO then
falls into two pieces:

$$\mathrm{ELBO}(x) = \mathbb{E}_{q(z|x)}[\log p(x|z) + \log p(z) - \log q(z|x)]$$

$$\mathrm{ELBO}(x) = \mathbb{E}_{q(z|x)}[\log p(x|z)] - \mathrm{KL}\left(q(z|x)\,\|\,p(z)\right)$$

- The **reconstruction term** E_q[log p(x|z)] asks: encode x into a distribution of codes, draw a code
  from it, decode it; how probable is the original x under the decoder's distribution? It is large when
  the codes carry enough about x to rebuild it.
- The **KL term** KL(q(z|x) || p(z)) measures how far each input's cloud of codes sits from the prior.
  It is the price, in nats, of the information the code carries about x (a nat is the unit of
  information that comes with natural logarithms; 1 nat is about 1.44 bits). Note that this KL is to the
  prior p(z), which we know, not to the true posterior of the previous section, which we do not.

Both terms are per image, and so is the ELBO; the training loss is the negative ELBO averaged over a
minibatch of images.

The KL term has a closed form (next section), but the reconstruction term is an average over codes
passed through a neural network, and no formula gives it. We estimate it the way any average is
estimated: draw codes and average. With L codes z_1, …, z_L drawn independently from q(z|x),

$$\mathbb{E}_{q(z|x)}[\log p(x|z)] \approx \dfrac{1}{L}\,\sum_{l=1}^{L} \log p(x|z_l), \qquad z_l \sim q(z|x)$$

This **Monte Carlo estimate** is **unbiased** for every L, including L = 1: each z_l is a draw from
q(z|x), so each term log p(x|z_l) has, by definition, the expectation we want, and an average of
quantities with that expectation has it too. More samples only reduce the noise, not a systematic error.
One sample per image is noisy, but the training step already averages over a minibatch of images and
over many steps, and that averaging does the rest: Kingma & Welling (2014) report that L = 1 works once
minibatches hold about 100 images, and it is what nearly every VAE uses, the models on this page included.
""",
    ),
    (
        "derive-kl",
        "The Gaussian KL in closed form",
        r"""
The encoder outputs, for each of the D code dimensions, a mean μ_d and a variance σ_d²; q(z|x) is the
Gaussian with those means and a diagonal covariance (the dimensions are independent given x). The prior
N(0, I) also has independent dimensions. When both distributions factorise, the log-ratio
log q(z|x) − log p(z) is a sum of one term per dimension, each depending only on z_d, and the
expectation of a sum is the sum of the expectations. So the KL of the whole code is the sum of D
one-dimensional KLs, and it is enough to work out one.

**One dimension.** Let q = N(μ, σ²) and p = N(0, 1). Their log-densities are

$$\log q(z) = -\dfrac{1}{2}\log 2\pi - \dfrac{1}{2}\log\sigma^2 - \dfrac{(z-\mu)^2}{2\sigma^2}$$

$$\log p(z) = -\dfrac{1}{2}\log 2\pi - \dfrac{z^2}{2}$$

Subtract; the constants −½ log 2π cancel:

$$\log q(z) - \log p(z) = -\dfrac{1}{2}\log\sigma^2 - \dfrac{(z-\mu)^2}{2\sigma^2} + \dfrac{z^2}{2}$$

The KL is the average of this over z drawn from q. Only two averages are needed. The first is the
definition of the variance; the second follows from it, because the average of a square is the variance
plus the square of the mean:

$$\mathbb{E}_{q}[(z-\mu)^2] = \sigma^2, \qquad \mathbb{E}_{q}[z^2] = \sigma^2 + \mu^2$$

Substitute them:

$$\mathrm{KL}(q\,\|\,p) = -\dfrac{1}{2}\log\sigma^2 - \dfrac{\sigma^2}{2\sigma^2} + \dfrac{\sigma^2 + \mu^2}{2}$$

$$\mathrm{KL}\left(\mathcal{N}(\mu, \sigma^2)\,\|\,\mathcal{N}(0, 1)\right) = \dfrac{1}{2}\left(\mu^2 + \sigma^2 - 1 - \log\sigma^2\right)$$

**The whole code.** Sum over the D dimensions:

$$\mathrm{KL}\left(q(z|x)\,\|\,p(z)\right) = \dfrac{1}{2}\,\sum_{d=1}^{D}\left(\mu_d^2 + \sigma_d^2 - 1 - \log\sigma_d^2\right)$$

This is the formula of Kingma & Welling (2014, appendix B), written there with the signs the other way
round, and it is the one line of code `-0.5 * (1 + logvar - mu.pow(2) - logvar.exp())`. It is worth
reading term by term:

- μ_d² is zero only when the mean sits at the prior's centre: it pulls every encoding towards 0;
- σ_d² − 1 − log σ_d² is never negative and is zero only at σ_d² = 1: it punishes an encoding that is too
  narrow (as σ_d² shrinks towards 0, −log σ_d² grows without bound) and one that is too wide;
- a dimension whose KL is zero has μ_d = 0 and σ_d = 1 for every input: its code is the same for every
  image, so it tells the decoder nothing. Such **inactive units** appear in the experiments below.

**Why the encoder outputs log σ² rather than σ.** The encoder's last layer is linear, so it can output
any real number. A variance cannot be any real number: it must be positive. Reading the output as
v = log σ² removes the problem, since σ² = exp(v) is positive for every v, with no clipping and no
constraint. The standard deviation the sampling step needs is σ = exp(v / 2). The KL uses v directly,
so the log of a tiny variance is never computed. And the gradients stay tame: the KL's slope with
respect to v is ½ (exp(v) − 1), smooth everywhere, whereas its slope with respect to σ is σ − 1/σ,
which explodes as σ approaches 0. Variances that differ by orders of magnitude (0.0001 for a sharp
code, 1 for an unused one) also become a few units apart in v, the scale on which a network moves
easily.
""",
    ),
    (
        "derive-reparameterization",
        "The reparameterization trick and its gradient",
        r"""
Training needs the gradient of the ELBO with respect to both sets of weights. For the decoder's θ this
is easy: θ appears only inside log p_θ(x|z), so we draw z, compute log p_θ(x|z), and backpropagate. The
encoder's φ is harder, because φ sits in the distribution we average over. Write f(z) for what is
averaged (here log p_θ(x|z)); we need

$$\nabla_\phi\, \mathbb{E}_{q_\phi(z|x)}[f(z)] = \nabla_\phi \int q_\phi(z|x)\, f(z)\, dz$$

(∇_φ is the gradient, the vector of derivatives with respect to every weight in φ.) A sampled z is
just a number: once the random number generator has produced it, nothing records how it would have
moved had μ or σ been slightly different. Taking the gradient inside the integral does not help
either: it gives the integral of f(z) ∇_φ q_φ(z|x), which is not, as written, an average under q, so
it cannot be estimated by drawing z from q and averaging.

The trick is to draw the randomness from a distribution that does not depend on φ, and then move it
into place. A Gaussian with mean μ and standard deviation σ is a standard normal shifted by μ and
stretched by σ. So draw **ε** (epsilon) from N(0, I) and set

$$z = \mu_\phi(x) + \sigma_\phi(x) \odot \epsilon, \qquad \epsilon \sim \mathcal{N}(0, I)$$

where ⊙ multiplies element by element. This z has exactly the distribution q_φ(z|x), so the average
is unchanged when it is written over ε:

$$\mathbb{E}_{q_\phi(z|x)}[f(z)] = \mathbb{E}_{\epsilon \sim \mathcal{N}(0, I)}[f\left(\mu_\phi(x) + \sigma_\phi(x) \odot \epsilon\right)]$$

Now φ appears only inside f's argument, and the distribution of ε is fixed, so the gradient can move
inside the average:

$$\nabla_\phi\, \mathbb{E}_{q_\phi(z|x)}[f(z)] = \mathbb{E}_{\epsilon}[\nabla_\phi\, f\left(\mu_\phi(x) + \sigma_\phi(x) \odot \epsilon\right)]$$

Inside, the chain rule does the work. For each dimension,

$$\dfrac{\partial z_d}{\partial \mu_d} = 1, \qquad \dfrac{\partial z_d}{\partial \sigma_d} = \epsilon_d$$

so the slope of f with respect to z flows back into μ and σ, and from there through the encoder network
into φ by ordinary backpropagation. As in the previous section, one ε per image gives an unbiased
estimate of this gradient. Kingma & Welling (2014) call the result the SGVB (stochastic gradient
variational Bayes) estimator.

The alternative that needs no trick, the **score-function** or REINFORCE estimator (Williams, 1992),
uses ∇_φ q = q ∇_φ log q to write the gradient as E_q[f(z) ∇_φ log q_φ(z|x)]; it works even when f has
no derivative or z is discrete, but it uses only the values of f and not its slope, and its variance is
usually far larger.
""",
    ),
] + LIKELIHOODS_AND_BOUNDS
