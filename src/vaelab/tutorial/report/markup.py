"""A very small markup for the tutorial's prose, rendered to HTML (escaped) and to Markdown.

Blocks are separated by blank lines. `$$TeX$$` blocks become SVG equations drawn by matplotlib's
mathtext (so the page needs no math library and no network); `- ` blocks become lists; inline
`code`, **bold** and *emphasis* are supported. A block `@name argument` is a directive: the caller's
`directive(name, argument)` renders it (a figure, a code listing, the latent explorer); without one it is
dropped. Everything else is escaped text.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable
from pathlib import Path

INLINE = [
    (re.compile(r"`([^`]+)`"), r"<code>\1</code>"),
    (re.compile(r"\*\*([^*]+)\*\*"), r"<strong>\1</strong>"),
    (re.compile(r"(?<![\w*])\*([^*\s][^*]*)\*(?![\w*])"), r"<em>\1</em>"),
]


Directive = Callable[[str, str], str]  # (name, argument) -> rendered text


def blocks(text: str) -> list[str]:
    return [b.strip() for b in re.split(r"\n\s*\n", text.strip()) if b.strip()]


def inline_html(text: str) -> str:
    out = html.escape(" ".join(text.split()), quote=False)
    for pattern, repl in INLINE:
        out = pattern.sub(repl, out)
    return out


def equation_svg(tex: str, folder: Path) -> str:
    """Render TeX (mathtext subset) to folder/eq-<hash>.svg once; return the file name."""
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    name = "eq-" + hashlib.sha256(tex.encode()).hexdigest()[:12] + ".svg"
    path = folder / name
    if not path.exists():
        folder.mkdir(parents=True, exist_ok=True)
        mathtext.math_to_image(f"${tex}$", str(path), prop=FontProperties(size=15), format="svg")
    return name


def directive_of(block: str) -> tuple[str, str] | None:
    """(name, argument) of a directive block `@name argument`, else None."""
    match = re.fullmatch(r"@([a-z][\w-]*)(?:\s+(.*))?", block, re.S)
    return (match.group(1), (match.group(2) or "").strip()) if match else None


def to_html(text: str, asset_dir: Path, asset_prefix: str, directive: Directive | None = None) -> str:
    parts = []
    for block in blocks(text):
        if directive_of(block):
            parts.append(directive(*directive_of(block)) if directive else "")
        elif block.startswith("$$"):
            tex = block.strip("$").strip()
            name = equation_svg(tex, asset_dir)
            alt = html.escape(tex, quote=True)
            parts.append(f'<p class="eq"><img src="{asset_prefix}{name}" alt="{alt}" title="{alt}"></p>')
        elif block.startswith("- "):
            items = [i.strip() for i in re.split(r"(?m)^- ", block) if i.strip()]
            parts.append("<ul>" + "".join(f"<li>{inline_html(i)}</li>" for i in items) + "</ul>")
        else:
            parts.append(f"<p>{inline_html(block)}</p>")
    return "\n".join(p for p in parts if p)


def to_markdown(text: str, directive: Directive | None = None) -> str:
    out = []
    for block in blocks(text):
        if directive_of(block):
            out.append(directive(*directive_of(block)) if directive else "")
        elif block.startswith("$$"):
            out.append("$$\n" + block.strip("$").strip() + "\n$$")
        elif block.startswith("- "):
            items = [i.strip() for i in re.split(r"(?m)^- ", block) if i.strip()]
            out.append("\n".join("- " + " ".join(i.split()) for i in items))
        else:
            out.append(" ".join(block.split()))
    return "\n\n".join(o for o in out if o)
