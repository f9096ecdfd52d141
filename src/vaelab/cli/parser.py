"""The `vaelab` command line's parser: one function per subcommand, each with its flags and examples."""

from __future__ import annotations

import argparse
import textwrap

from vaelab.cli.flags import (
    Parser,
    add_backend_flags,
    add_common,
    add_config_flags,
    add_device,
    add_tracking_flags,
)
from vaelab.evaluation.protocols import REPORT_PROTOCOLS
from vaelab.parallel.pool import DEFAULT_WORKERS
from vaelab.version import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="vaelab", description="Autoencoders and variational autoencoders: train, evaluate, learn.")
    parser.add_argument("--version", action="version", version=f"vaelab {__version__}")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for add in (_train, _evaluate, _sample, _reconstruct, _export, _datasets, _tutorial, _experiment, _sweep):
        add(subs)
    return parser


def _train(subs) -> None:
    p = _sub(
        subs,
        "train",
        "train a model and write a self-describing run folder",
        """
        vaelab train --dataset mnist --model vae --hidden 400 --latent-dim 20 --epochs 5 --out runs/vae
        vaelab train --model ae --latent-dim 64 --corruption gaussian --noise 0.3 --out runs/dae
        vaelab train --beta 4 --kl-schedule linear --warmup-epochs 5 --out runs/beta4
        vaelab train --config runs/vae/config.json --seed 1 --out runs/vae-seed1
        vaelab train --resume runs/vae            # after a crash or Ctrl-C
        vaelab train --dataset my_images/ --image-size 32 --arch conv --out runs/mine   # a folder of images
        vaelab train --dataset faces.npz --out runs/faces                              # x (and y) in a .npz""",
    )
    p.add_argument("--out", help="run folder to create (holding an unfinished run of these settings: continue it)")
    p.add_argument("--resume", metavar="RUN", help="continue an interrupted run from its last checkpoint")
    p.add_argument("--config", help="JSON or YAML file of settings (flags given override it)")
    p.add_argument("--force", action="store_true", help="train afresh, overwriting whatever run --out holds")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")
    add_tracking_flags(p)
    add_config_flags(p)


def _evaluate(subs) -> None:
    p = _sub(
        subs,
        "evaluate",
        "print a trained run's test metrics as JSON (negative ELBO in nats per image)",
        """
        vaelab evaluate runs/vae
        vaelab evaluate runs/vae --split val --data-dir ~/datasets
        vaelab evaluate runs/dsprites --disentanglement --disentanglement-protocol quick""",
    )
    p.add_argument("run", help="run folder written by vaelab train")
    p.add_argument("--split", choices=["test", "val"], default="test", help="which split (default: test)")
    p.add_argument(
        "--nll-samples",
        type=int,
        default=0,
        metavar="K",
        help="also estimate -log p(x) by importance sampling with K samples (5000 in the literature)",
    )
    p.add_argument(
        "--nll-images",
        type=positive_int,
        default=None,
        metavar="N",
        help="estimate the NLL on the first N test images only (default: all)",
    )
    p.add_argument("--latent", action="store_true", help="active units, KL per dimension, I(x; z), prior gap")
    p.add_argument("--probes", action="store_true", help="neighbour and linear-probe accuracy, k-means NMI/ARI")
    p.add_argument(
        "--sample-quality",
        action="store_true",
        help="Frechet distance, confidence and sharpness of prior samples (trains a small classifier once)",
    )
    p.add_argument(
        "--disentanglement",
        action="store_true",
        help="on factor data (dsprites, a .npz with factors): MIG, FactorVAE, DCI, SAP and beta-VAE scores",
    )
    p.add_argument(
        "--disentanglement-protocol",
        choices=REPORT_PROTOCOLS,
        default=None,
        help="the sizes of the --disentanglement metrics (default: full, disentanglement_lib's; quick and tiny "
        "for fast checks)",
    )
    add_device(p)
    add_common(p, seed=True)


def _sample(subs) -> None:
    p = _sub(
        subs,
        "sample",
        "decode samples z ~ N(0, I) of a trained run into a PNG grid",
        """
        vaelab sample runs/vae --num 64 --out samples.png --seed 3""",
    )
    p.add_argument("run", help="run folder written by vaelab train")
    p.add_argument("--num", type=positive_int, default=64, help="how many samples (default: 64)")
    p.add_argument("--nrow", type=positive_int, default=8, help="images per row (default: 8)")
    p.add_argument("--out", help="PNG to write (default: RUN/samples-seedS.png)")
    add_device(p)
    add_common(p, seed=True)


def _reconstruct(subs) -> None:
    p = _sub(
        subs,
        "reconstruct",
        "show images and their reconstructions by a trained run",
        """
        vaelab reconstruct runs/vae --num 16 --out recon.png""",
    )
    p.add_argument("run", help="run folder written by vaelab train")
    p.add_argument("--num", type=positive_int, default=16, help="how many images (default: 16)")
    p.add_argument("--split", choices=["test", "val", "train"], default="test", help="which split (default: test)")
    p.add_argument("--out", help="PNG to write (default: RUN/reconstructions-SPLIT.png)")
    add_device(p)
    add_common(p, seed=True)


def _export(subs) -> None:
    p = _sub(
        subs,
        "export",
        "write a trained run as a plain model folder (config.json, model.safetensors, a README.md model card)",
        """
        vaelab export runs/vae models/vae
        huggingface-cli upload NAME models/vae      # the Hub's own tools read the folder unchanged""",
    )
    p.add_argument("run", help="run folder written by vaelab train")
    p.add_argument("out", help="the model folder to write (must be empty, or --force)")
    p.add_argument("--force", action="store_true", help="overwrite a non-empty OUT")
    add_common(p)


def _datasets(subs) -> None:
    p = _sub(
        subs,
        "datasets",
        "list the datasets, where each was found, or how to get it",
        """
        vaelab datasets
        vaelab datasets --data-dir ~/datasets --json""",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    add_common(p)


def _tutorial(subs) -> None:
    from vaelab.tutorial.profiles import PROFILES

    p = _sub(
        subs,
        "tutorial",
        "run the tutorial's experiments and write its HTML report",
        """
        vaelab tutorial --out tutorial-out
        vaelab tutorial --profile full --out tutorial-full
        vaelab tutorial --backend ray --address auto --log tensorboard --out /shared/tutorial-out""",
    )
    p.add_argument("--out", default="tutorial-out", help="folder for the report and its runs (default: tutorial-out)")
    p.add_argument(
        "--profile",
        choices=PROFILES,
        default="quick",
        help="quick (what make tutorial runs), full (closer to the papers), tiny (seconds; for tests)",
    )
    add_run_options(p)


def _experiment(subs) -> None:
    from vaelab.tutorial.profiles import PROFILES
    from vaelab.tutorial.registry import EXPERIMENTS

    p = _sub(
        subs,
        "experiment",
        "run one of the tutorial's experiments and write its results.json and figures",
        """
        vaelab experiment generation --profile quick --seeds 2 --out tutorial-out
        vaelab experiment clusters --dataset fashion-mnist --out fashion""",
    )
    p.add_argument(
        "name", choices=sorted(EXPERIMENTS), metavar="NAME", help=f"one of: {', '.join(sorted(EXPERIMENTS))}"
    )
    p.add_argument("--out", default="tutorial-out", help="folder; results go to OUT/NAME (default: tutorial-out)")
    p.add_argument("--profile", choices=PROFILES, default="quick", help="run size (default: quick)")
    p.add_argument(
        "--dataset",
        default="mnist",
        help="a dataset's name, or your own data: a folder of images, a .npz or a .npy (default: mnist)",
    )
    p.add_argument(
        "--image-size", type=positive_int, nargs="+", default=(), metavar="H", help="your own folder: resize to H [W]"
    )
    add_run_options(p)


def _sweep(subs) -> None:
    p = _sub(
        subs,
        "sweep",
        "train a grid of runs from a sweep file (YAML/JSON), side by side, and print one summary table",
        """
        vaelab sweep beta.yaml --out sweeps/beta --workers 2
        vaelab sweep beta.yaml --out /shared/sweeps/beta --backend ray --address auto --cpus-per-run 2
        vaelab sweep beta.yaml --out sweeps/beta --log tensorboard --log mlflow
        vaelab sweep beta.yaml --out sweeps/beta --list          # then, in each array job:
        vaelab sweep beta.yaml --out sweeps/beta --only          # the point $SLURM_ARRAY_TASK_ID
        vaelab sweep beta.yaml --out sweeps/beta --summarize     # once they have finished""",
    )
    p.add_argument("file", help="sweep file: base (config sections), grid (SECTION.FIELD: [values]), workers")
    p.add_argument("--out", default="sweep-out", help="folder; runs go to OUT/runs/NAME (default: sweep-out)")
    p.add_argument(
        "--workers",
        type=positive_int,
        default=None,
        help=f"training processes (default: the file's, or {DEFAULT_WORKERS})",
    )
    p.add_argument("--force", action="store_true", help="retrain runs that already finished")
    p.add_argument("--quiet", action="store_true", help="no progress lines")
    array = p.add_argument_group("array jobs: one grid point per job").add_mutually_exclusive_group()
    array.add_argument(
        "--list", action="store_true", help="print the grid (index, run, config file) and write OUT/configs/"
    )
    array.add_argument(
        "--only",
        nargs="?",
        const="SLURM_ARRAY_TASK_ID",
        metavar="INDEX",
        help="train grid point INDEX alone into the sweep's layout (--only without INDEX: $SLURM_ARRAY_TASK_ID)",
    )
    array.add_argument(
        "--summarize", action="store_true", help="evaluate the finished points and write OUT/summary.json"
    )
    add_backend_flags(p)
    add_tracking_flags(p)


def _sub(subs, name: str, help: str, examples: str) -> argparse.ArgumentParser:
    return subs.add_parser(
        name,
        help=help,
        description=help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n" + textwrap.indent(textwrap.dedent(examples).strip(), "  "),
    )


def add_run_options(p: argparse.ArgumentParser) -> None:
    """What the tutorial and experiment commands share: seeds, reuse of runs, the worker pool or Ray, tracking."""
    p.add_argument(
        "--seeds",
        type=positive_int,
        default=None,
        help="seeds per arm, paired across arms (default: 2 tiny, 3 quick, 5 full; kl-annealing 4 and 6)",
    )
    p.add_argument("--force", action="store_true", help="retrain runs that already finished")
    p.add_argument(
        "--workers",
        type=positive_int,
        default=DEFAULT_WORKERS,
        help=f"processes that train runs side by side (default: {DEFAULT_WORKERS}, from the cores)",
    )
    add_common(p, seed=True)
    add_backend_flags(p)
    add_tracking_flags(p)


def positive_int(text: str) -> int:
    """argparse type: a whole number >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value
