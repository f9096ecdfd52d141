"""Build DIR/index.html and DIR/tutorial.md from the experiments' results.json files under DIR.

The page follows one outline (`page_outline`): the prose sections before the experiments (`content.BEFORE`),
the experiments in the registry's order, the closing sections (`closing.AFTER`), and the claims at a glance.
It is self-contained and offline: inline CSS, local images and SVG equations, no CDN. Every string that comes
from a run (captions, table cells, claims) is HTML-escaped.
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from vaelab.atomic import atomic_write_text
from vaelab.tutorial.registry import EXPERIMENTS
from vaelab.tutorial.report import closing, content, findings, intros, provenance
from vaelab.tutorial.report.claims_view import all_claims as claims_in_order
from vaelab.tutorial.report.claims_view import claim_markdown, claims_html, glance_html
from vaelab.tutorial.report.explorer import CSS as EXPLORER_CSS
from vaelab.tutorial.report.explorer import explorer_part, explorer_script
from vaelab.tutorial.report.glossary import defined
from vaelab.tutorial.report.listings import listing_html, standalone_html
from vaelab.tutorial.report.markdown_page import markdown
from vaelab.tutorial.report.markup import Directive, inline_html, to_html
from vaelab.tutorial.report.style import CSS
from vaelab.tutorial.report.teaching import draw_figures, figure_html, teaching_html

ASSETS = "assets"
PIXEL_FIGURES = ("samples", "interpolations", "manifold", "rows", "features")  # image grids: pixels stay square


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
    head = "".join(f"<th>{esc(c)}</th>" for c in table.get("columns", []))
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in table.get("rows", []))
    title = f"<caption>{esc(table.get('title', ''))}</caption>" if table.get("title") else ""
    terms = defined(table)
    glossary = (
        '<details class="glossary"><summary>What the rows measure</summary><dl>'
        + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in terms)
        + "</dl></details>"
        if terms
        else ""
    )
    return (
        f'<div class="scroll"><table>{title}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'
        + glossary
    )


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
    return claims_in_order(results, page_order)


def page_outline(results: dict[str, dict]) -> list[tuple[int, str, str]]:
    """(level, anchor, title) of every section and subsection, in page order: the table of contents."""
    entries = [(level, key, title) for level, key, title, _ in content.BEFORE]
    entries.append((2, "experiments", "Experiments"))
    entries += [(3, f"exp-{name}", results[name].get("title", name)) for name in page_order(results)]
    entries += [(level, key, title) for level, key, title, _ in closing.AFTER]
    return entries + [(2, "claims", "Claims at a glance")]


def toc_html(entries: list[tuple[int, str, str]]) -> str:
    """The outline as nested lists: each subsection (level 3) inside the section (level 2) before it."""
    out = ['<nav aria-label="Contents"><ol>']
    for i, (level, key, title) in enumerate(entries):
        following = entries[i + 1][0] if i + 1 < len(entries) else 2
        link = f'<li><a href="#{esc(key)}">{esc(title)}</a>'
        if level == 2:
            out.append(link + ("<ol>" if following == 3 else "</li>"))
        else:
            out.append(link + "</li>" + ("</ol></li>" if following == 2 else ""))
    return "".join(out) + "</ol></nav>"


def generation_folder(results: dict[str, dict]) -> str | None:
    """The folder of the MNIST generation experiment, whose models the explorer draws."""
    return next((n for n, r in results.items() if r.get("experiment") == "generation" and n == "generation"), None)


def page_directives(results: dict[str, dict], out_dir: Path, placed: set[str]) -> Directive:
    """How the prose's `@name argument` blocks render on the page; `placed` collects the explorers shown."""
    folder = generation_folder(results)

    def explorer(kind: str) -> str:
        if folder is None or not (out_dir / folder / f"explorer-{kind}.js").exists():
            return ""
        placed.add(kind)
        return explorer_part(kind, folder)

    render = {
        "figure": lambda name: teaching_html(name, f"{ASSETS}/"),
        "explorer": explorer,
        "code": listing_html,
        "standalone": lambda _: standalone_html(),
    }
    return lambda name, argument: render[name](argument)


def figure_record_html(name: str, fig: dict) -> str:
    kind = "data" if fig.get("file", "").startswith(PIXEL_FIGURES) else ""
    return figure_html(f"{name}/{fig['file']}", fig.get("alt") or fig.get("caption", ""), fig.get("caption", ""), kind)


def experiment_html(name: str, results: dict, out_dir: Path) -> str:
    """An experiment's section: its introduction, figures, what we saw, claims, tables, a "Try it" box and
    the "How this was measured" box."""
    intro = intros.EXPERIMENT_INTROS.get(results.get("experiment", name), "")
    parts = [f'<h3 id="exp-{esc(name)}">{esc(results.get("title", name))}</h3>']
    parts.append(to_html(intro, out_dir / ASSETS, f"{ASSETS}/"))
    parts += [figure_record_html(name, fig) for fig in results.get("figures", [])]
    saw = findings.paragraph(results)
    if saw:
        parts.append(f'<div class="saw"><p><strong>What we saw.</strong> {inline_html(saw)}</p></div>')
    parts.append(claims_html(results.get("claims", [])))
    parts += [table_html(t) for t in results.get("tables", [])]
    parts += [provenance.try_html(results), provenance.measured_html(results)]
    return "\n".join(p for p in parts if p)


def section_html(level: int, key: str, title: str, text: str, out_dir: Path, directive: Directive) -> str:
    return f'<h{level} id="{esc(key)}">{esc(title)}</h{level}>\n' + to_html(
        text, out_dir / ASSETS, f"{ASSETS}/", directive
    )


def body_html(results: dict[str, dict], out_dir: Path, run_info: dict | None) -> list[str]:
    placed: set[str] = set()
    directive = page_directives(results, out_dir, placed)
    body = [f"<h1>{esc(content.TITLE)}</h1>", to_html(content.LEAD, out_dir / ASSETS, f"{ASSETS}/")]
    body += [provenance.built_html(run_info), toc_html(page_outline(results))]
    body += [section_html(*section, out_dir, directive) for section in content.BEFORE]
    body.append(section_html(2, "experiments", "Experiments", intros.EXPERIMENTS_LEAD, out_dir, directive))
    body += [experiment_html(n, results[n], out_dir) for n in page_order(results)]
    body += [section_html(*section, out_dir, directive) for section in closing.AFTER]
    body.append('<h2 id="claims">Claims at a glance</h2>' + glance_html(all_claims(results), out_dir, figure_html))
    if placed:
        body.append(explorer_script())
    return [b for b in body if b]


def write_report(out_dir: str | Path, run_info: dict | None = None) -> Path:
    """Write index.html and tutorial.md in out_dir from the results found there; returns the page's path."""
    out_dir = Path(out_dir)
    results = load_results(out_dir)
    draw_figures(out_dir / ASSETS)
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(content.TITLE)}</title><style>{CSS}{EXPLORER_CSS}</style></head>\n<body><main>\n"
        + "\n".join(body_html(results, out_dir, run_info))
        + "\n</main></body></html>\n"
    )
    atomic_write_text(out_dir / "index.html", page)
    atomic_write_text(out_dir / "tutorial.md", markdown(results, page_order(results), run_info))
    return out_dir / "index.html"


__all__ = ["write_report", "load_results", "page_order", "all_claims", "claim_markdown", "inline_html"]
