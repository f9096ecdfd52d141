"""The one Markdown table writer (a sweep's summary, the tutorial's tutorial.md and notebook)."""

from __future__ import annotations


def markdown_table(columns: list, rows: list[list], title: str = "") -> str:
    """A Markdown table with aligned columns, floats to 3 decimals; a bold `title` line above it if given."""
    cells = [[f"{c:.3f}" if isinstance(c, float) else str(c) for c in row] for row in rows]
    head = [str(c) for c in columns]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(head)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in cells]
    return (f"**{title}**\n\n" if title else "") + "\n".join(lines)
