"""Train, evaluate, sample from and reconstruct with a run folder: what the CLI's commands call."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import torch

from vaelab.training import distributed
from vaelab.training.checkpoint import load_model_weights
from vaelab.training.config import RunConfig
from vaelab.training.run_dir import load_config, prepare_run_dir, read_metrics
from vaelab.training.setup import Setup, build
from vaelab.training.trainer import EVAL_SEED, fit, mean_terms
from vaelab.viz.grid import save_grid


def train_run(
    cfg: RunConfig, out: str | Path, argv: list[str] | None = None, quiet: bool = False, force: bool = False
) -> dict:
    """Build from `cfg`, train, and leave a complete run folder at `out`; returns a summary."""
    return train_setup(build(cfg), out, argv, quiet, force)


def train_setup(
    setup: Setup,
    out: str | Path,
    argv: list[str] | None = None,
    quiet: bool = False,
    force: bool = False,
    resume: bool = False,
) -> dict:
    """Train a built setup into the run folder `out` (figures included); returns a summary."""
    cfg = setup.cfg
    main_process = distributed.is_main()
    if not resume and main_process:
        out = prepare_run_dir(out, cfg, argv, setup.device, force=force)
    history = fit(
        setup.model,
        setup.objective,
        setup.batches("train", shuffle=True),
        setup.batches("val"),
        cfg.train,
        run_dir=out,
        quiet=quiet,
        resume=resume,
    )
    setup.run_dir = Path(out)
    if main_process:
        write_run_figures(out, setup)
    final = history[-1] if history else (read_metrics(out) or [{}])[-1]
    return {"run": str(out), "epochs": final.get("epoch", 0), "final": final}


def resume_run(run_dir: str | Path, quiet: bool = False, data_dir: str | None = None) -> dict:
    """Continue an interrupted run from its last checkpoint, with the config it was started with."""
    cfg = load_config(run_dir)
    if data_dir is not None:
        cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, data_dir=data_dir))
    return train_setup(build(cfg), run_dir, quiet=quiet, resume=True)


def load_trained(run_dir: str | Path, data_dir: str | None = None) -> Setup:
    """The run's setup with its trained weights loaded (eval mode)."""
    cfg = load_config(run_dir)
    if data_dir is not None:
        cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, data_dir=data_dir))
    setup = build(cfg)
    load_model_weights(run_dir, setup.model)
    setup.model.eval()
    return setup


def evaluate_setup(setup: Setup, split: str = "test", seed: int = EVAL_SEED) -> dict:
    """Average objective terms on a split, in nats per image; for a VAE the headline is the negative ELBO."""
    batches = setup.batches(split)
    terms = mean_terms(setup.model, setup.objective, batches, t=float(setup.cfg.train.epochs), seed=seed)
    result = {
        "split": split,
        "examples": batches.num_examples,
        "dataset": setup.cfg.data.dataset,
        "input_mode": setup.cfg.data.input_mode,
    }
    if "elbo" in terms:
        result["negative_elbo"] = -terms["elbo"]
    result.update(terms)
    return result


def evaluate_run(run_dir: str | Path, data_dir: str | None = None, split: str = "test", seed: int = EVAL_SEED) -> dict:
    return {"run": str(run_dir), **evaluate_setup(load_trained(run_dir, data_dir), split, seed)}


@torch.no_grad()
def reconstructions(setup: Setup, n: int = 16, split: str = "test", seed: int = 0) -> torch.Tensor:
    """Rows of inputs over their reconstructions (and the clean images, for denoising models)."""
    x = next(setup.batches(split, batch_size=n).epoch(0))
    x_in = setup.objective.corrupt(x, generator=torch.Generator(device=x.device).manual_seed(seed))
    with torch.random.fork_rng(devices=[] if x.device.type == "cpu" else [x.device]):
        torch.manual_seed(seed)
        out = setup.model(x_in)
    x_hat = setup.model.mean_image(out["x_hat"])
    rows = [x_in, x_hat] if x_in is x else [x_in, x_hat, x]
    return torch.cat(rows)


@torch.no_grad()
def prior_samples(setup: Setup, n: int = 64, seed: int = 0) -> torch.Tensor:
    """Decode z ~ N(0, I): the decoder used as a generative model (a plain AE's decoder too, for comparison)."""
    z = torch.randn(n, setup.cfg.model.latent_dim, generator=torch.Generator().manual_seed(seed)).to(setup.device)
    return setup.model.mean_image(setup.model.decode(z))


def write_run_figures(run_dir: str | Path, setup: Setup) -> None:
    run_dir = Path(run_dir)
    setup.model.eval()
    save_grid(run_dir / "reconstructions.png", reconstructions(setup, 16), nrow=16)
    save_grid(run_dir / "samples.png", prior_samples(setup, 64), nrow=8)
