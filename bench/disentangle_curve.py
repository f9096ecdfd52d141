"""Disentanglement learning curves on dSprites-32: seven models x 3 seeds, 2M+ images each, scored as they train.

    python bench/disentangle_curve.py [--out bench/out/disentangle-curve] [--workers 2] [--epochs 32]
    python bench/disentangle_curve.py --summarize          # rebuild the JSON and figure from what has run
    python bench/disentangle_curve.py --smoke              # two models, one seed, a few thousand images
    python bench/disentangle_curve.py --models "capacity (C 25, gamma 250)"   # one model; the others' runs kept

The models of Locatello et al.'s study, as objectives over one VAE (the beta-disentangle experiment's MLP,
512-512, 10 latents, Adam 5e-4, batch 64, freshly rendered 32x32 images): beta 1, 4 and 16, capacity
annealing (Burgess et al.: C rises to 25 nats over the run; gamma 1000, the paper's value at 64x64, and
gamma 250 = 1000 x 1,024 / 4,096, scaled to the 32x32 image's pixel count, since the reconstruction term
that gamma weighs the KL against sums over 4x fewer pixels), beta-TCVAE (beta 6), FactorVAE
(gamma 10, a 6 x 1000 discriminator) and DIP-VAE-I (lambda_od 10, lambda_d 100). An epoch is 65,536
images; each run is scored after epochs 1, 2, 4, 8, 16 and 32 (2,097,152 images), with MIG (binned, as
disentanglement_lib), Chen et al.'s MIG, the FactorVAE score (2,000 / 1,000 votes), DCI disentanglement
and reconstruction.

Resumable across sessions: finished runs are skipped, an interrupted run continues from its checkpoint
(written every 10 minutes and at every epoch) and keeps its points; a line reports progress every few
minutes, and bench/results/disentangle-curve.json and docs/disentangle-curve.png are rewritten as
points arrive, so a stopped session loses nothing that finished. A run with --models keeps the other
models' runs already in the JSON (same length and scoring), so one model can be added or rerun alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, SMOKE_OUT, write_result  # noqa: E402
from vaelab.config import from_dict  # noqa: E402
from vaelab.evaluation.protocols import PROTOCOLS  # noqa: E402
from vaelab.parallel.pool import train_jobs  # noqa: E402
from vaelab.runs.factor_scores import curve_scorer, log_spaced_epochs, read_curve  # noqa: E402
from vaelab.runs.state import RunState, run_state  # noqa: E402
from vaelab.training.config import RunConfig  # noqa: E402
from vaelab.tutorial.curves import curve_bands, paired_curve  # noqa: E402
from vaelab.tutorial.rule import settles_at  # noqa: E402
from vaelab.viz.plots import metric_curves, save  # noqa: E402

DOCS = Path(__file__).resolve().parent.parent / "docs"
IMAGES_PER_EPOCH = 65_536
FIRST_SEED = 1000  # a pilot for the tutorial's beta-disentangle design: seeds the tutorial never uses (it uses 0..)
MODEL = {"hidden": [512, 512], "latent_dim": 10}
TRAIN = {"batch_size": 64, "lr": 5e-4, "eval_batch_size": 1000}
MODELS = {
    "beta 1": {"beta": 1.0},
    "beta 4": {"beta": 4.0},
    "beta 16": {"beta": 16.0},
    "capacity (C 25, gamma 1000)": {"capacity_max": 25.0, "capacity_gamma": 1000.0},
    "capacity (C 25, gamma 250)": {"capacity_max": 25.0, "capacity_gamma": 1000.0 * 32 * 32 / (64 * 64)},
    "beta-TCVAE (beta 6)": {"objective": "tcvae", "beta": 6.0},
    "FactorVAE (gamma 10)": {"objective": "factorvae", "tc_gamma": 10.0},
    "DIP-VAE-I (10, 100)": {"objective": "dip-vae-i", "lambda_od": 10.0, "lambda_d": 100.0},
}
METRICS = {
    "mig": "MIG",
    "mig_chen": "MIG (Chen et al.)",
    "factor_vae": "FactorVAE score",
    "dci_d": "DCI disentanglement",
    "recon": "reconstruction (nats)",
}
# Published numbers on the 64x64 original, each under its own protocol (not ours).
ANCHORS = {
    "mig": {"VAE": 0.10, "beta-VAE": 0.21, "beta-TCVAE": 0.45, "source": "Chen et al. 2018, MIG, whole dataset"},
    "factor_vae": {"beta-VAE": 0.63, "FactorVAE": 0.83, "source": "Kim & Mnih 2018, FactorVAE score"},
}


def config(objective: dict, seed: int, epochs: int, subset: int) -> RunConfig:
    objective = dict(objective)
    if "capacity_max" in objective:
        objective["capacity_epochs"] = float(epochs)  # C reaches C_max at the end of the run
    return from_dict(
        RunConfig,
        {
            "data": {"dataset": "dsprites-32", "subset": subset, "val_size": 1000},
            "model": MODEL,
            "objective": objective,
            "train": {**TRAIN, "epochs": epochs, "seed": seed},
        },
    )


def slug(model: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in model.lower()).strip("-").replace("--", "-")


def plan(args) -> list[tuple[str, int, RunConfig, Path]]:
    """(model, seed, config, run folder), seed-major so every model has a first seed early."""
    return [
        (model, seed, config(MODELS[model], seed, args.epochs, args.subset), args.out / f"{slug(model)}-seed{seed}")
        for seed in range(args.first_seed, args.first_seed + args.seeds)
        for model in args.models
    ]


def collect(jobs, epochs: tuple[int, ...]) -> dict:
    runs = [
        {"model": m, "seed": s, "finished": run_state(d, c) is RunState.FINISHED, "checkpoints": read_curve(d)}
        for m, s, c, d in jobs
    ]
    points = sum(len(r["checkpoints"]) for r in runs)
    return {"runs": runs, "points": points, "points_planned": len(jobs) * len(epochs)}


# C7's paired effects, read off the curves as the tutorial judges them (beta 4 - beta 1, and beta 16 - beta 1
# shown beside): where each settles (rule.settles_at) sets how long beta-disentangle must train.
PAIRS = {"beta 4 - beta 1": ("beta 4", "beta 1"), "beta 16 - beta 1": ("beta 16", "beta 1")}
C7_MIN_EFFECT = {"mig": 0.05, "factor_vae": 0.05}  # the tutorial's smallest effects that matter


def settling(runs: list[dict]) -> dict:
    """{pair: {metric: {"images", "verdict", "curve": {images: [per-seed effect]}}}}: where each paired effect's
    verdict by the tutorial's rule stops changing (images None: not settled at the last point)."""
    out = {}
    for pair, (arm, base) in PAIRS.items():
        out[pair] = {}
        for key, m in C7_MIN_EFFECT.items():
            curve = paired_curve(runs, key, arm, base)
            images, verdict = settles_at(curve, direction=+1, min_effect=m)
            out[pair][key] = {"images": images, "verdict": verdict, "curve": {str(k): v for k, v in curve.items()}}
    return out


def kept_runs(path: Path, args) -> tuple[list[dict], dict]:
    """The runs (and model settings) of models this invocation does not run, from an earlier JSON at path
    of the same length and scoring: a --models run adds to the bench instead of replacing it."""
    if not path.exists():
        return [], {}
    old = json.loads(path.read_text())
    same = old.get("images_per_run") == args.epochs * args.subset and old.get("score_epochs") == list(args.score_epochs)
    if not same:
        return [], {}
    models = {m: o for m, o in old.get("models", {}).items() if m not in args.models}
    return [r for r in old.get("runs", []) if r["model"] in models], models


def write_outputs(jobs, args, started: float, final: bool = False) -> Path:
    directory = SMOKE_OUT if args.smoke else RESULTS
    name = "disentangle-curve" if not args.smoke else "disentangle-curve-smoke"
    kept, models = kept_runs(directory / f"{name}.json", args)
    runs = kept + collect(jobs, args.score_epochs)["runs"]
    data = {
        "runs": runs,
        "points": sum(len(r["checkpoints"]) for r in runs),
        "points_planned": len(runs) * len(args.score_epochs),
    }
    payload = {
        "images_per_epoch": args.subset,
        "images_per_run": args.epochs * args.subset,
        "score_epochs": list(args.score_epochs),
        "protocol": PROTOCOLS["curve"],
        "models": {**models, **{m: MODELS[m] for m in args.models}},
        "network": MODEL,
        "train": TRAIN,
        "anchors": ANCHORS,
        "seconds_this_session": round(time.perf_counter() - started, 1),
        "complete": final and data["points"] == data["points_planned"],
        "settling": settling(data["runs"]),
        **data,
    }
    path = write_result(name, payload, directory)
    panels = {METRICS[k]: curve_bands(data["runs"], k) for k in METRICS}
    if any(panels.values()):
        figure = (SMOKE_OUT if args.smoke else DOCS) / ("disentangle-curve.png")
        save(metric_curves(panels, "images seen"), figure)
    return path


def progress(jobs, args, started: float, stop: threading.Event) -> None:
    """Every `args.report_minutes`: one line of runs and points done, with an ETA from the pace so far in
    epochs scored (the points are log-spaced: counting them would promise the end far too soon)."""

    def epochs(data: dict) -> int:
        return sum(max((c["epoch"] for c in r["checkpoints"]), default=0) for r in data["runs"])

    first = epochs(collect(jobs, args.score_epochs))
    while not stop.wait(60 * args.report_minutes):
        data = collect(jobs, args.score_epochs)
        done, total = epochs(data), len(jobs) * args.epochs
        finished = sum(r["finished"] for r in data["runs"])
        elapsed = time.perf_counter() - started
        rate = (done - first) / elapsed if done > first else 0.0
        eta = f", about {(total - done) / rate / 3600:.1f} h left" if rate else ""
        print(
            f"[{time.strftime('%H:%M')}] disentangle-curve: {finished}/{len(jobs)} runs finished, "
            f"{data['points']}/{data['points_planned']} points{eta}",
            file=sys.stderr,
            flush=True,
        )
        write_outputs(jobs, args, started)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=SMOKE_OUT / "disentangle-curve")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument(
        "--first-seed",
        type=int,
        default=FIRST_SEED,
        help=f"seeds FIRST.. (default {FIRST_SEED}: never the tutorial's, whose lengths this bench sets)",
    )
    ap.add_argument("--epochs", type=int, default=32, help=f"epochs of {IMAGES_PER_EPOCH:,} images (default 32)")
    ap.add_argument("--points", type=int, default=6, help="scored epochs, log-spaced (default 6)")
    ap.add_argument(
        "--models", nargs="+", choices=list(MODELS), metavar="MODEL", help="default: all (two with --smoke)"
    )
    ap.add_argument("--summarize", action="store_true", help="only rebuild the JSON and the figure")
    ap.add_argument("--smoke", action="store_true", help="two models, one seed, 3 epochs of 2,048 images")
    ap.add_argument("--report-minutes", type=float, default=5.0)
    args = ap.parse_args()
    args.subset = IMAGES_PER_EPOCH
    if args.smoke:
        args.out, args.seeds, args.epochs, args.subset = SMOKE_OUT / "disentangle-curve-smoke", 1, 3, 2048
        args.models, args.points = args.models or ["beta 1", "FactorVAE (gamma 10)"], 3
    args.models = args.models or list(MODELS)
    args.score_epochs = log_spaced_epochs(args.epochs, args.points)
    jobs = plan(args)
    started = time.perf_counter()
    if not args.summarize:
        todo = [(c, d) for _, _, c, d in jobs if run_state(d, c) is not RunState.FINISHED]
        print(
            f"disentangle-curve: {len(jobs)} runs of {args.epochs * args.subset:,} images, scored after epochs "
            f"{', '.join(map(str, args.score_epochs))}; {len(jobs) - len(todo)} finished, {len(todo)} to train "
            f"in {args.workers} workers",
            file=sys.stderr,
            flush=True,
        )
        stop = threading.Event()
        reporter = threading.Thread(target=progress, args=(jobs, args, started, stop), daemon=True)
        reporter.start()
        protocol = PROTOCOLS["tiny"] if args.smoke else PROTOCOLS["curve"]
        train_jobs(
            todo,
            args.workers,
            argv=["bench/disentangle_curve.py"],
            hook=curve_scorer(args.score_epochs, protocol, args.subset),
        )
        stop.set()
    path = write_outputs(jobs, args, started, final=True)
    data = json.loads(path.read_text())
    print(f"{data['points']}/{data['points_planned']} points; wrote {path}")
    for key in ("mig", "factor_vae"):
        last = curve_bands(data["runs"], key)
        for model, c in last.items():
            print(
                f"  {METRICS[key]:<16} {model:<28} at {c['x'][-1]:>9,} images: {c['mean'][-1]:.3f} "
                f"[{c['low'][-1]:.3f}, {c['high'][-1]:.3f}] (n = {c['n'][-1]})"
            )
    for pair, by_metric in data["settling"].items():
        for key, st in by_metric.items():
            where = f"settles from {st['images']:,} images ({st['verdict']})" if st["images"] else "has not settled"
            print(f"  {pair}, {METRICS[key]}: {where}")


if __name__ == "__main__":
    main()
