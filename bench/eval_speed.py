"""Evaluation speed: t-SNE of 10,000 latents and the K=5000 importance-sampled NLL on 10,000 test images.

One run, one JSON (bench/results/eval_speed.json), the two evaluation targets of the performance issue:
  t-SNE   `vaelab.evaluation.embedding.tsne` (openTSNE, 2 threads, the tutorial's settings) of the posterior
          means of the 10,000 MNIST test images; target under 30 s
  NLL     `vaelab.runs.measures.test_nll` (what `vaelab evaluate --nll-samples K` runs; timed by
          bench/nll.py's `nll_point`) with K=5000 on the 10,000 test images, Burda et al.'s 784-200-200-50
          network; target under 10 minutes
Both time a model trained for `--epochs` (default 1) first: their cost does not depend on how well it is trained.

    python bench/eval_speed.py [--epochs 1] [--nll-samples 5000] [--images 10000]
    python bench/eval_speed.py --smoke      # 200 images, K=20: the same code path in seconds
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import RESULTS, SMOKE_OUT, print_table, write_result  # noqa: E402
from nll import nll_point, run_config  # noqa: E402
from vaelab.config import replace  # noqa: E402
from vaelab.evaluation.embedding import tsne  # noqa: E402
from vaelab.runs.build import build  # noqa: E402
from vaelab.runs.codes import encode_split  # noqa: E402
from vaelab.training.trainer import fit  # noqa: E402

TARGETS = {"t-SNE seconds": 30.0, "NLL seconds": 600.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=1, help="training epochs before timing (default 1; 0: none)")
    ap.add_argument("--nll-samples", type=int, default=5000, help="K of the NLL estimate (default 5000)")
    ap.add_argument("--images", type=int, default=10_000, help="test images for both (default 10000)")
    ap.add_argument("--smoke", action="store_true", help="200 images, K=20")
    args = ap.parse_args()
    images, samples = (200, 20) if args.smoke else (args.images, args.nll_samples)

    cfg = run_config("vae-constant", seed=0, threads=0)
    built = build(replace(cfg, train=replace(cfg.train, epochs=max(1, args.epochs))))
    if args.epochs > 0:  # 0: time the untrained model
        fit(built.model, built.objective, built.batches("train", shuffle=True), None, built.cfg.train, quiet=True)
    built.model.eval()

    codes, _, _ = encode_split(built, "test", limit=images)
    started = time.perf_counter()
    tsne(codes, seed=0, n_jobs=2)
    tsne_seconds = time.perf_counter() - started
    print(f"t-SNE of {len(codes)} latents: {tsne_seconds:.1f} s", file=sys.stderr)

    nll = nll_point(built, samples, images)  # test_nll, timed, as bench/nll.py's points
    nll_seconds = nll["seconds"]
    print(f"NLL K={samples} on {images} images: {nll_seconds:.1f} s ({nll['nll']:.2f} nats)", file=sys.stderr)

    measured = {"t-SNE seconds": tsne_seconds, "NLL seconds": nll_seconds}
    rows = [
        [f"t-SNE, {len(codes)} latents of {built.cfg.model.latent_dim} dims, 2 threads", tsne_seconds, "< 30", ""],
        [f"NLL, K={samples} x {images} images, 784-200-200-50", nll_seconds, "< 600", nll["rate"]],
    ]
    print_table(["evaluation", "seconds", "target", "image-samples / s"], rows)
    full = not args.smoke and images == 10_000 and samples == 5000
    payload = {
        "settings": {"epochs": args.epochs, "images": images, "nll_samples": samples, "smoke": args.smoke},
        "tsne_seconds": tsne_seconds,
        "nll_seconds": nll_seconds,
        "nll_nats": nll["nll"],
        "nll_rate": nll["rate"],
        "targets": {k: {"value": measured[k], "target": f"< {v}", "pass": measured[k] < v} for k, v in TARGETS.items()},
        "full_protocol": full,
    }
    path = write_result("eval_speed", payload, RESULTS if full else SMOKE_OUT)
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
