"""The experiments' prose: the lead of the experiments section, each experiment's introduction (keyed by its
registry name, shown above its figures), the notes on how it was set up (shown inside its "How this was
measured" box) and the setting a reader might try next. Same markup as `content`.
"""

from __future__ import annotations

EXPERIMENTS_LEAD = """
Each experiment below tests claims made about autoencoders and VAEs, as hypotheses fixed in the code
before any run. They go from the most visual to the most statistical. A claim compares **arms**, models
that differ in one thing only (the KL weight, the model kind, a penalty), and every arm is trained once
per seed; the same seed gives every arm the same initialisation and the same order of training images, so
the per-seed difference between two arms measures what the claim is about and little else. The **effect**
is that paired difference (or a log-ratio); the **estimate** is its mean over seeds, with a 95% confidence
interval (Student's t on the per-seed effects, since a few seeds cannot pin down their own spread; the one
effect that compares spreads across seeds rather than a mean takes a bootstrap interval instead). Each
effect also has a *smallest effect that matters*, chosen before the runs and given in the effect's units.
Each claim is decided by one primary effect, chosen before the runs; its other effects are shown beside
it. The verdict follows one rule:

- **supported** when the interval lies on the side of 0 that the claim predicts, and not all of it inside
  plus or minus the smallest effect that matters;
- **contradicted** when it lies entirely on the other side of 0, and not all of it inside that band;
- **no effect** when all of it lies inside plus or minus the smallest effect that matters: whatever the
  difference is, it is too small to matter;
- **inconclusive** otherwise (the interval straddles 0, or there are too few seeds); beside it stands the
  smallest effect these seeds could have detected.

A few effects predict a difference without a side (supported when the interval excludes 0 and is not all
inside the band), and a few predict that there is none (supported when the interval lies inside the band,
contradicted when it lies wholly outside it: for instance "the output is no cleaner than its input").

Under each experiment, a paragraph says in plain words what was seen, and a box says how it was measured
and how to rerun it. Many claims on one page give chance many tries, so the summary at the end also applies
Holm's correction, which keeps the chance of any false verdict on the page below 5%, and shows each verdict
it changes. A
verdict against a claim is a finding like any other.
"""

EXPERIMENT_INTROS = {
    "generation": """
First, the VAE as a generative model. The 784-400-20 VAE of the PyTorch examples (784 pixels, a hidden
layer of 400 units, 20 latents) and a VAE with a 2-D latent space are trained on MNIST. How far does the
ELBO sit below the log-likelihood it bounds? Prior samples show the decoder working as a generative model;
interpolations show that the space between two codes decodes to plausible images; the 2-D model lets us
draw the whole latent space at once, and shows what the KL term does to it.
""",
    "latent-kl": """
What does the KL term do to the latent space? We train the same 784-400-20 VAE twice: once with the full
ELBO (β = 1) and once with the KL term switched off (β = 0), which leaves a plain autoencoder with
noise injected into its codes. For each seed both arms start from the same weights and see the same
images in the same order, so the difference between them is the KL term's doing. We compare where the
test codes land (t-SNE), how far their overall distribution sits from the prior N(0, I), and what the
decoder makes of codes drawn from that prior.
""",
    "clusters": """
Do autoencoders and VAEs organise data differently? A plain autoencoder and a VAE with the same network,
latent size, seed and data order are trained on the same images; only the KL term and the noise in the
codes differ. We look at the test codes with t-SNE, and measure how well the classes separate
(silhouette, k-means agreement with the labels) and how much of the label a simple classifier can read
from the codes. The claim predicts a difference without saying which way, so either sign counts; a
difference inside the small band that matters counts as none. With a 2-D latent space we can also draw
the codes and the decoded plane directly.
""",
    "blur": """
VAE samples are often called blurry. Here real test images, reconstructions and prior samples sit side by
side for VAEs with a Bernoulli decoder (β 1 and 4), with Gaussian decoders (a fixed and a learned standard
deviation), and for a plain autoencoder's reconstructions. Sharpness is measured by the variance of the
Laplacian of each image (large where neighbouring pixels differ sharply); the Frechet distance compares
the features that a small classifier, trained on the same data, extracts from generated and real images.
""",
    "denoising": """
Does an autoencoder with more code units than pixels just copy its input, noise included? And does a
denoising autoencoder, shown corrupted images and asked for the clean ones, learn to clean them? Both
models here have a 1,000-unit code for 784 pixels and an output that can take any value, so copying the
input is something they can represent exactly; they differ only in what they see while training: clean
images, or images with Gaussian noise added. We add noise of several strengths to the same test images and
measure how close each model's output is to the clean image (PSNR in decibels, where 3 dB more means half
the squared error, and SSIM), with the noisy image itself as the baseline, at several points during
training: a model drifting towards copying gets closer to that baseline as it trains. We also feed the plain
autoencoder pure noise, which a copying map would pass straight through.
""",
    "sparsity": """
A sparse autoencoder penalises the activity of its code units, not its weights, so each input is
described by a few active units. We compare two penalties (L1 on ReLU codes, and a KL divergence to a low
target rate on sigmoid codes) with plain autoencoders that have the same 64-unit code: how many units are
active per input, how sparse the codes are, what reconstruction costs, and what each unit draws when the
decoder is given that unit alone.
""",
    "kl-annealing": """
The KL term can overwhelm the reconstruction term early in training, when the decoder is still poor, and
push the posterior onto the prior before the latents carry any information: the decoder learns to model
the images without the code (posterior collapse). That can only happen when the decoder is strong enough to
do without z, so this VAE's decoder is autoregressive: it paints the image row by row, each row from the
rows above it and from z, like the word-by-word decoder of Bowman et al. (2016). Annealing lets the weight
on the KL term grow from 0 during the first part of training, so that the decoder learns to use the code
first. We compare how much the code carries at the end (the KL, in nats), how many latents carry more than
a tenth of a nat, the test log-likelihood and its spread across seeds, the first epoch's reconstruction,
and the curves of each term.
""",
    "beta-disentangle": """
dSprites images are made from five known factors: shape, scale, orientation and the two coordinates of the
position. That lets us ask whether a latent dimension tracks one factor and ignores the others. We train
the same VAE with a small and a larger weight β on the KL term, paired by seed, and score each with the
standard disentanglement metrics (MIG, the FactorVAE and β-VAE scores, DCI disentanglement), next to its
reconstruction cost. The papers train on 19.2 million images of 64 x 64 pixels with a convolutional network;
this page's runs are far shorter, on 32 x 32 images with a fully connected network, and the verdict says so.
Traversals show what each latent does: we change one latent at a time and decode.
""",
}

# Shown inside each experiment's "How this was measured" box, under the command that reruns it.
MEASURED_NOTES = {
    "generation": """
The ELBO's gap uses the first seed's 784-400-20 VAE on the first test images: the reconstruction term
averaged over 10 draws of z per image, the KL in closed form, and log p(x) by the importance-weighted
bound (Burda et al. 2016) with the number of samples K given in the figure's caption. The 2-D models
trained with and without the KL term share their network, seed and data order.
""",
    "kl-annealing": """
How the setting was chosen: with a fully connected decoder a VAE cannot ignore its code, so a first pilot's
inactive units were a property of where training ends, not of its start. A second pilot, on seeds this page
never uses (1000-1002), trained the autoregressive decoder: with 49,000 training images and a constant KL
weight the KL fell to 3.2 nats after 2 epochs and 7.3 after 8; with a warm-up over the first 15% of training
it was 5.9 and 8.9. A larger decoder (two layers of 512) dipped to 0.4 nats in its first epochs and recovered.
Counting units whose mean varies across images said 32 of 32 were in use throughout, while most carried
almost nothing, so this experiment measures the code's use in nats.
""",
    "beta-disentangle": """
Which setting can disentangle at all was measured beforehand on other seeds (3000-3001), with a rule fixed
before it ran: take the cheapest setting whose β = 1 code lets a classifier tell every factor the images
show (shape, scale and the two coordinates) at a normalised accuracy of at least 0.25. The 32 x 32 fully
connected network missed it for scale on one seed (0.22); at 64 x 64, Chen et al.'s 1200-1200 network and
Burgess et al.'s convolutional one met it, at 9 and 18 times this design's cost per run, more than a
page built on a laptop-class CPU can afford. So the page keeps the small design and states its scope with
the verdict; the convolutional network at 64 x 64 (seven seeds, judged by the same rule) is a separate
benchmark, `python bench/c7_conv64.py`, which runs for hours on a CPU and unchanged on a GPU.
""",
}

# The setting a reader might change next, shown in each experiment's "Try it" box: (flags, what it does).
# "--seeds" alone: two more seeds per arm than the page used (see provenance.try_command).
TRY = {
    "generation": ("--seeds", "the table shows how much the models vary from seed to seed"),
    "latent-kl": ("--seeds", "a narrower interval on each effect"),
    "clusters": ("--dataset fashion-mnist", "the same comparison on clothing images instead of digits"),
    "blur": ("--dataset fashion-mnist", "blur on clothing images, whose textures make it easier to see"),
    "denoising": ("--seeds", "a narrower interval on each effect"),
    "sparsity": ("--seeds", "a narrower interval on each effect"),
    "kl-annealing": ("--seeds", "the spread across seeds is part of this claim"),
    "beta-disentangle": ("--seeds", "the per-seed spread of these scores is large (Locatello et al.)"),
}
