"""Figures built with matplotlib's object API (no pyplot state, no backend set at import)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

CMAP = "tab10"


def save(fig: Figure, path: str | Path, dpi: int = 110) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def scatter_panels(
    panels: list[tuple[str, np.ndarray]], labels: np.ndarray, class_names=None, size: float = 3.2
) -> Figure:
    """Side-by-side 2-D scatters (one per (title, points (N, 2))), coloured by label (one colour when
    `class_names` is empty: data without labels)."""
    labelled = class_names is None or len(class_names) > 0
    fig = Figure(figsize=(size * len(panels) + 1.2, size))
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    for ax, (title, points) in zip(axes, panels):
        colour = {"c": labels, "cmap": CMAP, "vmin": -0.5, "vmax": 9.5} if labelled else {}
        sc = ax.scatter(points[:, 0], points[:, 1], s=2, alpha=0.7, linewidths=0, **colour)
        ax.set_title(title, fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
    if not labelled:
        return fig
    cbar = fig.colorbar(sc, ax=list(axes), ticks=range(10), fraction=0.03)
    if class_names is not None:
        cbar.ax.set_yticklabels(list(class_names)[:10], fontsize=7)
    return fig


def _label(ax, xlabel: str, ylabel: str = "", title: str = "", logy: bool = False) -> None:
    """Axis labels, an optional log y axis and title, and the legend: what every line or histogram plot ends with."""
    ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    if title:
        ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)


def curves(
    series: dict[str, dict[str, np.ndarray]], ylabel: str, xlabel: str = "epoch", title: str = "", logy: bool = False
) -> Figure:
    """Lines with a shaded spread: series = {label: {"x": (T,), "mean": (T,), "std": (T,) optional}}."""
    fig = Figure(figsize=(5.2, 3.4))
    ax = fig.subplots()
    for label, s in series.items():
        line = ax.plot(s["x"], s["mean"], label=label)[0]
        if s.get("std") is not None:
            ax.fill_between(s["x"], s["mean"] - s["std"], s["mean"] + s["std"], color=line.get_color(), alpha=0.2)
    _label(ax, xlabel, ylabel, title, logy)
    ax.grid(alpha=0.3)
    return fig


def histograms(
    series: dict[str, np.ndarray], xlabel: str, bins: int = 50, title: str = "", logy: bool = True
) -> Figure:
    fig = Figure(figsize=(5.2, 3.2))
    ax = fig.subplots()
    for label, values in series.items():
        ax.hist(np.asarray(values).ravel(), bins=bins, alpha=0.55, label=label, density=True)
    _label(ax, xlabel, title=title, logy=logy)
    return fig


VERDICT_COLOURS = {
    "supported": "#2e8b57",
    "contradicted": "#c0392b",
    "no effect": "#5b6bbf",
    "inconclusive": "#d4a017",
}


def effects_forest(rows: list[dict]) -> Figure:
    """Every claim's effects on one axis: rows = [{"label", "estimate", "low", "high", "verdict"}], each in
    units of its smallest effect that matters and signed so the claim's prediction points right (+).

    The shaded band (-1, 1) holds effects too small to matter; the x axis is linear inside it and
    logarithmic beyond (symlog), so effects of 0.5 and of 500 smallest-effects both show."""
    fig = Figure(figsize=(7.2, 0.32 * len(rows) + 1.2))
    ax = fig.subplots()
    ax.axvspan(-1, 1, color="#e8ebf0", zorder=0, label="smaller than the smallest effect that matters")
    ax.axvline(0, color="#5a6475", linewidth=0.8, zorder=1)
    for i, r in enumerate(rows):
        y = len(rows) - 1 - i
        colour = VERDICT_COLOURS.get(r["verdict"], "#7f8c9a")
        if np.isfinite(r["low"]) and np.isfinite(r["high"]):
            ax.plot([r["low"], r["high"]], [y, y], color=colour, linewidth=2.2, solid_capstyle="butt", zorder=2)
        ax.plot([r["estimate"]], [y], "o", color=colour, markersize=5, zorder=3)
    ax.set_yticks(range(len(rows)), [r["label"] for r in reversed(rows)], fontsize=7.5)
    ax.set_xscale("symlog", linthresh=1.0)
    ax.set_xlabel("effect / smallest effect that matters (predicted direction to the right)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7.5)
    handles = [ax.plot([], [], "o-", color=c, label=v)[0] for v, c in VERDICT_COLOURS.items()]
    ax.legend(handles=handles, fontsize=7, loc="lower right", frameon=False)
    ax.grid(axis="x", alpha=0.3)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    return fig


def metric_curves(panels: dict[str, dict[str, dict]], xlabel: str, log_x: bool = True) -> Figure:
    """One panel per metric, one line per model with its interval band:
    panels = {metric: {model: {"x": (T,), "mean": (T,), "low": (T,), "high": (T,)}}} (NaN bounds: no band)."""
    names = [m for m, series in panels.items() if series]
    cols = 2 if len(names) == 4 else min(3, len(names))
    rows = -(-len(names) // cols)
    fig = Figure(figsize=(4.4 * cols, 3.2 * rows + 0.6))
    axes = np.atleast_1d(fig.subplots(rows, cols, squeeze=False)).ravel()
    for ax, name in zip(axes, names):
        for model, s in panels[name].items():
            line = ax.plot(s["x"], s["mean"], marker="o", markersize=3, label=model)[0]
            low, high = np.asarray(s["low"], dtype=float), np.asarray(s["high"], dtype=float)
            ok = np.isfinite(low) & np.isfinite(high)
            if ok.any():
                ax.fill_between(np.asarray(s["x"])[ok], low[ok], high[ok], color=line.get_color(), alpha=0.15)
        if log_x:
            ax.set_xscale("log")
            xs = sorted({float(x) for s in panels[name].values() for x in s["x"]})
            ax.set_xticks(xs, [count_label(x) for x in xs])  # the scored points, as 65k or 1.0M
            ax.minorticks_off()
        ax.set_title(name, fontsize=10)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.grid(alpha=0.3)
        ax.tick_params(labelsize=7.5)
    for ax in axes[len(names) :]:
        ax.set_visible(False)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=min(4, len(labels)), fontsize=8, frameon=False)
    fig.subplots_adjust(bottom=0.12 + 0.04 * rows, hspace=0.45, wspace=0.25)
    return fig


def count_label(x: float) -> str:
    """65536 -> '66k', 1048576 -> '1.0M', 512 -> '512': short axis labels for counts."""
    if x >= 999_500:
        return f"{x / 1e6:.1f}M"
    if x >= 1000:
        return f"{x / 1e3:.0f}k"
    return f"{x:g}"
