"""Test NLL against training time: Burda et al.'s one-stochastic-layer VAE on dynamically binarized MNIST.

The network of Burda, Grosse & Salakhutdinov (2016, section 5): 784-200-200-50, tanh, a Bernoulli decoder,
a Gaussian q(z|x) and the prior N(0, I), trained on the 60,000 training images binarized afresh every batch.
It trains under a wall-clock budget (training steps only) and reports -log p(x) on the test set by the
importance-weighted bound L_K, with `vaelab.runs.measures.test_nll` (what `vaelab evaluate
--nll-samples K` runs): cheap points along the way (default K=100 on the first 1,000 test images), and at
the end K=5000 on all 10,000, timed separately from the budget. That last timing is also the speed
measurement of the NLL estimate (images x K per second).

Test images are binarized as `vaelab evaluate` binarizes them in dynamic mode: one Bernoulli draw per pixel
with the intensity as probability, seeded by the run's seed (the first n images get the same draw whatever n).

The learning-rate schedule follows the clock: its progress is training seconds so far / budget (fit's
`progress`), so it ends when the budget does however fast the machine runs; the run stops between epochs
before one that would overrun. Three epochs of a throwaway copy of the model are timed first (their time
comes off the budget) to set the epoch count, an upper bound (HEADROOM) that the budget is meant to cut;
`ended_by` says which ended the run.

    python bench/nll.py --budget-minutes 60 [--recipe iwae5-cosine] [--eval-every-minutes 10] [--nll-samples 5000]
    python bench/nll.py --smoke        # 1 epoch on 2,000 images, K=10 on 200, 1 thread: the same code path
    python bench/nll.py --rate         # images x K per second of the estimate, extrapolated to K=5000 x 10,000
    python bench/nll.py --compare      # one row per bench/results/nll-*.json: what each recipe gave
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, SMOKE_OUT, print_table, write_result  # noqa: E402
from vaelab.config import from_dict, replace, to_dict  # noqa: E402
from vaelab.parallel.sweep import set_dotted  # noqa: E402
from vaelab.runs.build import BuiltRun, build  # noqa: E402
from vaelab.runs.evaluate import evaluate_terms  # noqa: E402
from vaelab.runs.measures import test_nll  # noqa: E402
from vaelab.training.config import RunConfig  # noqa: E402
from vaelab.training.trainer import fit  # noqa: E402
from vaelab.training.validate import EVAL_SEED  # noqa: E402

ANCHORS = {  # reported test -log p(x) in nats, dynamically binarized MNIST (Burda et al.: K = 5000, this network)
    "Burda et al. 2016 VAE (3,280 epochs)": 86.76,
    "Burda et al. 2016 IWAE k=50": 84.78,
    "pythae VAE": 89.9,
}
TARGET = 87.5  # nats within the budget (issue)

BASE = {
    "data": {"dataset": "mnist", "input_mode": "dynamic", "val_size": 0},
    "model": {"kind": "vae", "hidden": [200, 200], "latent_dim": 50, "activation": "tanh", "likelihood": "bernoulli"},
    "objective": {"objective": "elbo"},
    "train": {"optimizer": "adam", "batch_size": 128, "lr": 1e-3},
}
# Recipes override BASE, SECTION.FIELD -> value (as a sweep's grid does). Burda et al. ran Adam at
# 1e-3 * 10^(-i/7) for 3^i epochs, i = 0..7: the rate falls tenfold over the run, so "exponential" with
# lr_decay 0.1 is the smooth version of their schedule, squeezed into the budget.
WARMUP = {"objective.kl_schedule": "linear", "objective.warmup_epochs": 10}
RECIPES = {
    "vae-constant": {},
    "vae": {**WARMUP, "train.lr_schedule": "exponential", "train.lr_decay": 0.1},
    "vae-cosine": {**WARMUP, "train.lr_schedule": "cosine"},
    "vae-b256": {**WARMUP, "train.batch_size": 256, "train.lr": 2e-3, "train.lr_schedule": "cosine"},
    "iwae5": {
        "objective.objective": "iwae",
        "objective.k": 5,
        "train.lr_schedule": "exponential",
        "train.lr_decay": 0.1,
    },
    "iwae5-cosine": {"objective.objective": "iwae", "objective.k": 5, "train.lr_schedule": "cosine"},
}
# bf16 autocast (AVX512-BF16 on this CPU; fp32 weights, fp32 loss sums, fp32 evaluation): more epochs per hour
RECIPES["iwae5-bf16"] = {**RECIPES["iwae5"], "train.precision": "bf16"}
RECIPES["iwae5-cosine-bf16"] = {**RECIPES["iwae5-cosine"], "train.precision": "bf16"}
SMOKE = {"data.subset": 2000}


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_config(recipe: str, seed: int, threads: int, smoke: bool = False) -> RunConfig:
    data = json.loads(json.dumps(BASE))  # a deep copy of plain data
    overrides = {**RECIPES[recipe], **(SMOKE if smoke else {}), "train.seed": seed, "train.threads": threads}
    for key, value in overrides.items():
        set_dotted(data, key, value)
    return from_dict(RunConfig, data)


def nll_point(built: BuiltRun, samples: int, images: int) -> dict:
    """Mean -log p(x) by L_K (K = samples) on the first `images` test images, with its wall and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    nll = test_nll(built, samples, images, seed=EVAL_SEED)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "nll": nll,
        "samples": samples,
        "images": images,
        "seconds": round(wall, 3),
        "cpu_seconds": round(cpu, 3),
        "rate": images * samples / wall,  # image-samples (one decoder pass each) per wall second
    }


CALIBRATION_EPOCHS = 3  # the first epoch warms up (about 30% slower here): the later ones set the pace
# Plan 30% more epochs than the calibrated pace allows, for the budget to cut. This shared machine's speed
# drifts by more than that from minute to minute: on 2026-11-25 one calibration gave 2.62 s per epoch and
# the hour after it averaged 3.0 s; another, just after a CI run, gave 3.49 s. With an epoch-driven
# schedule the first run stopped with its schedule 91% done; the clock-driven one cannot miss that way.
HEADROOM = 1.3


def calibrate(built: BuiltRun, epochs: int = CALIBRATION_EPOCHS) -> tuple[float, float]:
    """(wall seconds spent, seconds per epoch) from `epochs` epochs of a throwaway copy of the model (fit
    re-seeds, so the real run is unchanged); the pace is the fastest epoch after the first."""
    started = time.perf_counter()
    cfg = replace(built.cfg.train, epochs=epochs)
    train = built.batches("train", shuffle=True)
    history = fit(copy.deepcopy(built.model), built.objective, train, None, cfg, quiet=True)
    later = [r["seconds"] for r in history[1:]] or [history[0]["seconds"]]
    return time.perf_counter() - started, min(later)


class BudgetSpent(Exception):
    """Raised from fit's on_epoch when the next epoch would end past the budget."""


class Progress:
    """fit's on_epoch: adds up training seconds (from `trained`, the calibration epochs), takes the curve's
    cheap NLL points, logs once a minute, and stops training before an epoch that would overrun `budget`.
    `clock` is fit's `progress`: the share of the budget trained so far, counted to this step."""

    def __init__(self, built: BuiltRun, trained: float, budget: float, every: float, samples: int, images: int):
        self.built, self.budget, self.every = built, budget, every
        self.samples, self.images = samples, images
        self.trained, self.epochs, self.record = trained, 0, {}
        self.points: list[dict] = []
        self.next_point, self.next_log = trained + every, trained + 60.0
        self.epoch_started = time.perf_counter()  # reset by `start` and after each epoch's bookkeeping

    def start(self) -> None:
        self.epoch_started = time.perf_counter()

    def clock(self, step: int) -> float:
        return (self.trained + time.perf_counter() - self.epoch_started) / self.budget

    def __call__(self, record: dict) -> None:
        self.trained += record["seconds"]
        self.epochs, self.record = record["epoch"], record
        if self.trained >= self.next_log:
            where = f"{self.trained / 60:.1f} min  epoch {self.epochs}/{self.built.cfg.train.epochs}"
            log(f"{where}  loss {record['loss']:.2f}  lr {record['lr']:.2e}")
            self.next_log = self.trained + 60.0
        if self.trained >= self.next_point:
            self.point(self.samples, self.images)
            self.next_point = self.trained + self.every
        if self.epochs < self.built.cfg.train.epochs and self.trained + record["seconds"] > self.budget:
            raise BudgetSpent
        self.start()  # the cheap points above are not training time

    def point(self, samples: int, images: int) -> dict:
        p = {"minutes": round(self.trained / 60, 3), "epochs": self.epochs, "lr": self.record.get("lr")}
        p.update({"train_loss": self.record.get("loss"), **nll_point(self.built, samples, images)})
        log(f"  test NLL {p['nll']:.3f} (K={samples}, {images} images, {p['seconds']:.1f} s) at epoch {self.epochs}")
        self.points.append(p)
        return p


def train_and_measure(args: argparse.Namespace) -> dict:
    cfg = run_config(args.recipe, args.seed, args.threads, args.smoke)
    built = build(cfg)
    budget = args.budget_minutes * 60
    calibration, pace = calibrate(built, 1 if args.smoke else CALIBRATION_EPOCHS)
    epochs = max(1, int(HEADROOM * (budget - calibration) / pace))
    epochs = min(epochs, args.max_epochs) if args.max_epochs else epochs
    left = (budget - calibration) / 60
    log(
        f"{args.recipe}: calibrated {calibration:.1f} s ({pace:.2f} s/epoch); at most {epochs} epochs in {left:.1f} min"
    )
    built = build(replace(cfg, train=replace(cfg.train, epochs=epochs)))
    every = args.eval_every_minutes * 60
    progress = Progress(built, calibration, budget, every, args.curve_samples, args.curve_images)
    try:
        train = built.batches("train", shuffle=True)
        progress.start()
        fit(
            built.model,
            built.objective,
            train,
            None,
            built.cfg.train,
            quiet=True,
            on_epoch=progress,
            progress=progress.clock,
        )
        ended_by = "epochs"
        log(f"all {epochs} epochs ran within the budget: raise HEADROOM, the budget was not all used")
    except BudgetSpent:
        ended_by = "budget"
        log(f"the budget ended the run after {progress.epochs} epochs (at most {epochs} planned)")
    if not progress.points or progress.points[-1]["epochs"] != progress.epochs:
        progress.point(args.curve_samples, args.curve_images)  # the cheap estimate beside the final one
    final = progress.point(args.nll_samples, args.nll_images)
    return {
        "recipe": args.recipe,
        "overrides": RECIPES[args.recipe],
        "smoke": args.smoke,
        "config": to_dict(built.cfg),
        "budget_minutes": args.budget_minutes,
        "calibration_seconds": round(calibration, 3),  # CALIBRATION_EPOCHS epochs of a throwaway copy
        "calibrated_epoch_seconds": round(pace, 3),
        "schedule": "learning rate by training time / budget",
        "epochs_planned": epochs,  # an upper bound: the budget is meant to end the run
        "epochs_done": progress.epochs,
        "ended_by": ended_by,
        "training_minutes": round(progress.trained / 60, 3),  # the calibration epochs included, as in "points"
        "test_binarization": "one Bernoulli draw per pixel seeded by train.seed, as `vaelab evaluate` (dynamic)",
        "points": progress.points,
        "final": final,
        "test_negative_elbo": evaluate_terms(built, "test")["negative_elbo"],
        "anchors": ANCHORS,
        "target": TARGET,
        "met_target": final["nll"] <= TARGET,
    }


def report(result: dict) -> None:
    final = result["final"]
    rows = [[p["minutes"], p["epochs"], p["samples"], p["images"], p["nll"], p["seconds"]] for p in result["points"]]
    done = f"{result['epochs_done']}/{result['epochs_planned']} epochs"
    print(f"{result['recipe']}: {done}, {result['training_minutes']:.1f} min of training")
    print_table(["minutes trained", "epochs", "K", "test images", "test NLL", "eval seconds"], rows)
    print(f"\ntest -ELBO {result['test_negative_elbo']:.3f}; NLL (K={final['samples']}, {final['images']} images):")
    print_table(["anchor", "nats", "this run - anchor"], [[k, v, final["nll"] - v] for k, v in ANCHORS.items()])
    verdict = "met" if result["met_target"] else "NOT met"
    print(f"\ntarget <= {TARGET} nats: {verdict} ({final['nll']:.3f}); NLL eval {final['seconds']:.1f} s")


def measure_rate(args: argparse.Namespace) -> dict:
    """The estimate's speed on an untrained network (its cost does not depend on the weights), extrapolated."""
    built = build(run_config("vae", args.seed, args.threads))
    nll_point(built, 10, 10)  # warm-up
    p = nll_point(built, args.rate_samples, args.rate_images)
    full = args.nll_samples * args.nll_images
    threads = built.cfg.train.threads or "default"
    log(f"K={p['samples']} x {p['images']} images, {threads} thread(s): {p['seconds']:.2f} s wall")
    log(f"  {p['cpu_seconds']:.2f} s CPU (less than wall when other processes share the cores)")
    per_sample_cpu = p["cpu_seconds"] / (p["images"] * p["samples"])
    extrapolated = {  # seconds
        f"wall at the measured rate ({threads} thread(s), machine as busy as now)": full / p["rate"],
        "CPU time (all threads together)": full * per_sample_cpu,
        "wall on 2 threads if the CPU time splits perfectly (idle machine)": full * per_sample_cpu / 2,
    }
    print(f"measured: {p['rate']:.0f} image-samples per wall second, {1 / per_sample_cpu:.0f} per CPU second")
    print(f"EXTRAPOLATION to K={args.nll_samples} x {args.nll_images} images (not measured):")
    print_table(["assumption", "minutes"], [[k, v / 60] for k, v in extrapolated.items()])
    return {"measured": p, "threads": threads, "extrapolated_seconds": extrapolated}


def compare() -> None:
    rows = []
    for path in sorted(RESULTS.glob("nll-*.json")):
        r = json.loads(path.read_text())
        if "final" in r:
            f, minutes = r["final"], r["training_minutes"]
            schedule = "clock" if "schedule" in r else "epochs"  # runs before the clock-driven schedule
            pace = minutes * 60 / r["epochs_done"]
            row = [path.stem, r["environment"]["date"][:10], r["recipe"], schedule, minutes, r["epochs_done"], pace]
            rows.append(row + [f["samples"], f["images"], f["nll"]])
    if not rows:
        return print(f"no nll-RECIPE.json in {RESULTS} yet; run: python bench/nll.py --recipe NAME")
    head = ["file", "date", "recipe", "lr schedule by", "minutes", "epochs", "s/epoch", "K", "test images", "test NLL"]
    print_table(head, rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget-minutes", type=float, default=60.0, help="wall-clock training budget (default 60)")
    ap.add_argument(
        "--recipe",
        choices=sorted(RECIPES),
        default="iwae5-cosine",
        help="default iwae5-cosine: 86.45 nats in 60 minutes here, the best recipe tried",
    )
    ap.add_argument(
        "--eval-every-minutes", type=float, default=10.0, help="cheap NLL points this often (0: every epoch)"
    )
    ap.add_argument("--curve-samples", type=int, default=100, help="K of the cheap points (default 100)")
    ap.add_argument("--curve-images", type=int, default=1000, help="test images of the cheap points (default 1000)")
    ap.add_argument("--nll-samples", type=int, default=5000, help="K of the final NLL (default 5000)")
    ap.add_argument("--nll-images", type=int, default=10_000, help="test images of the final NLL (default 10000)")
    ap.add_argument("--max-epochs", type=int, default=0, help="cap on the planned epochs (0: the budget decides)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default; --smoke, --rate: 1)")
    ap.add_argument("--smoke", action="store_true", help="1 epoch on 2,000 images, K=10 on 200 images, 1 thread")
    ap.add_argument("--rate", action="store_true", help="measure the NLL estimate's speed and extrapolate")
    ap.add_argument("--rate-samples", type=int, default=1000, help="--rate: K (default 1000)")
    ap.add_argument("--rate-images", type=int, default=200, help="--rate: test images (default 200)")
    ap.add_argument("--compare", action="store_true", help="tabulate bench/results/nll-*.json")
    args = ap.parse_args()
    if args.compare:
        return compare()
    if args.smoke or args.rate:
        args.threads = args.threads or 1
    if args.smoke:
        args.max_epochs, args.eval_every_minutes = args.max_epochs or 1, 0.0
        args.curve_samples = args.nll_samples = 10
        args.curve_images = args.nll_images = 200
    if args.rate:
        result, name = measure_rate(args), "nll-rate"
    else:
        result, name = train_and_measure(args), f"nll-{args.recipe}"
        report(result)
    result["load_average"] = os.getloadavg()  # 1, 5, 15 minutes: other work on the machine slows every timing
    path = write_result(name + ("-smoke" if args.smoke else ""), result, SMOKE_OUT if args.smoke else RESULTS)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
