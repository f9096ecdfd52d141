"""The subcommands: each parses its flags, calls one library function, and prints the result."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from vaelab.cli.flags import config_from_args, flag_words, ray_config, tracking_config
from vaelab.data import dataset_status
from vaelab.errors import ConfigError
from vaelab.markdown import markdown_table


def cmd_train(args: argparse.Namespace, argv: list[str]) -> int:
    from vaelab.training import distributed
    from vaelab.training.history import read_metrics
    from vaelab.training.sigint import Interrupted

    distributed.init_from_env(_train_device(args))  # under torchrun: join the process group; otherwise nothing
    try:
        run_dir = _train_or_resume(args, argv)
    except Interrupted as e:
        distributed.shutdown(wait=False)
        hint = f"; resume with: vaelab train --resume {e.run_dir} (or the same command)" if e.run_dir else ""
        raise Interrupted(f"{e}{hint}", e.run_dir, e.signum) from None
    except BaseException:
        distributed.shutdown(wait=False)
        raise
    main_process = distributed.is_main()
    distributed.shutdown()
    if not main_process:
        return 0
    final = (read_metrics(run_dir) or [{"epoch": 0}])[-1]
    epochs = f"{final['epoch']} epoch{'s' if final['epoch'] != 1 else ''}"
    print(f"trained {epochs}: {headline(final)}; run folder {run_dir}")
    print(f"next: vaelab evaluate {run_dir}")
    return 0


def headline(final: dict) -> str:
    """The last epoch's loss in nats/image; beside it the negative ELBO when the objective's loss is not that
    (beta != 1, a penalty such as DIP-VAE's or FactorVAE's, a schedule's weight)."""
    split = "val_" if "val_loss" in final else ""
    loss, elbo = final[f"{split}loss"], final.get(f"{split}elbo")
    text = f"{split.replace('_', ' ')}loss {loss:.2f} nats/image"
    if elbo is not None and abs(loss + elbo) > 5e-3:
        text += f" (negative ELBO {-elbo:.2f})"
    return text


def _train_or_resume(args: argparse.Namespace, argv: list[str]) -> str:
    """Train the run the flags describe (or continue the one --resume names); returns its folder."""
    from vaelab.runs.folder import load_config
    from vaelab.runs.load import with_data_dir
    from vaelab.runs.tracking.hook import tracking_hook
    from vaelab.runs.train import train_run

    hook = tracking_hook(tracking_config(args))
    if args.resume:
        given = sorted(k.split(".", 1)[1] for k in vars(args) if "." in k and k != "data.data_dir")
        if given or args.config or args.out:
            raise ConfigError(
                f"--resume continues with the run's own config.json; drop {', '.join(given) or '--out/--config'}"
            )
        cfg = with_data_dir(load_config(args.resume), getattr(args, "data.data_dir", None))
        train_run(cfg, args.resume, quiet=args.quiet, hook=hook, existing="continue")
        return args.resume
    if not args.out:
        raise ConfigError("vaelab train needs --out RUN (a new run folder), or --resume RUN to continue one")
    existing = "replace" if args.force else "reuse"  # an unfinished run of these settings continues
    train_run(config_from_args(args), args.out, argv=["vaelab", *argv], quiet=args.quiet, hook=hook, existing=existing)
    return args.out


def _train_device(args: argparse.Namespace) -> str:
    """train.device of the run `vaelab train` trains (--resume: the run's own; else --config and the flags'):
    under torchrun it chooses the process group's backend, gloo for cpu, NCCL for a GPU."""
    from vaelab.runs.folder import load_config

    return (load_config(args.resume) if args.resume else config_from_args(args)).train.device


def cmd_evaluate(args: argparse.Namespace, argv: list[str]) -> int:
    from vaelab.runs.evaluate import evaluate_run

    result = evaluate_run(
        args.run,
        data_dir=args.data_dir,
        device=args.device,
        split=args.split,
        seed=args.seed,
        nll_samples=args.nll_samples,
        nll_images=args.nll_images,
        latent=args.latent,
        probes=args.probes,
        samples=args.sample_quality,
        disentanglement=args.disentanglement,
        disentanglement_protocol=args.disentanglement_protocol,
    )
    print(json.dumps(result, indent=2))
    return 0


def cmd_sample(args: argparse.Namespace, argv: list[str]) -> int:
    from vaelab.runs.codes import prior_samples
    from vaelab.runs.load import load_run
    from vaelab.viz.grid import save_grid

    out = args.out or f"{args.run}/samples-seed{args.seed}.png"
    built = load_run(args.run, args.data_dir, device=args.device)
    save_grid(out, prior_samples(built, args.num, args.seed), nrow=args.nrow)
    print(f"wrote {args.num} samples from the prior to {out}")
    return 0


def cmd_reconstruct(args: argparse.Namespace, argv: list[str]) -> int:
    from vaelab.runs.load import load_run
    from vaelab.runs.pictures import reconstruction_rows
    from vaelab.viz.grid import save_grid

    out = args.out or f"{args.run}/reconstructions-{args.split}.png"
    built = load_run(args.run, args.data_dir, device=args.device)
    rows = reconstruction_rows(built, args.num, args.split, args.seed)
    save_grid(out, rows, nrow=args.num)
    print(f"wrote {args.num} {args.split} images (top) and their reconstructions (below) to {out}")
    return 0


def cmd_export(args: argparse.Namespace, argv: list[str]) -> int:
    from vaelab.runs.export import export_run
    from vaelab.runs.load import load_run

    out = export_run(load_run(args.run, args.data_dir, device="cpu"), args.out, force=args.force)
    print(f"wrote {out}: config.json, model.safetensors, data.json, vaelab.json, README.md")
    return 0


def cmd_datasets(args: argparse.Namespace, argv: list[str]) -> int:
    rows = dataset_status(args.data_dir)
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        where = row.get("where") or f"not found; {flag_words(row.get('how_to_get', ''))}"
        print(f"{row['name']:<14} {row.get('description', '')}\n{'':<14} {where}")
    print("your own data: --dataset PATH, a folder of images (class subfolders as labels), a .npz or a .npy")
    return 0


def cmd_tutorial(args: argparse.Namespace, argv: list[str]) -> int:
    from vaelab.tutorial.run import run_tutorial

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
    from vaelab.tutorial.run import make_context, run_experiment

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
    from vaelab.parallel.sweep import grid_listing, run_sweep, summarize_sweep, summary_table

    if args.list:
        rows = grid_listing(args.file, args.out)
        print(markdown_table(["index", "run", "config"], [[r["index"], r["run"], r["config"]] for r in rows]))
        return 0
    if args.summarize:
        summary = summarize_sweep(args.file, args.out)
    else:
        only = None if args.only is None else array_index(args.only)
        summary = run_sweep(
            args.file,
            args.out,
            workers=args.workers,
            force=args.force,
            quiet=args.quiet,
            ray=ray_config(args),
            tracking=tracking_config(args),
            only=only,
        )
        if only is not None:
            print(f"sweep: point {only} ({summary['run']}) in {Path(args.out) / 'runs' / summary['run']}")
            return 0
    print(summary_table(summary))
    if summary["unfinished"]:
        print(f"not finished yet: {', '.join(summary['unfinished'])}")
    print(f"summary: {Path(args.out) / 'summary.json'}")
    return 0


def array_index(value: str) -> int:
    """--only INDEX, or --only alone: the array job's index from $SLURM_ARRAY_TASK_ID."""
    if value == "SLURM_ARRAY_TASK_ID":
        value = os.environ.get("SLURM_ARRAY_TASK_ID", "")
        if not value:
            raise ConfigError("--only without INDEX reads $SLURM_ARRAY_TASK_ID, which is not set; give --only INDEX")
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"--only takes a grid point's index, a whole number (got {value!r})") from None


COMMANDS = {
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "sample": cmd_sample,
    "reconstruct": cmd_reconstruct,
    "export": cmd_export,
    "datasets": cmd_datasets,
    "tutorial": cmd_tutorial,
    "experiment": cmd_experiment,
    "sweep": cmd_sweep,
}
