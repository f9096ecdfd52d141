"""C7 in the papers' setting: beta-VAEs with Burgess et al.'s conv network on 64 x 64 dSprites, judged by the rule.

    python bench/c7_conv64.py                        # the CPU design: beta 1 and 4, 7 seeds, 262,144 images
    python bench/c7_conv64.py --setting papers --device cuda --workers 4   # GPU work: 10 seeds, 19.2M images
    python bench/c7_conv64.py --summarize            # judge what has finished, write the JSON

The tutorial's profiles test C7 at 32 x 32 with an MLP, where bench/c7_pilot.py found the beta = 1 code too
squeezed to tell the factors apart; this bench runs the closest-to-papers candidate of that pilot (C: four
stride-2 convolutions 32-32-64-64, then 256-256, 10 latents, Adam lr 1e-4, batch 64, Locatello et al. 2019)
on seeds 4000.. (never a pilot's or the tutorial's). Each run is scored once as it ends, at
disentanglement_lib's sizes, in the worker that trained it (RUN/curve.jsonl), and C7 is judged with the
tutorial's own claim and rule (beta 4 - beta 1 in MIG decides; MIG over scale/posX/posY, the FactorVAE score
and the reconstruction cost shown). Seven seeds: the learning-curve bench's per-seed sd of the FactorVAE
difference (0.054) gives a 95% half-width of about 0.05 at n = 7.

Resumable: finished runs are read, an interrupted run continues from its checkpoint; the JSON is rewritten
after every finished run. On the CPU here a run of 262,144 images costs about 630 floor-epochs (15 minutes,
two at a time); the papers' 19.2M images are 73 times that, about 18 hours a run: GPU work, written to run
unchanged there (--device cuda; the pool's workers share the GPU, --workers as its memory allows).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, SMOKE_OUT, print_table, write_result  # noqa: E402
from vaelab.config import from_dict  # noqa: E402
from vaelab.evaluation.protocols import PROTOCOLS  # noqa: E402
from vaelab.parallel.pool import train_jobs  # noqa: E402
from vaelab.runs.factor_scores import curve_scorer, read_curve  # noqa: E402
from vaelab.runs.state import RunState, run_state  # noqa: E402
from vaelab.training.config import RunConfig  # noqa: E402
from vaelab.training.history import read_metrics  # noqa: E402
from vaelab.tutorial.claims import judge  # noqa: E402
from vaelab.tutorial.experiments import beta_disentangle as bd  # noqa: E402

FIRST_SEED, EPOCH_IMAGES = 4000, 65_536
MODEL = {"arch": "conv", "channels": [32, 32, 64, 64], "hidden": [256, 256], "latent_dim": 10}
TRAIN = {"batch_size": 64, "lr": 1e-4, "eval_batch_size": 1000}
SETTINGS = {  # betas, seeds, epochs of EPOCH_IMAGES images
    "cpu": {"betas": (1.0, 4.0), "seeds": 7, "epochs": 4},
    "papers": {"betas": (1.0, 4.0, 16.0), "seeds": 10, "epochs": 293},  # 19.2M images, as Higgins et al.
    "smoke": {"betas": (1.0, 4.0), "seeds": 2, "epochs": 1},
}


def config(beta: float, seed: int, epochs: int, device: str, subset: int) -> RunConfig:
    train = {**TRAIN, "epochs": epochs, "seed": seed, "device": device}
    data = {"dataset": "dsprites", "subset": subset, "val_size": 1000}
    return from_dict(RunConfig, {"data": data, "model": MODEL, "objective": {"beta": beta}, "train": train})


def plan(args) -> list[tuple[float, int, RunConfig, Path]]:
    s = SETTINGS[args.setting]
    return [
        (b, seed, config(b, seed, s["epochs"], args.device, args.subset), args.out / f"beta{b:g}-seed{seed}")
        for seed in range(FIRST_SEED, FIRST_SEED + s["seeds"])
        for b in s["betas"]
    ]


def summarize(jobs, args) -> dict:
    """C7 judged on every seed whose runs have all finished, with the tutorial's claim and rule."""
    per_seed: dict[str, dict[int, dict]] = {}
    for beta, seed, _, folder in jobs:
        curve = read_curve(folder)
        if curve and curve[-1]["epoch"] == SETTINGS[args.setting]["epochs"]:
            per_seed.setdefault(bd.beta_label(beta), {})[seed] = {k: curve[-1][k] for k in bd.METRICS if k in curve[-1]}
    complete = sorted(set.intersection(*(set(v) for v in per_seed.values()))) if len(per_seed) > 1 else []
    paired = {arm: {s: m for s, m in seeds.items() if s in complete} for arm, seeds in per_seed.items()}
    claim = bd.claims_for(SETTINGS[args.setting]["betas"], scope=scope(args))[0]
    seconds = [sum(r["seconds"] for r in read_metrics(folder)) for *_, folder in jobs if read_metrics(folder)]
    judged = judge(claim, paired) if len(complete) > 1 else None
    return {"setting": args.setting, "seeds_complete": complete, "claim": judged, "per_seed": paired,
            "runs": len(jobs), "train_seconds": seconds, "network": MODEL, "train": TRAIN}  # fmt: skip


def scope(args) -> str:
    images = SETTINGS[args.setting]["epochs"] * args.subset
    return f"64 x 64 dSprites, the conv network of Burgess et al. (2018), 10 latents, {images:,} images per run"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--setting", choices=list(SETTINGS), default="cpu")
    ap.add_argument("--out", type=Path, default=None, help="run folders (default: bench/out/c7-conv64-SETTING)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--device", default="auto", help="train.device for every run (cpu, cuda, ...)")
    ap.add_argument("--summarize", action="store_true", help="only judge what has finished and write the JSON")
    args = ap.parse_args()
    args.out = args.out or SMOKE_OUT / f"c7-conv64-{args.setting}"
    args.subset = 2048 if args.setting == "smoke" else EPOCH_IMAGES
    jobs = plan(args)
    if not args.summarize:
        todo = [(c, d) for _, _, c, d in jobs if run_state(d, c) is not RunState.FINISHED]
        print(f"c7-conv64 ({args.setting}): {len(jobs)} runs, {len(todo)} to train", file=sys.stderr, flush=True)
        protocol = PROTOCOLS["tiny"] if args.setting == "smoke" else PROTOCOLS["full"]
        hook = curve_scorer((SETTINGS[args.setting]["epochs"],), protocol, args.subset)
        train_jobs(todo, args.workers, argv=["bench/c7_conv64.py", "--setting", args.setting], hook=hook)
    result = summarize(jobs, args)
    name = f"c7-conv64-{args.setting}"
    path = write_result(name, result, SMOKE_OUT if args.setting == "smoke" else RESULTS)
    c = result["claim"]
    if c:
        print_table(
            ["effect", "estimate [95% CI], n", "verdict"],
            [[e["effect"], e["text"], e["verdict"]] for e in c["effects"]],
        )
        print(f"C7 ({c['scope']}): {c['verdict']} ({c['reason']})")
    print(f"{len(result['seeds_complete'])} seeds complete; wrote {path}")


if __name__ == "__main__":
    main()
