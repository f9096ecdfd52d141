"""The figures of the model that need no data (the VAE's architecture, its graphical model), drawn by
`vaelab.viz.diagrams` into OUT/assets when the page is built, and the markup every figure on the page shares."""

from __future__ import annotations

import html
from pathlib import Path

from vaelab.viz import diagrams
from vaelab.viz.plots import save

# name (as in `@figure NAME`) -> (the drawing function in viz.diagrams, caption)
FIGURES = {
    "vae-architecture": (
        "vae_architecture",
        "The VAE: the encoder gives the mean and log-variance of q(z|x); z is their deterministic function of "
        "the noise ε, so gradients (dashed) reach the encoder and never the noise; the loss is the "
        "reconstruction term plus the KL term.",
    ),
    "graphical-model": (
        "graphical_model",
        "The VAE as a graphical model: for each of N images a latent z drawn from the prior generates the "
        "observed x through the decoder (solid, parameters θ); the encoder q(z|x) runs the other way (dashed, "
        "parameters φ).",
    ),
}


def draw_figures(asset_dir: Path) -> None:
    """Draw every figure of FIGURES into asset_dir/NAME.png (cheap, and always the current drawing code)."""
    for name, (function, _) in FIGURES.items():
        save(getattr(diagrams, function)(), Path(asset_dir) / f"{name}.png")


def alt_of(name: str) -> str:
    return diagrams.ALT[FIGURES[name][0]]


def figure_html(src: str, alt: str, caption: str, kind: str = "") -> str:
    """An <img> with its alt text (escaped) and caption; kind "data" draws pixels as squares."""
    cls = f' class="{kind}"' if kind else ""
    esc = lambda s: html.escape(str(s), quote=True)  # noqa: E731
    return (
        f'<figure{cls}><img src="{esc(src)}" alt="{esc(alt or caption)}" loading="lazy">'
        f"<figcaption>{esc(caption)}</figcaption></figure>"
    )


def teaching_html(name: str, prefix: str) -> str:
    """The figure `name` of FIGURES for the page, its file under `prefix` (the assets folder)."""
    return figure_html(f"{prefix}{name}.png", alt_of(name), FIGURES[name][1])


def teaching_markdown(name: str, prefix: str) -> str:
    return f"![{alt_of(name)}]({prefix}{name}.png)\n\n_{FIGURES[name][1]}_"
