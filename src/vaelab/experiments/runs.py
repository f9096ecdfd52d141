"""Train, evaluate, sample from and reconstruct with a run folder: what the CLI's commands call."""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable
from pathlib import Path

import torch

from vaelab.data import load_data
from vaelab.errors import CheckpointError
from vaelab.training import distributed
from vaelab.training.checkpoint import load_model_weights, read_state
from vaelab.training.config import RunConfig
from vaelab.training.run_dir import (
    check_data,
    load_config,
    prepare_run_dir,
    read_data_record,
    read_metrics,
    record_data,
)
from vaelab.training.setup import Given, Setup, build
from vaelab.training.trainer import fit
from vaelab.training.validate import EVAL_SEED, mean_terms
from vaelab.viz.grid import save_grid

# An epoch hook: given the built setup and its run folder, the function fit calls after every epoch. That
# function may also have `close(error)`, called once training ends (error None) or fails (e.g. a tracker's).
EpochHook = Callable[[Setup, Path], Callable[[dict], None]]


@dataclasses.dataclass(frozen=True)
class Hooks:
    """Several epoch hooks as one (picklable, like each of them): their callbacks run in turn."""

    hooks: tuple

    def __call__(self, setup: Setup, run_dir: Path) -> Callable[[dict], None]:
        return _Callbacks([hook(setup, run_dir) for hook in self.hooks])


class _Callbacks:
    def __init__(self, callbacks: list):
        self.callbacks = callbacks

    def __call__(self, record: dict) -> None:
        for callback in self.callbacks:
            callback(record)

    def close(self, error: BaseException | None) -> None:
        for callback in self.callbacks:
            _close(callback, error)


def chain_hooks(*hooks: EpochHook | None) -> EpochHook | None:
    """One hook that runs every hook given (None for none, the hook itself for one)."""
    present = tuple(h for h in hooks if h is not None)
    return None if not present else present[0] if len(present) == 1 else Hooks(present)


def _close(callback, error: BaseException | None) -> None:
    close = getattr(callback, "close", None)
    if close is not None:
        close(error)


def train_run(
    cfg: RunConfig,
    out: str | Path,
    argv: list[str] | None = None,
    quiet: bool = False,
    force: bool = False,
    hook: EpochHook | None = None,
    given: Given | None = None,
) -> dict:
    """Build from `cfg` (and what is `given` from Python), train, and leave a complete run folder at `out`;
    returns a summary. Data and networks are checked before anything is written."""
    return train_setup(build(cfg, given=given), out, argv, quiet, force, hook=hook)


def train_setup(
    setup: Setup,
    out: str | Path,
    argv: list[str] | None = None,
    quiet: bool = False,
    force: bool = False,
    resume: bool = False,
    hook: EpochHook | None = None,
) -> dict:
    """Train a built setup into the run folder `out` (figures included); returns a summary. `hook`, if
    given, makes the function fit calls after each epoch (e.g. scoring a learning curve)."""
    cfg = setup.cfg
    main_process = distributed.is_main()
    if not resume and main_process:
        out = prepare_run_dir(out, cfg, argv, setup.device, force=force)
        record_data(out, setup.dataset)
    setup.run_dir = Path(out)
    on_epoch = hook(setup, Path(out)) if hook is not None else None
    try:
        history = fit(
            setup.model,
            setup.objective,
            setup.batches("train", shuffle=True),
            setup.batches("val"),
            cfg.train,
            run_dir=out,
            quiet=quiet,
            resume=resume,
            on_epoch=on_epoch,
        )
    except BaseException as error:
        _close(on_epoch, error)
        raise
    _close(on_epoch, None)
    if main_process:
        write_run_figures(out, setup)
    final = history[-1] if history else (read_metrics(out) or [{}])[-1]
    return {"run": str(out), "epochs": final.get("epoch", 0), "final": final}


def resume_run(
    run_dir: str | Path,
    quiet: bool = False,
    data_dir: str | None = None,
    hook: EpochHook | None = None,
    given: Given | None = None,
) -> dict:
    """Continue an interrupted run from its last checkpoint, with the config it was started with. A run
    killed before its first checkpoint has lost nothing but its start: it starts over from config.json.
    Your own data are read where they were when it started, and refused if they changed."""
    cfg = load_config(run_dir)
    if data_dir is not None:
        cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, data_dir=data_dir))
    given = run_data(run_dir, cfg, given)
    try:
        read_state(run_dir)
    except CheckpointError:
        print(f"vaelab: {run_dir} has no checkpoint yet: starting it over from its config.json", file=sys.stderr)
        argv_file = Path(run_dir) / "argv.txt"
        argv = argv_file.read_text().split() if argv_file.exists() else None
        return train_setup(build(cfg, given=given), run_dir, argv, quiet=quiet, force=True, hook=hook)
    return train_setup(build(cfg, given=given), run_dir, quiet=quiet, resume=True, hook=hook)


def run_data(run_dir: str | Path, cfg: RunConfig, given: Given | None = None) -> Given:
    """What a run folder is built with: the `given` data, or for your own data on disk the files at the
    absolute path RUN/data.json records; either way checked against the digest recorded there."""
    given = given or Given()
    record = read_data_record(run_dir)
    if given.dataset is None and record and record.get("path"):
        data = dataclasses.replace(cfg.data, dataset=record["path"])
        given = dataclasses.replace(given, dataset=load_data(data))
    if given.dataset is not None:
        check_data(run_dir, given.dataset)
    return given


def run_state(run_dir: str | Path, cfg: RunConfig) -> str:
    """What `run_dir` holds of exactly `cfg`: "finished", "unfinished" (a checkpoint to continue from), or
    "none" (no run, another config, or nothing readable). Configs compare as dataclasses, so a config.json
    written before a field was added (it reads back with that field's default) is the same config."""
    try:
        if load_config(run_dir) != cfg:
            return "none"
        return "finished" if read_state(run_dir).get("finished", False) else "unfinished"
    except Exception:  # noqa: BLE001 - anything missing or unreadable: no run to reuse
        return "none"


def resumable(run_dir: str | Path, cfg: RunConfig) -> bool:
    """True when `run_dir` holds an unfinished checkpoint of exactly `cfg` (so training can continue)."""
    return run_state(run_dir, cfg) == "unfinished"


def train_or_resume(
    cfg: RunConfig,
    run_dir: str | Path,
    argv: list[str] | None = None,
    quiet: bool = False,
    fresh: bool = False,
    hook: EpochHook | None = None,
) -> dict:
    """Continue `run_dir` from its checkpoint when it holds an unfinished run of `cfg`; else train afresh."""
    if not fresh and resumable(run_dir, cfg):
        return resume_run(run_dir, quiet=quiet, hook=hook)
    return train_run(cfg, run_dir, argv=argv, quiet=quiet, force=True, hook=hook)


def load_trained(
    run_dir: str | Path, data_dir: str | None = None, cfg: RunConfig | None = None, given: Given | None = None
) -> Setup:
    """The run's setup with its trained weights loaded (eval mode); `cfg` (default: the run's config.json)
    saves reading it when the caller has it; `given` as in run_data."""
    cfg = cfg or load_config(run_dir)
    if data_dir is not None:
        cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, data_dir=data_dir))
    setup = build(cfg, given=run_data(run_dir, cfg, given))
    load_model_weights(run_dir, setup.model)
    setup.model.eval()
    setup.run_dir = Path(run_dir)
    return setup


def evaluate_setup(setup: Setup, split: str = "test", seed: int = EVAL_SEED) -> dict:
    """The objective's terms averaged over a split of a setup already built and loaded, in nats per image (for
    a VAE the headline is the negative ELBO): what experiments and benchmarks measure a model with.
    `evaluate.evaluate_run` is the `vaelab evaluate RUN` report built on it (a run folder in, slower
    metrics behind flags)."""
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
    """Images decoded from z ~ N(0, I) (`sample_prior` draws the z): the decoder used as a generative model
    (a plain AE's decoder too, for comparison)."""
    z = setup.model.sample_prior(n, torch.Generator().manual_seed(seed))
    return setup.model.mean_image(setup.model.decode(z))


def write_run_figures(run_dir: str | Path, setup: Setup) -> None:
    run_dir = Path(run_dir)
    setup.model.eval()
    save_grid(run_dir / "reconstructions.png", reconstructions(setup, 16), nrow=16)
    save_grid(run_dir / "samples.png", prior_samples(setup, 64), nrow=8)
