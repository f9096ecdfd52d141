"""A trained run, from Python: what `vaelab.train`, `vaelab.load` and `vaelab.resume` return."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from vaelab.errors import DataError
from vaelab.models import Posterior
from vaelab.runs.build import BuiltRun
from vaelab.runs.codes import decode_means, prior_samples, reconstruct
from vaelab.runs.evaluate import evaluation_report
from vaelab.runs.export import export_run
from vaelab.training.config import RunConfig
from vaelab.training.history import read_metrics
from vaelab.training.validate import EVAL_SEED


class Run:
    """A trained model with its run folder.

    Images go in and come out as float tensors (N, C, H, W) in [0, 1] (uint8 images are divided by 255);
    results are on the CPU. Attributes: `model` (the torch module, in eval mode), `config` (the RunConfig),
    `metrics` (one dict per epoch, as in metrics.jsonl), `path` (the run folder), `dataset` (the data,
    in memory) and `built` (everything vaelab built for it, for the library's own functions).
    """

    def __init__(self, built: BuiltRun):
        self.built = built
        built.model.eval()

    @property
    def model(self) -> torch.nn.Module:
        return self.built.model

    @property
    def config(self) -> RunConfig:
        return self.built.cfg

    @property
    def path(self) -> Path:
        return Path(self.built.run_dir)

    @property
    def metrics(self) -> list[dict]:
        return read_metrics(self.path)

    @property
    def dataset(self):
        return self.built.dataset

    def __repr__(self) -> str:
        m = self.config.model
        return f"Run({str(self.path)!r}: {m.kind}, latent_dim {m.latent_dim}, images {self.built.image_shape})"

    def _images(self, x) -> torch.Tensor:
        x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x)
        if tuple(x.shape[1:]) != self.built.image_shape or x.dim() != 4:
            shape = ", ".join(map(str, self.built.image_shape))
            raise DataError(f"expected images (N, {shape}) in [0, 1], got shape {tuple(x.shape)}")
        x = x.float().div(255) if x.dtype == torch.uint8 else x.float()
        return x

    def export(self, out: str | Path, force: bool = False) -> Path:
        """Write this run as a plain model folder in the layout the Hugging Face Hub reads (config.json,
        model.safetensors, a README.md model card; see vaelab.runs.export); `vaelab.load(out)` reads it."""
        return export_run(self.built, out, force=force)

    def to(self, device: str | torch.device) -> Run:
        """Move the model to `device` ("cpu", "cuda", "cuda:1", "mps"); returns the run."""
        self.built.to(device)
        return self

    @property
    def device(self) -> torch.device:
        return self.built.device

    def _chunks(self, x: torch.Tensor, batch_size: int | None):
        """x in pieces of `batch_size` (default: the run's evaluation batch size), so a large x never sits
        on the device whole."""
        return x.split(batch_size or self.config.train.eval_batch_size)

    @torch.no_grad()
    def encode(self, x, batch_size: int | None = None) -> Posterior:
        """q(z|x) as a Posterior: `mu, logvar = run.encode(x)`, each (N, D); an AE's code is `mean`, its
        `logvar` None. Encoded `batch_size` images at a time."""
        parts = [self.model.encode(b.to(self.device)) for b in self._chunks(self._images(x), batch_size)]
        mu = torch.cat([p.mean.cpu() for p in parts])
        logvar = None if parts[0].logvar is None else torch.cat([p.logvar.cpu() for p in parts])
        return Posterior(mu, logvar)

    def decode(self, z, batch_size: int | None = None) -> torch.Tensor:
        """Images E[x|z] (N, C, H, W) in [0, 1] for codes z (N, D) (not logits), `batch_size` codes at a time."""
        z = z if isinstance(z, torch.Tensor) else torch.as_tensor(np.asarray(z))
        return torch.cat([decode_means(self.built, part) for part in self._chunks(z, batch_size)])

    def reconstruct(self, x, batch_size: int | None = None) -> torch.Tensor:
        """The decoder mean of x's code (a VAE decodes its posterior mean mu(x)): what `vaelab reconstruct`
        draws, in [0, 1], `batch_size` images at a time."""
        return torch.cat([reconstruct(self.built, part) for part in self._chunks(self._images(x), batch_size)])

    def sample(self, n: int = 64, seed: int = 0) -> torch.Tensor:
        """n images decoded from z ~ N(0, I): (n, C, H, W) in [0, 1]."""
        return prior_samples(self.built, n, seed)

    def images(self, split: str = "test", n: int | None = None) -> torch.Tensor:
        """The first n images of a split ("train", "val" or "test") as the model sees them, in [0, 1] (in the
        run's input mode: binarized, if it trains on binarized images), on the CPU."""
        size = n or len(getattr(self.built.splits, split).images)
        return next(self.built.batches(split, batch_size=size).epoch(0)).cpu()

    def evaluate(
        self,
        split: str = "test",
        nll_samples: int = 0,
        nll_images: int | None = None,
        latent: bool = False,
        probes: bool = False,
        sample_quality: bool = False,
        seed: int = EVAL_SEED,
        disentanglement: bool = False,
        disentanglement_protocol: str | None = None,
    ) -> dict:
        """The dict `vaelab evaluate` prints: the objective's terms in nats per image (a VAE's negative ELBO),
        and with the options, the importance-weighted -log p(x) with `nll_samples` samples (on the first
        `nll_images` test images), latent-space use, probes and clusters, prior-sample quality, and for a run
        on factor data (dSprites, a .npz with `factors`) MIG, FactorVAE, DCI, SAP and beta-VAE scores at
        `disentanglement_protocol`'s sizes ("tiny", "quick" or "full", the default: disentanglement_lib's);
        a run without known factors raises ConfigError."""
        return evaluation_report(
            self.built,
            split,
            seed,
            nll_samples,
            nll_images,
            latent,
            probes,
            sample_quality,
            disentanglement=disentanglement,
            disentanglement_protocol=disentanglement_protocol,
        )
