"""The tutorial's prose before the experiments, in vaelab's own words: autoencoders, their regularised kinds,
generative models, the VAE's intuition, its maths, the code, and the beta-VAE.

Markup (rendered by `vaelab.tutorial.report.markup`): blank lines separate blocks; a block that starts with `$$`
is a display equation (matplotlib mathtext); a block of `- ` lines is a list; inline `code`, **bold**
and *emphasis*; a block `@name argument` is a directive the page builder fills in (`@figure NAME`, one of
`report.teaching.FIGURES`; `@explorer plane` or `@explorer sliders`; `@code DOTTED.NAME`, one of
`report.listings.LISTINGS`; `@standalone`, the stand-alone training loop). `BEFORE` lists the sections in page
order as (level, key, title, text): level 2 is a section, level 3 a subsection of the one above it.
"""

from __future__ import annotations

from vaelab.tutorial.report.content_beta import BETA
from vaelab.tutorial.report.derivations import DERIVATION

TITLE = "Autoencoders and variational autoencoders, measured"

LEAD = """
This page teaches autoencoders and variational autoencoders (VAEs) from the ground up, and then puts the
common claims about them to the test. Every model on it was trained while the page was built, every
number was measured on held-out data, and every verdict on a claim was computed from those numbers by a
rule fixed before the runs. Nothing below was drawn by hand.
"""

AUTOENCODERS = """
An autoencoder learns a representation of its data by learning to reconstruct it. An **encoder** f maps
an input x to a code z = f(x); a **decoder** g maps the code back to a reconstruction g(z). Both are
neural networks, trained together to make g(f(x)) close to x: a squared error for real-valued pixels, or
a cross-entropy when pixels are treated as probabilities of being on. No labels are needed: the data
supervise themselves.

$$\\min_{f,g}\\ \\sum_{n} \\ell\\left(x_n,\\ g(f(x_n))\\right)$$

When the code is smaller than the input (an *undercomplete* autoencoder, say 20 numbers for a 784-pixel
digit), reconstruction forces the code to keep what matters most about the data: the network has to
find the few directions along which digits actually vary.

A common warning is that an autoencoder whose code is at least as large as its input (*overcomplete*)
will simply learn the identity and copy everything, noise included. That is too quick. The identity is
one of many functions that reconstruct the training images, and which one training finds depends on the
network and on its output. On the training images the loss does reward copying (the cross-entropy and
the squared error are both smallest when the output equals the input, grey pixels included), but training
only ever shows it digits: nothing in the loss says what the network should do with an input unlike any
of them, such as a digit under noise, and a network that has learned what digits look like tends to
answer with a digit. Even where the identity is easy to represent, with an output that can take any value
and a squared error, training does not start there: it finds first what digits have in common, and
drifts towards copying only as it goes on. The denoising experiment below measures this: it
feeds noisy digits to a plain autoencoder with 1,000 code units for 784 pixels and such an output, at
several points of its training, and asks how much cleaner than its noisy input its output is (a copy is
not cleaner at all), and what it does with pure noise. "Overcomplete" means only that nothing *forces*
the code to be selective.
"""

REGULARISED = """
**Regularised autoencoders** add a second goal to reconstruction, so that the code must be useful in a
particular way even when it is large:

- a **sparse autoencoder** penalises the activity of its code units: the L1 norm of z, or, in Ng's sparse
  autoencoder notes, a KL divergence that keeps each unit's average activation near a small rate ρ (he
  suggests ρ = 0.05). Only a few units respond to a given input, and each unit tends to stand for a
  part (a stroke, an edge) that appears in some inputs and not others;
- a **denoising autoencoder** (Vincent et al. 2008) sees a corrupted input x̃ (Gaussian noise, masked or
  salt-and-pepper pixels) and must reconstruct the clean x. Copying no longer works: it has to learn
  what clean data look like in order to undo the damage.

A point worth keeping: in most of machine learning, "regularisation" is a prior belief about the
*parameters* (weight decay is a Gaussian prior on the weights). The penalties of regularised autoencoders
are different: they constrain the *code*, which is a function of the data. They are assumptions about
the representation, not about the weights. The variational autoencoder takes this idea to its end and
puts a full probability distribution on the code.
"""

GENERATIVE = """
A generative model learns the distribution p(x) the data came from, well enough to draw new samples from
it. If a model can produce new, plausible handwritten digits, it has captured much of what makes a digit
a digit: stroke thickness, slant, the shapes of each class. Generative models are useful when data are
scarce or expensive (samples can augment a dataset), for density estimation (how likely is this input?),
for filling in missing parts, and for learning representations without labels.

A latent-variable model writes p(x) through an unobserved code z: draw z from a simple prior p(z), then
draw x from a decoder p(x|z). The decoder of an autoencoder looks like exactly such a map from codes to
images. What a plain autoencoder lacks is the prior: nothing says which codes are valid, so decoding a
random z can give something that looks like no digit at all. The experiments below measure this.
"""

INTUITION = """
Read the autoencoder probabilistically. The decoder defines p(x|z): given a code, a distribution over
images (a Bernoulli per pixel, or a Gaussian). The ideal encoder would be the true posterior p(z|x), the
distribution of codes that could have produced x. That posterior is intractable, so the VAE learns an
approximation q(z|x), a Gaussian whose mean μ(x) and variance σ²(x) are the encoder's outputs. We use the
notation of Kingma & Welling (2014) throughout: q is the encoder, the approximate posterior; p is the
generative model, its prior p(z) and its decoder p(x|z). Some texts swap the two letters.

@figure graphical-model

Why make the encoder stochastic? A generative model must be able to produce *many* images, say many
different 3s in different slants, and its decoder must work for every code the prior can produce, not
only for the isolated points an autoencoder happens to use. By encoding x to a small cloud of codes
instead of one point, and by pulling those clouds towards the prior N(0, I), the VAE fills the latent
space: nearby codes decode to similar images, and a code drawn from the prior lands where the decoder
was trained.

Sampling is not differentiable with respect to the parameters of the distribution it samples from. The
**reparameterization trick** moves the randomness out of the way: draw ε from N(0, I), which does not
depend on anything learned, and compute z as a deterministic, differentiable function of μ, σ and ε.
Gradients then flow through μ and σ into the encoder by ordinary backpropagation.

$$z = \\mu(x) + \\sigma(x) \\odot \\epsilon, \\qquad \\epsilon \\sim \\mathcal{N}(0, I)$$

@figure vae-architecture

What does a filled latent space look like? Below is the decoder of a VAE with a two-dimensional code,
trained on MNIST while this page was built. Each dot is the code μ(x) of one test digit, coloured by
its label; move the pointer over the plane and the decoder, running in your browser, draws the image of
the code under the pointer. Between the clusters the images change smoothly from one digit into another
(a plain autoencoder's decoder is smooth too). What the KL term buys is coverage: the codes fill the
region the prior draws from, so a code drawn from N(0, I) lands where the decoder was trained.

@explorer plane
"""

MATHS = """
The whole argument fits in one line: the log-likelihood of x is a lower bound we can compute, the
**evidence lower bound** (ELBO), plus a gap we cannot compute but know is never negative.

$$\\log p(x) = \\mathrm{ELBO}(x) + \\mathrm{KL}\\left(q(z|x)\\,\\|\\,p(z|x)\\right), \\qquad \\mathrm{KL} \\geq 0$$

$$\\mathrm{ELBO}(x) = \\mathbb{E}_{q(z|x)}\\left[\\log p(x|z)\\right] - \\mathrm{KL}\\left(q(z|x)\\,\\|\\,p(z)\\right)$$

Training maximises the ELBO over the encoder and decoder together: a reconstruction term that wants the
code to say as much about x as possible, minus a KL term that wants each code's distribution to look like
the prior. The subsections derive each piece, step by step.
"""

CODE = """
The equations above are a few lines of PyTorch each. The listings below are not copies: the page builder
read them from the very functions that trained the models on this page (with Python's `inspect`), so they
cannot drift from the code that produced the numbers. First the reparameterization trick, in the VAE
model. (It draws its noise through `vaelab.noise.randn_like` rather than `torch.randn_like`: the same
draw, arranged so that when a batch is split across several processes, each example still gets the same
noise.)

@code vaelab.models.autoencoders.VAE.reparameterize

The closed-form KL of a diagonal Gaussian to N(0, I), one value per latent dimension, exactly the formula
derived above:

@code vaelab.objectives.divergences.gaussian_kl

The Bernoulli log-likelihood, the binary cross-entropy summed (not averaged) over the pixels and computed
from the decoder's logits:

@code vaelab.objectives.likelihoods.bernoulli_log_likelihood

And the objective itself, which calls both. The loss is minus the log-likelihood plus the weighted KL; with
a weight of 1 it is the negative ELBO. The other branches are variants: free bits (no pressure on a
latent's KL below a floor), which the annealing experiment shows beside its warm-up, and capacity
annealing (the KL held to a rising budget), which the β-VAE section explains.

@code vaelab.objectives.elbo.elbo

vaelab's trainer adds what a library needs around these calls (checkpoints, several processes, mixed
precision, logging), which hides the algorithm. Here is the same algorithm without the bookkeeping: a
complete VAE in PyTorch alone, which you can paste into a file and run (it uses vaelab only for its copy
of MNIST). On a laptop CPU it trains in seconds and prints the ELBO in nats per image.

@standalone
"""

BEFORE = [
    (2, "autoencoders", "Autoencoders", AUTOENCODERS),
    (2, "regularised", "Regularised autoencoders: sparse and denoising", REGULARISED),
    (2, "generative", "Generative models", GENERATIVE),
    (2, "intuition", "The intuition behind the VAE", INTUITION),
    (2, "maths", "The maths: the evidence lower bound", MATHS),
    *[(3, key, title, text) for key, title, text in DERIVATION],
    (2, "code", "The code that trained these models", CODE),
    *BETA,
]
