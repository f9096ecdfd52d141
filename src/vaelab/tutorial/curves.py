"""Learning curves over seeds: each model's curve with its confidence band, and a paired effect along it.

A run's curve is the list of points its `vaelab.runs.factor_scores.curve_scorer` wrote (RUN/curve.jsonl);
these gather them across runs as [{"model", "seed", "checkpoints": [point]}].
"""

from __future__ import annotations

import numpy as np

from vaelab.evaluation.stats import t_interval


def curve_bands(runs: list[dict], key: str) -> dict[str, dict]:
    """Per model, the learning curve of one metric over seeds: images (T,), mean, 95% t-interval bounds
    (NaN with one seed) and the seed count at each point. runs: [{"model", "seed", "checkpoints": [point]}]."""
    out = {}
    for model in dict.fromkeys(r["model"] for r in runs):
        by_images: dict[int, list[float]] = {}
        for r in runs:
            if r["model"] == model:
                for p in r["checkpoints"]:
                    if p.get(key) is not None:
                        by_images.setdefault(p["images"], []).append(p[key])
        if not by_images:
            continue
        xs = sorted(by_images)
        stats = [t_interval(by_images[x]) for x in xs]
        out[model] = {
            "x": np.array(xs),
            "mean": np.array([s[0] for s in stats]),
            "low": np.array([s[1] for s in stats]),
            "high": np.array([s[2] for s in stats]),
            "n": [len(by_images[x]) for x in xs],
        }
    return out


def paired_curve(runs: list[dict], key: str, arm: str, baseline: str) -> dict[int, list[float]]:
    """{images: [arm - baseline, one per seed both reached]}: a curve's paired effect, for rule.settles_at."""
    points = {(r["model"], r["seed"], p["images"]): p.get(key) for r in runs for p in r["checkpoints"]}
    out: dict[int, list[float]] = {}
    for (model, seed, images), value in sorted(points.items(), key=lambda kv: (kv[0][2], kv[0][1])):
        other = points.get((baseline, seed, images))
        if model == arm and value is not None and other is not None:
            out.setdefault(images, []).append(value - other)
    return out
