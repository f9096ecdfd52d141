"""The subcommands: each parses its flags, calls one library function, and prints the result."""

from __future__ import annotations

import argparse
import json
import textwrap
from pathlib import Path

from vaelab.cli.flags import (
    Parser,
    add_backend_flags,
    add_common,
    add_config_flags,
    add_tracking_flags,
    config_from_args,
    ray_config,
    tracking_config,
)
from vaelab.data import dataset_status
from vaelab.errors import ConfigError
from vaelab.experiments.pool import DEFAULT_WORKERS


def cmd_train(args: argparse.Namespace, argv: list[str]) -> int:
    from vaelab.training import distributed

    distributed.init_from_env()  # under torchrun: join the process group; otherwise nothing
    try:
        summary = _train_or_resume(args, argv)
    except BaseException:
        distributed.shutdown(wait=False)
        raise
    main_process = distributed.is_main()
    distributed.shutdown()
    if not main_process:
        return 0
    final = summary["final"]
    headline = f"val loss {final['val_loss']:.2f}" if "val_loss" in final else f"loss {final['loss']:.2f}"
    print(f"trained {summary['epochs']} epochs: {headline} nats/image; run folder {summary['run']}")
    print(f"next: vaelab evaluate {summary['run']}")
    return 0


def _train_or_resume(args: argparse.Namespace, argv: list[str]) -> dict:
    from vaelab.experiments.runs import resume_run, train_run
    from vaelab.experiments.tracking import tracking_hook

    if args.resume:
        given = sorted(k.split(".", 1)[1] for k in vars(args) if "." in k and k != "data.data_dir")
        if given or args.config or args.out:
            raise ConfigError(
                f"--resume continues with the run's own config.json; drop {', '.join(given) or '--out/--config'}"
            )
        data_dir = getattr(args, "data.data_dir", None)
        return resume_run(args.resume, quiet=args.quiet, data_dir=data_dir, hook=tracking_hook(tracking_config(args)))
    if not args.out:
        raise ConfigError("vaelab train needs --out RUN (a new run folder), or --resume RUN to continue one")
    cfg = config_from_args(args)
    hook = tracking_hook(tracking_config(args))
    return train_run(cfg, args.out, argv=["vaelab", *argv], quiet=args.quiet, force=args.force, hook=hook)


def cmd_evaluate(args: argparse.Namespace, argv: list[str]) -> int:
    from vaelab.experiments.evaluate import evaluate_run

    result = evaluate_run(
        args.run,
        data_dir=args.data_dir,
        split=args.split,
        seed=args.seed,
        nll_samples=args.nll_samples,
        nll_images=args.nll_images,
        latent=args.latent,
        probes=args.probes,
        samples=args.sample_quality,
    )
    print(json.dumps(result, indent=2))
    return 0


def cmd_sample(args: argparse.Namespace, argv: list[str]) -> int:
    from vaelab.experiments.runs import load_trained, prior_samples
    from vaelab.viz.grid import save_grid

    setup = load_trained(args.run, args.data_dir)
    out = args.out or f"{args.run}/samples-seed{args.seed}.png"
    save_grid(out, prior_samples(setup, args.num, args.seed), nrow=args.nrow)
    print(f"wrote {args.num} samples from the prior to {out}")
    return 0


def cmd_reconstruct(args: argparse.Namespace, argv: list[str]) -> int:
    from vaelab.experiments.runs import load_trained, reconstructions
    from vaelab.viz.grid import save_grid

    setup = load_trained(args.run, args.data_dir)
    out = args.out or f"{args.run}/reconstructions-{args.split}.png"
    save_grid(out, reconstructions(setup, args.num, args.split, args.seed), nrow=args.num)
    print(f"wrote {args.num} {args.split} images (top) and their reconstructions (below) to {out}")
    return 0


def cmd_datasets(args: argparse.Namespace, argv: list[str]) -> int:
    rows = dataset_status(args.data_dir)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        where = row.get("where") or f"not found; {row.get('how_to_get', '')}"
        print(f"{row['name']:<14} {row.get('description', '')}\n{'':<14} {where}")
    print("your own data: --dataset PATH, a folder of images (class subfolders as labels), a .npz or a .npy")
    return 0


def cmd_tutorial(args: argparse.Namespace, argv: list[str]) -> int:
    from vaelab.experiments.tutorial import run_tutorial

    page = run_tutorial(
        args.out,
        profile=args.profile,
        data_dir=args.data_dir,
        seed=args.seed,
        quiet=args.quiet,
        force=args.force,
        seeds=args.seeds,
        workers=args.workers,
        ray=ray_config(args),
        tracking=tracking_config(args),
    )
    print(f"tutorial written: {page}")
    if (Path(page).parent / "tutorial.ipynb").exists():
        print(f"notebook: {Path(page).parent / 'tutorial.ipynb'}")
    return 0


def cmd_experiment(args: argparse.Namespace, argv: list[str]) -> int:
    from vaelab.experiments.tutorial import make_context, run_experiment

    ctx = make_context(
        args.out,
        args.profile,
        args.seeds,
        dataset=args.dataset,
        data_dir=args.data_dir,
        quiet=args.quiet,
        force=args.force,
        first_seed=args.seed,
        workers=args.workers,
        ray=ray_config(args),
        tracking=tracking_config(args),
        image_size=tuple(args.image_size),
    )
    path = run_experiment(args.name, ctx)
    print(f"results: {path}")
    return 0


def cmd_sweep(args: argparse.Namespace, argv: list[str]) -> int:
    from vaelab.experiments.sweep import run_sweep, summary_table

    summary = run_sweep(
        args.file,
        args.out,
        workers=args.workers,
        force=args.force,
        quiet=args.quiet,
        ray=ray_config(args),
        tracking=tracking_config(args),
    )
    print(summary_table(summary))
    print(f"summary: {Path(args.out) / 'summary.json'}")
    return 0


COMMANDS = {
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "sample": cmd_sample,
    "reconstruct": cmd_reconstruct,
    "datasets": cmd_datasets,
    "tutorial": cmd_tutorial,
    "experiment": cmd_experiment,
    "sweep": cmd_sweep,
}


def _sub(subs, name: str, help: str, examples: str) -> argparse.ArgumentParser:
    return subs.add_parser(
        name,
        help=help,
        description=help,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="examples:\n" + textwrap.indent(textwrap.dedent(examples).strip(), "  "),
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="vaelab", description="Autoencoders and variational autoencoders: train, evaluate, learn.")
    subs = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

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
    p.add_argument("--out", help="run folder to create")
    p.add_argument("--resume", metavar="RUN", help="continue an interrupted run from its last checkpoint")
    p.add_argument("--config", help="JSON or YAML file of settings (flags given override it)")
    p.add_argument("--force", action="store_true", help="overwrite a run already in --out")
    p.add_argument("--quiet", action="store_true", help="no progress bar or per-epoch lines")
    add_tracking_flags(p)
    add_config_flags(p)

    p = _sub(
        subs,
        "evaluate",
        "print a trained run's test metrics as JSON (negative ELBO in nats per image)",
        """
        vaelab evaluate runs/vae
        vaelab evaluate runs/vae --split val --data-dir ~/datasets""",
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
    add_common(p, seed=True)

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
    add_common(p, seed=True)

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
    add_common(p, seed=True)

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
        choices=["quick", "full", "tiny"],
        default="quick",
        help="quick (what make tutorial runs), full (closer to the papers), tiny (seconds; for tests)",
    )
    add_run_options(p)

    from vaelab.experiments.registry import EXPERIMENTS

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
    p.add_argument("--profile", choices=["tiny", "quick", "full"], default="quick", help="run size (default: quick)")
    p.add_argument(
        "--dataset",
        default="mnist",
        help="a dataset's name, or your own data: a folder of images, a .npz or a .npy (default: mnist)",
    )
    p.add_argument(
        "--image-size", type=positive_int, nargs="+", default=(), metavar="H", help="your own folder: resize to H [W]"
    )
    add_run_options(p)

    p = _sub(
        subs,
        "sweep",
        "train a grid of runs from a sweep file (YAML/JSON), side by side, and print one summary table",
        """
        vaelab sweep beta.yaml --out sweeps/beta --workers 2
        vaelab sweep beta.yaml --out /shared/sweeps/beta --backend ray --address auto --cpus-per-run 2
        vaelab sweep beta.yaml --out sweeps/beta --log tensorboard --log mlflow""",
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
    add_backend_flags(p)
    add_tracking_flags(p)
    return parser


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
