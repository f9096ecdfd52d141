"""The page's code: listings of the very functions that trained its models, read with `inspect` when the page is
built (so the page cannot drift from the code), and a stand-alone VAE in PyTorch alone that a reader can paste
and run.

`LISTINGS` names the functions the prose may show (`@code DOTTED.NAME`); `listing(dotted)` resolves one to
{"name", "title", "module", "first_line", "lines", "source"}; `standalone(train_images, epochs)` is the stand-alone
script with its subset and length set (the page shows the default; the tiny notebook runs a smaller one).
"""

from __future__ import annotations

import html
import importlib
import inspect
import textwrap

LISTINGS = (
    "vaelab.models.autoencoders.VAE.reparameterize",
    "vaelab.objectives.divergences.gaussian_kl",
    "vaelab.objectives.likelihoods.bernoulli_log_likelihood",
    "vaelab.objectives.elbo.elbo",
)

# A variational autoencoder (Kingma & Welling 2014) in PyTorch alone; {train_images} and {epochs} are filled in.
STANDALONE = '''"""A VAE on MNIST digits in PyTorch alone: the 784-400-20 MLP, a Bernoulli decoder, the ELBO."""

import torch
import torch.nn.functional as F
from torch import nn

from vaelab.data import load_dataset  # only for its copy of MNIST

TRAIN_IMAGES, EPOCHS = {train_images}, {epochs}  # a subset of the 60,000 training digits, and passes over it
torch.manual_seed(0)
mnist = load_dataset("mnist")  # uint8 tensors: train_images (60000, 1, 28, 28), test_images (10000, 1, 28, 28)
train = mnist.train_images[:TRAIN_IMAGES].flatten(1).float() / 255  # (N, 1, 28, 28) -> (N, 784), in [0, 1]
test = mnist.test_images.flatten(1).float() / 255  # held out: never trained on


class VAE(nn.Module):
    def __init__(self, pixels=784, hidden=400, latent=20):
        super().__init__()
        self.encoder = nn.Sequential(nn.Linear(pixels, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent))
        self.decoder = nn.Sequential(nn.Linear(latent, hidden), nn.ReLU(), nn.Linear(hidden, pixels))

    def forward(self, x):  # -> Bernoulli logits (B, 784), and q(z|x)'s mu and logvar, each (B, 20)
        mu, logvar = self.encoder(x).chunk(2, dim=-1)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)  # the reparameterization trick
        return self.decoder(z), mu, logvar


def elbo_terms(model, x):
    """-log p(x|z) with one z per image, and KL(q(z|x) || N(0, I)): each (B,), in nats."""
    logits, mu, logvar = model(x)
    recon = F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)  # summed over pixels
    kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(-1)  # Kingma & Welling 2014, appendix B
    return recon, kl


model, beta = VAE(), 1.0  # beta = 1 is the VAE; another beta gives a beta-VAE (Higgins et al. 2017)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for epoch in range(1, EPOCHS + 1):
    for batch in torch.randperm(len(train)).split(128):
        recon, kl = elbo_terms(model, train[batch])
        loss = (recon + beta * kl).mean()  # the negative ELBO when beta = 1, averaged over the batch
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    with torch.no_grad():
        recon, kl = elbo_terms(model, test)  # the whole test set as one batch
    print(f"epoch {{epoch}}: test ELBO {{-(recon + kl).mean():.1f}} nats per image (KL {{kl.mean():.1f}})")
'''
STANDALONE_SIZE = (10_000, 3)  # (training images, epochs) the page shows: a few seconds on one CPU core


def standalone(train_images: int = STANDALONE_SIZE[0], epochs: int = STANDALONE_SIZE[1]) -> str:
    """The stand-alone script, training on the first `train_images` MNIST digits for `epochs` epochs."""
    return STANDALONE.format(train_images=f"{train_images:_}", epochs=epochs)


def resolve(dotted: str):
    """The object a dotted name names: the longest importable module prefix, then attributes."""
    parts = dotted.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ModuleNotFoundError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(f"no module in {dotted!r}")


def listing(dotted: str) -> dict:
    """A function's source as Python sees it now (decorators and docstring included, dedented), with its module,
    its name in it and its first line."""
    obj = inspect.unwrap(resolve(dotted))
    lines, first = inspect.getsourcelines(obj)
    module = inspect.getmodule(obj).__name__
    return {
        "name": dotted,
        "title": dotted.removeprefix(module + "."),
        "module": module,
        "first_line": first,
        "lines": len(lines),
        "source": textwrap.dedent("".join(lines)).rstrip() + "\n",
    }


def listing_html(dotted: str) -> str:
    """A function's live source in <pre><code>, escaped, captioned with its file, name and lines."""
    found = listing(dotted)
    last = found["first_line"] + found["lines"] - 1
    caption = f"{found['title']} in {found['module']} (lines {found['first_line']}-{last})"
    return (
        f'<figure class="code"><pre><code class="language-python">{html.escape(found["source"])}</code></pre>'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def listing_markdown(dotted: str) -> str:
    found = listing(dotted)
    return f"```python\n{found['source']}```\n\n_{found['title']} in {found['module']}_"


def standalone_html() -> str:
    return (
        f'<figure class="code"><pre><code class="language-python">{html.escape(standalone())}</code></pre>'
        f"<figcaption>A VAE in PyTorch alone: {STANDALONE_SIZE[0]:,} training digits, {STANDALONE_SIZE[1]} "
        "epochs</figcaption></figure>"
    )


def standalone_markdown() -> str:
    return f"```python\n{standalone()}```"
