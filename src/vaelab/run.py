"""A trained run, from Python: what `vaelab.train`, `vaelab.load` and `vaelab.resume` return."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from vaelab.errors import DataError
from vaelab.experiments.evaluate import evaluate_loaded
from vaelab.experiments.runs import prior_samples
from vaelab.training.config import RunConfig
from vaelab.training.run_dir import read_metrics
from vaelab.training.setup import Setup
from vaelab.training.validate import EVAL_SEED


class Run:
    """A trained model with its run folder.

    Images go in and come out as float tensors (N, C, H, W) in [0, 1] (uint8 images are divided by 255);
    results are on the CPU. Attributes: `model` (the torch module, in eval mode), `config` (the RunConfig),
    `metrics` (one dict per epoch, as in metrics.jsonl), `path` (the run folder), `dataset` (the data,
    in memory) and `setup` (everything vaelab built for it, for the library's own functions).
    """

    def __init__(self, setup: Setup):
        self.setup = setup
        setup.model.eval()

    @property
    def model(self) -> torch.nn.Module:
        return self.setup.model

    @property
    def config(self) -> RunConfig:
        return self.setup.cfg

    @property
    def path(self) -> Path:
        return Path(self.setup.run_dir)

    @property
    def metrics(self) -> list[dict]:
        return read_metrics(self.path)

    @property
    def dataset(self):
        return self.setup.dataset

    def __repr__(self) -> str:
        m = self.config.model
        return f"Run({str(self.path)!r}: {m.kind}, latent_dim {m.latent_dim}, images {self.dataset.image_shape})"

    def _images(self, x) -> torch.Tensor:
        x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
        if tuple(x.shape[1:]) != self.dataset.image_shape or x.dim() != 4:
            shape = ", ".join(map(str, self.dataset.image_shape))
            raise DataError(f"expected images (N, {shape}) in [0, 1], got shape {tuple(x.shape)}")
        x = x.float().div(255) if x.dtype == torch.uint8 else x.float()
        return x.to(self.setup.device)

    @torch.no_grad()
    def encode(self, x) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """A VAE's q(z|x): (mu, logvar), each (N, D); an AE's code z (N, D)."""
        code = self.model.encode(self._images(x))
        return tuple(c.cpu() for c in code) if isinstance(code, tuple) else code.cpu()

    @torch.no_grad()
    def decode(self, z) -> torch.Tensor:
        """Images E[x|z] (N, C, H, W) in [0, 1] for codes z (N, D) (not logits)."""
        z = torch.as_tensor(np.asarray(z) if not isinstance(z, torch.Tensor) else z).float().to(self.setup.device)
        return self.model.mean_image(self.model.decode(z)).cpu()

    def reconstruct(self, x) -> torch.Tensor:
        """decode(the code of x): a VAE decodes its posterior mean mu(x)."""
        code = self.encode(x)
        return self.decode(code[0] if isinstance(code, tuple) else code)

    def sample(self, n: int = 64, seed: int = 0) -> torch.Tensor:
        """n images decoded from z ~ N(0, I): (n, C, H, W) in [0, 1]."""
        return prior_samples(self.setup, n, seed).cpu()

    def images(self, split: str = "test", n: int | None = None) -> torch.Tensor:
        """The first n images of a split ("train", "val" or "test") as the model sees them, in [0, 1]."""
        part = getattr(self.setup.splits, split).images
        return part[:n].float().div(255)

    def evaluate(
        self,
        split: str = "test",
        nll_samples: int = 0,
        nll_images: int | None = None,
        latent: bool = False,
        probes: bool = False,
        sample_quality: bool = False,
        seed: int = EVAL_SEED,
    ) -> dict:
        """The dict `vaelab evaluate` prints: the objective's terms in nats per image (a VAE's negative ELBO),
        and with the options, the importance-weighted -log p(x) with `nll_samples` samples (on the first
        `nll_images` test images), latent-space use, probes and clusters, and prior-sample quality."""
        return evaluate_loaded(self.setup, split, seed, nll_samples, nll_images, latent, probes, sample_quality)
