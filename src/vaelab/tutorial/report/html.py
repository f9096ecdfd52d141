"""Build DIR/index.html and DIR/tutorial.md from the experiments' results.json files under DIR.

The page is self-contained and offline: inline CSS, local images and SVG equations, no CDN. Every string
that comes from a run (captions, table cells, claims) is HTML-escaped.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path

from vaelab.atomic import atomic_write_text
from vaelab.markdown import markdown_table
from vaelab.tutorial.registry import EXPERIMENTS
from vaelab.tutorial.report import content
from vaelab.tutorial.report.explorer import explorer_html
from vaelab.tutorial.report.markup import inline_html, to_html, to_markdown
from vaelab.tutorial.rule import holm_verdicts
from vaelab.viz.plots import effects_forest, save

ASSETS = "assets"
VERDICT_CLASS = {
    "supported": "yes",
    "contradicted": "no",
    "no effect": "none",
    "inconclusive": "maybe",
    "descriptive": "info",
}

CSS = """
body{font:16px/1.6 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1d2330;background:#fafbfc}
main{max-width:960px;margin:0 auto;padding:24px 28px 80px;background:#fff}
h1{font-size:2rem;margin-bottom:.2em} h2{margin-top:2.2em;border-bottom:2px solid #e4e8ef;padding-bottom:.2em}
h3{margin-top:1.8em} code{background:#f1f3f7;padding:0 .25em;border-radius:3px;font-size:.92em}
.meta{color:#5a6475;font-size:.9rem} nav ol{columns:2;font-size:.95rem}
.eq{text-align:center;overflow-x:auto} .eq img{max-width:100%}
figure{margin:1.2em 0;text-align:center} figure img{max-width:100%;border:1px solid #e4e8ef;image-rendering:pixelated}
figcaption{font-size:.88rem;color:#4a5568;margin-top:.3em}
table{border-collapse:collapse;margin:1em 0;font-size:.9rem;width:100%}
th,td{border:1px solid #dde2ea;padding:4px 8px;text-align:left;vertical-align:top} th{background:#f1f3f7}
.verdict{display:inline-block;padding:0 .5em;border-radius:9px;font-size:.8rem;font-weight:600;white-space:nowrap}
.yes{background:#d9f2e1;color:#17603a}.no{background:#fbe0e0;color:#8a1c1c}.maybe{background:#fff1cc;color:#7a5a00}
.none{background:#e2e5f6;color:#2f3a86}
.info{background:#e3ecfa;color:#22467a} .missing{color:#8a1c1c}
"""


def load_results(out_dir: Path) -> dict[str, dict]:
    found = {}
    for path in sorted(Path(out_dir).glob("*/results.json")):
        try:
            data = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        found[data.get("name", path.parent.name)] = data
    return found


def esc(value) -> str:
    return html.escape(str(value), quote=True)


def table_html(table: dict) -> str:
    head = "".join(f"<th>{esc(c)}</th>" for c in table["columns"])
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in table["rows"])
    title = f"<caption>{esc(table.get('title', ''))}</caption>" if table.get("title") else ""
    return f"<table>{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def verdict_note(c: dict, holm: str | None = None) -> str:
    """The words under a claim's verdict: its reason, its scope, the effect its seeds could have detected when
    inconclusive, and its verdict after Holm's correction across the page when that differs."""
    parts = [c.get("reason", c.get("evidence", ""))]
    if c.get("scope"):
        parts.append(f"tested on {c['scope']}")
    mde = c.get("detectable")
    if c["verdict"] == "inconclusive" and mde is not None and math.isfinite(mde):
        parts.append(f"these seeds would detect an effect of about {mde:.3g} or more (80% power)")
    if holm is not None and holm != c["verdict"]:
        parts.append(f"after Holm's correction across the page: {holm}")
    return "; ".join(p for p in parts if p)


def claims_html(claims: list[dict], holm: list[str] | None = None) -> str:
    """One row per effect, grouped under its claim: "estimate [ci_low, ci_high], n" and the verdict of each,
    the claim's verdict and reason beside them (and its verdict after Holm's correction, given `holm`)."""
    if not claims:
        return ""
    rows = []
    for i_claim, c in enumerate(claims):
        effects = c.get("effects") or [None]
        span = f' rowspan="{len(effects)}"' if len(effects) > 1 else ""
        cls = VERDICT_CLASS.get(c["verdict"], "info")
        design = f'<br><span class="meta">{esc(c["design"])}</span>' if c.get("design") else ""
        head = f"<td{span}>{esc(c['id'])}</td><td{span}>{esc(c['claim'])}{design}</td>"
        note = verdict_note(c, holm[i_claim] if holm else None)
        tail = (
            f'<td{span}><span class="verdict {cls}">{esc(c["verdict"])}</span>'
            f'<br><span class="meta">{esc(note)}</span></td>'
        )
        for i, e in enumerate(effects):
            cells = effect_cells(e)
            rows.append("<tr>" + (head if i == 0 else "") + cells + (tail if i == 0 else "") + "</tr>")
    head = (
        "<tr><th>id</th><th>claim, and the design fixed before the runs</th><th>effect (paired by seed)</th>"
        "<th>estimate [95% CI], seeds</th><th>verdict</th></tr>"
    )
    return f'<table class="claims"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>'


def effect_cells(e: dict | None) -> str:
    if e is None:
        return "<td></td><td></td>"
    role = ' <span class="meta">(primary)</span>' if e.get("decides", True) else ""
    verdict = f' <span class="verdict {VERDICT_CLASS.get(e["verdict"], "info")}">{esc(e["verdict"])}</span>'
    return f"<td>{esc(e['effect'])}{role}</td><td>{esc(e.get('text', ''))}{verdict}</td>"


def forest_rows(claims: list[dict]) -> list[dict]:
    """Each judged effect in units of its smallest effect that matters, signed so the prediction is +."""
    rows = []
    for c in claims:
        for e in c.get("effects", []):
            if c["verdict"] == "descriptive" or e.get("estimate") is None:
                continue
            scale = e["min_effect"] or 1.0
            sign = e["direction"] or 1
            ends = [sign * v / scale if v is not None else math.nan for v in (e["ci_low"], e["ci_high"])]
            rows.append(
                {
                    "label": f"{c['id']} · {e['effect']}"[:90] + ("" if e.get("decides", True) else " (shown)"),
                    "estimate": sign * e["estimate"] / scale,
                    "low": min(ends),
                    "high": max(ends),
                    "verdict": e["verdict"],
                }
            )
    return rows


def experiment_html(name: str, results: dict, asset_dir: Path) -> str:
    """An experiment's section: intro, claims, tables, figures, and the latent explorer where exported."""
    intro = content.EXPERIMENT_INTROS.get(results.get("experiment", name), "")
    parts = [f'<h3 id="exp-{esc(name)}">{esc(results.get("title", name))}</h3>']
    if intro:
        parts.append(to_html(intro, asset_dir, f"{ASSETS}/"))
    parts.append(claims_html(results.get("claims", [])))
    parts += [table_html(t) for t in results.get("tables", [])]
    for fig in results.get("figures", []):
        src = f"{esc(name)}/{esc(fig['file'])}"
        parts.append(
            f'<figure><img src="{src}" alt="{esc(fig["caption"])}" loading="lazy">'
            f"<figcaption>{esc(fig['caption'])}</figcaption></figure>"
        )
    folder = asset_dir.parent / name
    parts.append(
        explorer_html(name, (folder / "explorer-plane.js").exists(), (folder / "explorer-sliders.js").exists())
    )
    seeds, secs = results.get("seeds"), results.get("seconds")
    parts.append(
        f'<p class="meta">{esc(results.get("dataset", ""))}, profile {esc(results.get("profile", ""))}, '
        f"{esc(seeds)} seed(s), {esc(secs)} s. Tables give the mean ± standard deviation over seeds; claims give "
        "the mean paired effect with its 95% confidence interval.</p>"
    )
    return "\n".join(parts)


def section_html(key: str, title: str, text: str, asset_dir: Path) -> str:
    return f'<h2 id="{esc(key)}">{esc(title)}</h2>\n' + to_html(text, asset_dir, f"{ASSETS}/")


def page_order(results: dict[str, dict]) -> list[str]:
    """Experiments in the registry's order (an experiment repeated on another dataset right after it on
    MNIST); results of an experiment the registry does not know come last."""
    order = list(EXPERIMENTS)

    def key(name: str) -> tuple:
        experiment = results[name].get("experiment", name)
        place = order.index(experiment) if experiment in order else len(order)
        return (place, results[name].get("dataset", "mnist") != "mnist", name)

    return sorted(results, key=key)


def all_claims(results: dict[str, dict]) -> list[dict]:
    """Every claim in page order; a claim repeated on another dataset is named with it: 'C4 (fashion-mnist)'."""
    out, seen = [], set()
    for name in page_order(results):
        for c in results[name].get("claims", []):
            repeated = c["id"] in seen
            seen.add(c["id"])
            out.append({**c, "id": f"{c['id']} ({results[name].get('dataset')})"} if repeated else c)
    return out


def glance_html(results: dict[str, dict], out_dir: Path) -> str:
    """'Claims at a glance': every effect on one axis, coloured by verdict, then the table of all claims."""
    claims = all_claims(results)
    if not claims:
        return "<p>No claim has been tested yet.</p>"
    rows = forest_rows(claims)
    parts = []
    if rows:
        save(effects_forest(rows), out_dir / ASSETS / "claims-effects.png")
        parts.append(
            f'<figure><img src="{ASSETS}/claims-effects.png" alt="every claim\'s effect with its confidence interval">'
            "<figcaption>Each effect's estimate (dot) and 95% confidence interval over paired seeds, divided by "
            "the smallest effect that matters for it and signed so that the claim's prediction points right. "
            "Inside the grey band an effect is too small to matter; colour gives the effect's verdict."
            "</figcaption></figure>"
        )
    judged = [c for c in claims if c["verdict"] != "descriptive"]
    holm = dict(zip((id(c) for c in judged), holm_verdicts(judged)))
    return "\n".join([*parts, claims_html(claims, [holm.get(id(c), c["verdict"]) for c in claims])])


def write_report(out_dir: str | Path, run_info: dict | None = None) -> Path:
    """Write index.html and tutorial.md in out_dir from the results found there; returns the page's path."""
    out_dir = Path(out_dir)
    asset_dir = out_dir / ASSETS
    results = load_results(out_dir)
    names = page_order(results)
    toc = [(k, t) for k, t, _ in content.SECTIONS] + [("experiments", "Experiments")]
    toc += [
        (content.SHORTCOMINGS[0], content.SHORTCOMINGS[1]),
        (content.APPLICATIONS[0], content.APPLICATIONS[1]),
        ("claims", "Claims at a glance"),
    ]
    body = [f"<h1>{esc(content.TITLE)}</h1>", to_html(content.LEAD, asset_dir, f"{ASSETS}/")]
    if run_info:
        body.append('<p class="meta">' + esc(", ".join(f"{k}: {v}" for k, v in run_info.items())) + "</p>")
    body.append("<nav><ol>" + "".join(f'<li><a href="#{esc(k)}">{esc(t)}</a></li>' for k, t in toc) + "</ol></nav>")
    body += [section_html(k, t, text, asset_dir) for k, t, text in content.SECTIONS]
    body.append('<h2 id="experiments">Experiments</h2>' + to_html(content.EXPERIMENTS_LEAD, asset_dir, f"{ASSETS}/"))
    body += [experiment_html(n, results[n], asset_dir) for n in names]
    body += [section_html(*content.SHORTCOMINGS, asset_dir), section_html(*content.APPLICATIONS, asset_dir)]
    body.append('<h2 id="claims">Claims at a glance</h2>' + glance_html(results, out_dir))
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(content.TITLE)}</title><style>{CSS}</style></head>\n<body><main>\n"
        + "\n".join(body)
        + "\n</main></body></html>\n"
    )
    atomic_write_text(out_dir / "index.html", page)
    atomic_write_text(out_dir / "tutorial.md", markdown(results, names, run_info))
    return out_dir / "index.html"


def claim_markdown(c: dict) -> str:
    """A claim's verdict and each effect's estimate, as a Markdown list."""
    lines = [f"- **{c['id']}** {c['claim']}: **{c['verdict']}** ({verdict_note(c)})"]
    lines += [f"  - {e['effect']}: {e.get('text', '')} ({e['verdict']})" for e in c.get("effects", [])]
    return "\n".join(lines)


def markdown(results: dict[str, dict], names: list[str], run_info: dict | None) -> str:
    out = [f"# {content.TITLE}", to_markdown(content.LEAD)]
    if run_info:
        out.append("_" + ", ".join(f"{k}: {v}" for k, v in run_info.items()) + "_")
    out += [f"## {t}\n\n{to_markdown(text)}" for _, t, text in content.SECTIONS]
    out.append("## Experiments\n\n" + to_markdown(content.EXPERIMENTS_LEAD))
    for n in names:
        r = results[n]
        out.append(f"### {r.get('title', n)}")
        if n in content.EXPERIMENT_INTROS:
            out.append(to_markdown(content.EXPERIMENT_INTROS[n]))
        out += [claim_markdown(c) for c in r.get("claims", [])]
        out += [markdown_table(t["columns"], t["rows"], t.get("title", "")) for t in r.get("tables", [])]
        out += [f"![{f['caption']}]({n}/{f['file']})\n\n_{f['caption']}_" for f in r.get("figures", [])]
    for _, t, text in (content.SHORTCOMINGS, content.APPLICATIONS):
        out.append(f"## {t}\n\n{to_markdown(text)}")
    return "\n\n".join(out) + "\n"


__all__ = ["write_report", "load_results", "inline_html"]
