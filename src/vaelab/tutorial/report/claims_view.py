"""The claims as the page shows them: a table per experiment (one row per effect, grouped under its claim, with
the verdict and its reason), "Claims at a glance" (every effect on one axis, then every claim, with Holm's
correction across the page), and the same claims as Markdown. Every string from a run is HTML-escaped; the
claims' design texts are shown in each experiment's "How this was measured" box, not here."""

from __future__ import annotations

import html
import math
from collections.abc import Callable
from pathlib import Path

from vaelab.tutorial.rule import holm_verdicts
from vaelab.viz.plots import effects_forest, save

VERDICT_CLASS = {
    "supported": "yes",
    "contradicted": "no",
    "no effect": "none",
    "inconclusive": "maybe",
    "descriptive": "info",
}


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def verdict_note(c: dict, holm: str | None = None) -> str:
    """The words under a claim's verdict: its reason, its scope, the effect its seeds could have detected when
    inconclusive, and its verdict after Holm's correction across the page when that differs."""
    parts = [c.get("reason", c.get("evidence", ""))]
    if c.get("scope"):
        parts.append(f"tested on {c['scope']}")
    mde = c.get("detectable")
    if c.get("verdict") == "inconclusive" and isinstance(mde, (int, float)) and math.isfinite(mde):
        parts.append(f"these seeds would detect an effect of about {mde:.3g} or more (80% power)")
    if holm is not None and holm != c.get("verdict"):
        parts.append(f"after Holm's correction across the page: {holm}")
    return "; ".join(p for p in parts if p)


def badge(verdict: str) -> str:
    return f'<span class="verdict {VERDICT_CLASS.get(verdict, "info")}">{esc(verdict)}</span>'


def effect_cells(e: dict | None, judged: bool = True) -> str:
    """An effect's name and "estimate [CI], n", with its verdict when its claim is judged (a descriptive
    claim's effects are shown without one)."""
    if e is None:
        return "<td></td><td></td>"
    role = ' <span class="meta">(primary)</span>' if judged and e.get("decides", True) else ""
    mark = f" {badge(e.get('verdict', ''))}" if judged else ""
    return f"<td>{esc(e.get('effect', ''))}{role}</td><td>{esc(e.get('text', ''))}{mark}</td>"


def claims_html(claims: list[dict], holm: list[str] | None = None) -> str:
    """One row per effect, grouped under its claim: "estimate [ci_low, ci_high], n" and the verdict of each,
    the claim's verdict and reason beside them (and its verdict after Holm's correction, given `holm`)."""
    if not claims:
        return ""
    rows = []
    for i_claim, c in enumerate(claims):
        effects = c.get("effects") or [None]
        span = f' rowspan="{len(effects)}"' if len(effects) > 1 else ""
        head = f"<td{span}>{esc(c.get('id', ''))}</td><td{span}>{esc(c.get('claim', ''))}</td>"
        note = verdict_note(c, holm[i_claim] if holm else None)
        tail = f'<td{span}>{badge(c.get("verdict", ""))}<br><span class="meta">{esc(note)}</span></td>'
        for i, e in enumerate(effects):
            cells = effect_cells(e, c.get("verdict") != "descriptive")
            rows.append("<tr>" + (head if i == 0 else "") + cells + (tail if i == 0 else "") + "</tr>")
    head = (
        "<tr><th>id</th><th>claim</th><th>effect (paired by seed)</th>"
        "<th>estimate [95% CI], seeds</th><th>verdict</th></tr>"
    )
    return (
        f'<div class="scroll"><table class="claims"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table></div>'
    )


def shorten(label: str, limit: int = 90) -> str:
    """The label cut at a word before `limit` characters, with an ellipsis (whole when it fits)."""
    return label if len(label) <= limit else label[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def forest_rows(claims: list[dict]) -> list[dict]:
    """Each judged effect in units of its smallest effect that matters, signed so the prediction is +."""
    rows = []
    for c in claims:
        for e in c.get("effects", []):
            if c.get("verdict") == "descriptive" or e.get("estimate") is None:
                continue
            scale = e.get("min_effect") or 1.0
            sign = e.get("direction") or 1
            side = "" if e.get("direction") else " (none predicted)" if e.get("absent") else " (either side)"
            ends = [sign * v / scale if v is not None else math.nan for v in (e.get("ci_low"), e.get("ci_high"))]
            rows.append(
                {
                    "label": shorten(f"{c['id']} · {e['effect']}")
                    + side
                    + ("" if e.get("decides", True) else " (shown)"),
                    "estimate": sign * e["estimate"] / scale,
                    "low": min(ends),
                    "high": max(ends),
                    "verdict": e["verdict"],
                }
            )
    return rows


def all_claims(results: dict[str, dict], order: Callable[[dict], list[str]]) -> list[dict]:
    """Every claim in page order (`order(results)`); a claim repeated on another dataset is named with it:
    'C4 (fashion-mnist)'."""
    out, seen = [], set()
    for name in order(results):
        for c in results[name].get("claims", []):
            repeated = c["id"] in seen
            seen.add(c["id"])
            out.append({**c, "id": f"{c['id']} ({results[name].get('dataset')})"} if repeated else c)
    return out


def glance_html(claims: list[dict], out_dir: Path, figure: Callable[..., str]) -> str:
    """'Claims at a glance': every effect on one axis, coloured by verdict, then the table of all claims;
    `figure(src, alt, caption, kind)` draws the forest plot's <figure>."""
    if not claims:
        return "<p>No claim has been tested yet.</p>"
    rows = forest_rows(claims)
    parts = []
    if rows:
        save(effects_forest(rows), out_dir / "assets" / "claims-effects.png")
        caption = (
            "Each effect's estimate (dot) and 95% confidence interval over paired seeds, divided by the smallest "
            "effect that matters for it and signed so that the claim's prediction points right (effects marked "
            "'either side' or 'none predicted' keep their own sign). Inside the grey band an effect is too small "
            "to matter; colour gives the effect's verdict."
        )
        alt = "every claim's effect with its confidence interval"
        parts.append(figure("assets/claims-effects.png", alt, caption, "wide"))
    judged = [c for c in claims if c.get("verdict") != "descriptive"]
    holm = dict(zip((id(c) for c in judged), holm_verdicts(judged)))
    table = claims_html(claims, [holm.get(id(c), c.get("verdict")) for c in claims])
    if judged and all(holm[id(c)] == c.get("verdict") for c in judged):
        table += (
            f"\n<p>Holm's correction across the page's {len(judged)} judged claims changes none of their verdicts.</p>"
        )
    return "\n".join([*parts, table])


def claim_markdown(c: dict) -> str:
    """A claim's verdict and each effect's estimate, as a Markdown list."""
    lines = [f"- **{c['id']}** {c['claim']}: **{c['verdict']}** ({verdict_note(c)})"]
    judged = c.get("verdict") != "descriptive"
    lines += [
        f"  - {e['effect']}: {e.get('text', '')}" + (f" ({e['verdict']})" if judged else "")
        for e in c.get("effects", [])
    ]
    return "\n".join(lines)
