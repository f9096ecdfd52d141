"""Do the verdicts hold on other seeds? The quick profile on two disjoint seed sets, beside the full profile.

    python bench/verdicts.py [--seeds 0 100] [--out bench/out/verdicts] [--full DIR]

Runs `vaelab tutorial --profile quick --seed S` for each seed set (timed, with the floor measured in the
same session, as bench/tutorial.py does) into OUT/seedS, then compares every claim's verdict across the
sets and, with --full, with the full profile's verdicts read from that tutorial folder. A set whose
folder already holds a finished tutorial is read, not rerun, so a stopped bench resumes.

Targets (the issue): the seed sets agree on at least 80% of the claims and never call a claim supported
in one and contradicted in the other; the quick and full profiles agree, or the quick verdict is
inconclusive. Prints a table and writes bench/results/verdicts.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SMOKE_OUT, print_table, write_result  # noqa: E402
from tutorial import TIMING, summarize, timed_tutorial  # noqa: E402

OPPOSITE = {frozenset({"supported", "contradicted"})}


def claims_of(folder: Path) -> dict[str, dict]:
    """{claim id (suffixed with the dataset off MNIST): claim} from a tutorial folder's results."""
    out = {}
    for path in sorted(folder.glob("*/results.json")):
        r = json.loads(path.read_text())
        suffix = "" if r.get("dataset", "mnist") in ("mnist", "dsprites-32") else f" ({r['dataset']})"
        out.update({f"{c['id']}{suffix}": c for c in r.get("claims", []) if c["verdict"] != "descriptive"})
    return out


def claim_order(claim_id: str) -> tuple:
    """C1 < C2 < ... < C6a < C6b < ... < C9b; a dataset suffix sorts after the MNIST claim."""
    head, _, rest = claim_id[1:].partition(" ")
    digits = "".join(ch for ch in head if ch.isdigit())
    return int(digits), head[len(digits) :], rest


def cell(c: dict | None) -> str:
    """The verdict and the first deciding effect's estimate [95% CI]."""
    if c is None:
        return ""
    head = next((e for e in c.get("effects", []) if e.get("decides", True)), c)
    est, lo, hi = head.get("estimate"), head.get("ci_low"), head.get("ci_high")
    interval = f" {est:.3g} [{lo:.3g}, {hi:.3g}]" if None not in (est, lo, hi) else ""
    return f"{c['verdict']}{interval}"


def compare(sets: dict[int, dict[str, dict]], full: dict[str, dict] | None) -> dict:
    ids = sorted((i for i in next(iter(sets.values())) if all(i in s for s in sets.values())), key=claim_order)
    rows, agree, opposite, full_clash = [], 0, [], []
    for i in ids:
        verdicts = [s[i]["verdict"] for s in sets.values()]
        same = len(set(verdicts)) == 1
        agree += same
        if frozenset(verdicts) in OPPOSITE:
            opposite.append(i)
        f = (full or {}).get(i)
        clash = f is not None and any(v != "inconclusive" and v != f["verdict"] for v in verdicts)
        if clash:
            full_clash.append(i)
        rows.append([i, *(cell(s[i]) for s in sets.values()), cell(f), "yes" if same else "no"])
    share = agree / len(ids) if ids else 0.0
    return {
        "claims": len(ids),
        "agree": agree,
        "agreement": share,
        "opposite": opposite,
        "quick_against_full": full_clash,
        "target_met": share >= 0.8 and not opposite,
        "rows": rows,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 100], help="first seed of each set (default 0 100)")
    ap.add_argument("--out", type=Path, default=SMOKE_OUT / "verdicts")
    ap.add_argument("--full", type=Path, default=None, help="a finished full-profile tutorial folder to compare")
    ap.add_argument("--profile", default="quick", choices=["quick", "tiny"], help="tiny: a smoke run")
    args = ap.parse_args()

    runs = {}
    for seed in args.seeds:
        folder = args.out / f"seed{seed}"
        if (folder / TIMING).exists():  # timed and finished earlier: read it back
            runs[seed] = {**json.loads((folder / TIMING).read_text()), "reused": True}
            runs[seed]["profile"], runs[seed]["experiments"] = summarize(folder)
        else:
            runs[seed] = timed_tutorial(args.profile, folder, seed, resume=True)
    sets = {seed: claims_of(Path(r["out"])) for seed, r in runs.items()}
    full = claims_of(args.full) if args.full else None
    result = compare(sets, full)
    print_table(["claim", *(f"seeds from {s}" for s in sets), "full profile", "seed sets agree"], result["rows"])
    print(
        f"\nagreement {result['agree']}/{result['claims']} ({result['agreement']:.0%}; target 80%), "
        f"supported in one and contradicted in another: {result['opposite'] or 'none'}; "
        f"quick verdicts that the full profile contradicts: {result['quick_against_full'] or 'none'}"
    )
    for seed, r in runs.items():
        if "floor_epochs" in r:
            print(f"seeds from {seed}: {r['wall_seconds'] / 60:.1f} min, {r['floor_epochs']:.0f} floor-epochs")
    payload = {"profile": args.profile, "seed_sets": args.seeds, "runs": runs, "full": str(args.full), **result}
    path = write_result(
        "verdicts" if args.profile == "quick" else "verdicts-tiny",
        payload,
        SMOKE_OUT if args.profile == "tiny" else SMOKE_OUT.parent / "results",
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
