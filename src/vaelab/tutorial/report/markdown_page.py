"""DIR/tutorial.md: the page as Markdown, in the page's order and with its sections (the notebook's Markdown cells
are built from the same pieces). Equations stay `$$TeX$$` blocks, for renderers with MathJax or KaTeX."""

from __future__ import annotations

from collections.abc import Callable

from vaelab.markdown import markdown_table
from vaelab.tutorial.report import closing, content, findings, intros, provenance
from vaelab.tutorial.report.claims_view import claim_markdown
from vaelab.tutorial.report.glossary import defined
from vaelab.tutorial.report.listings import listing_markdown, standalone_markdown
from vaelab.tutorial.report.markup import Directive, to_markdown
from vaelab.tutorial.report.teaching import teaching_markdown

PLANE_NOTE = "_In the HTML page (index.html) this plane is interactive: pointing at a code decodes it in the browser._"
SLIDERS_NOTE = "_In the HTML page (index.html), sliders move each latent of this β-VAE and decode the result live._"


def markdown_directives(results: dict[str, dict], standalone: Callable[[], str] = standalone_markdown) -> Directive:
    """How the prose's `@name argument` blocks render in Markdown; the explorers become the 2-D VAE's decoded
    plane (a still image) and a note. `standalone` overrides how the stand-alone script renders."""
    has_manifold = "generation" in results and any(
        f.get("file") == "manifold.png" for f in results["generation"].get("figures", [])
    )

    def explorer(kind: str) -> str:
        if kind == "plane" and has_manifold:
            return f"![the 2-D VAE's decoder over its latent plane](generation/manifold.png)\n\n{PLANE_NOTE}"
        return SLIDERS_NOTE if kind == "sliders" and "generation" in results else ""

    render = {
        "figure": lambda name: teaching_markdown(name, "assets/"),
        "explorer": explorer,
        "code": listing_markdown,
        "standalone": lambda _: standalone(),
    }
    return lambda name, argument: render[name](argument)


def heading(level: int, title: str) -> str:
    return "#" * level + " " + title


def experiment_markdown(name: str, r: dict) -> list[str]:
    """An experiment as Markdown, in the page's order: intro, figures, what we saw, claims, tables, boxes."""
    out = [heading(3, r.get("title", name))]
    intro = intros.EXPERIMENT_INTROS.get(r.get("experiment", name))
    out += [to_markdown(intro)] if intro else []
    out += [f"![{f.get('alt') or f['caption']}]({name}/{f['file']})\n\n_{f['caption']}_" for f in r.get("figures", [])]
    saw = findings.paragraph(r)
    out += [f"**What we saw.** {saw}"] if saw else []
    out += [claim_markdown(c) for c in r.get("claims", [])]
    out += [
        markdown_table(t["columns"], t["rows"], t.get("title", "")) + glossary_markdown(t) for t in r.get("tables", [])
    ]
    return out + [provenance.try_markdown(r), provenance.measured_markdown(r)]


def glossary_markdown(table: dict) -> str:
    """The definitions of the measures the table's rows name, in a collapsed box ("" when none)."""
    terms = defined(table)
    if not terms:
        return ""
    items = "\n".join(f"- `{k}`: {v}" for k, v in terms)
    return f"\n\n<details><summary>What the rows measure</summary>\n\n{items}\n\n</details>"


def markdown(results: dict[str, dict], names: list[str], run_info: dict | None) -> str:
    directive = markdown_directives(results)
    out = [f"# {content.TITLE}", to_markdown(content.LEAD)]
    if run_info:
        info = ", ".join(f"{k}: {v}" for k, v in run_info.items())
        out.append(f"<details><summary>How this page was built</summary>\n\n{info}\n\n</details>")
    out += [f"{heading(level, title)}\n\n{to_markdown(text, directive)}" for level, _, title, text in content.BEFORE]
    out.append("## Experiments\n\n" + to_markdown(intros.EXPERIMENTS_LEAD))
    for name in names:
        out += experiment_markdown(name, results[name])
    out += [f"{heading(level, title)}\n\n{to_markdown(text, directive)}" for level, _, title, text in closing.AFTER]
    claims = [claim_markdown(c) for name in names for c in results[name].get("claims", [])]
    out.append("## Claims at a glance\n\n" + ("\n".join(claims) or "No claim has been tested yet."))
    return "\n\n".join(out) + "\n"
