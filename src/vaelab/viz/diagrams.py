"""Figures that teach the VAE (Kingma & Welling 2014), drawn by code: the model with its reparameterization,
the graphical model in plate notation, the ELBO's gap to log p(x), the prior against the aggregate posterior,
and a beta sweep's traversal grids side by side.

Every public function returns a `matplotlib.figure.Figure` built without pyplot (save it with `plots.save`).
Alt texts for screen readers live in the module-level dict `ALT`, keyed by function name: `ALT["elbo_gap"]`.
Sizes suit a 960 px page at dpi 110 (figures at most MAX_WIDTH = 8.5 inches wide, text >= 10 pt); colours are the
Okabe-Ito palette, safe for colour-blind readers, and colour is never the only cue (hatching, line styles).
"""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, FancyBboxPatch, Rectangle

# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision deficiency
BLUE, SKY, ORANGE, VERMILLION, GREEN, GREY = "#0072B2", "#56B4E9", "#E69F00", "#D55E00", "#009E73", "#555555"
FONT = 11  # points; >= 10 keeps labels readable at 100% zoom
MAX_WIDTH = 8.5  # inches: 935 px at dpi 110, inside a 960 px page with savefig's tight padding
MINUS = "\N{MINUS SIGN}"  # as on the axes' tick labels
UNIT = 0.1  # inches per data unit on the drawing canvases: positions below are in tenths of an inch
TWO_SIGMA_PRIOR_MASS = 1 - np.exp(-2)  # P(|z| <= 2) for z ~ N(0, I) in 2-D (chi-square, 2 dof): 0.865

ALT = {
    "vae_architecture": (
        "Diagram of a VAE. Input x enters the encoder q_phi(z|x), which outputs the mean mu(x) and the log-variance "
        "log sigma squared(x). A random node epsilon ~ N(0, I) enters from below; z = mu + sigma times epsilon. "
        "Gradient arrows run back from z to mu and sigma, none to epsilon. The decoder p_theta(x|z) maps z to the "
        "reconstruction x hat. Loss terms: reconstruction -log p_theta(x|z) joins x and x hat; "
        "KL(q(z|x) || N(0, I)) hangs from mu and sigma."
    ),
    "graphical_model": (
        "Plate diagram repeated N times: an open circle, the latent z, has a solid arrow to a shaded circle, the "
        "observed x; the parameter theta outside the plate points to x. A dashed arrow from x back to z, with the "
        "parameter phi, is the inference model q_phi(z|x). Solid: generative p_theta(x|z) p(z); dashed: inference."
    ),
    "elbo_gap": (
        "Waterfall chart in nats per image of log p(x) = ELBO + KL(q(z|x) || p(z|x)): a bar for the ELBO, a bar for "
        "the gap starting where the ELBO ends, and a bar for log p(x), their sum, each with its value. Optionally "
        "first the ELBO built from its terms, E_q[log p(x|z)] and minus KL(q(z|x) || p(z))."
    ),
    "prior_vs_aggregate": (
        "One scatter per model of aggregate-posterior samples in a 2-D latent space over the prior N(0, I)'s 1, 2 "
        "and 3 sigma circles, all panels on the same axes; each gives the fraction of samples inside 2 sigma, "
        "where the prior itself holds 86.5%."
    ),
    "side_by_side": "A beta sweep's latent traversal grids in one row, each labelled with its beta.",
}


def _canvas(width: float, height: float, legend: float = 0.0) -> tuple[Figure, object]:
    """A figure whose one axes spans it, x in 0..width, y in -legend..height, in data units of UNIT inches, axis
    off; the strip below y = 0 holds the legend."""
    fig = Figure(figsize=(width * UNIT, (height + legend) * UNIT))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set(xlim=(0, width), ylim=(-legend, height))
    ax.set_axis_off()
    return fig, ax


# the reparameterization trick (Kingma & Welling 2014, sec. 2.4): the noise is an input, so z is differentiable in phi
REPARAMETERIZE = "$z = \\mu + \\sigma \\odot \\epsilon$\n$\\sigma = \\exp(\\frac{1}{2}\\log\\sigma^2)$"
PAD = 0.3  # data units between a box's text area and its rounded edge
NODES = {  # the architecture's boxes: name -> (centre, (width, height), text, fill)
    "x": ((4, 22), (4, 4), "$x$", SKY),
    "encoder": ((16, 22), (10, 9), "encoder\n$q_\\phi(z\\,|\\,x)$", "white"),
    "mu": ((32, 29), (8, 3.5), "$\\mu(x)$", "white"),
    "logvar": ((32, 15), (10, 3.5), "$\\log\\sigma^2(x)$", "white"),
    "z": ((52, 22), (15, 7), REPARAMETERIZE, "#eeeeee"),
    "decoder": ((69, 22), (10, 9), "decoder\n$p_\\theta(x\\,|\\,z)$", "white"),
    "x_hat": ((82, 22), (4, 4), "$\\hat{x}$", SKY),
}


def _edge(name: str, side: str, shift: float = 0.0) -> tuple[float, float]:
    """The middle of a node's `side` ("left", "right", "top", "bottom"), moved `shift` along that side."""
    (x, y), (w, h) = NODES[name][:2]
    out = {"left": (-1, 0), "right": (1, 0), "top": (0, 1), "bottom": (0, -1)}[side]  # unit normal of the side
    return x + out[0] * (w / 2 + PAD) + shift * abs(out[1]), y + out[1] * (h / 2 + PAD) + shift * abs(out[0])


def _arrow(ax, start, end, colour="black", style="-", rad=0.0, width=1.4) -> None:
    arrow = {"arrowstyle": "-|>", "color": colour, "linestyle": style, "lw": width, "shrinkA": 0, "shrinkB": 0}
    ax.annotate("", xy=end, xytext=start, arrowprops={**arrow, "connectionstyle": f"arc3,rad={rad}"})


def _term(ax, xy, text, colour) -> None:
    """A loss term's label: text in a white rounded box outlined in the term's colour."""
    bbox = {"fc": "white", "ec": colour, "boxstyle": "round,pad=0.3"}
    ax.text(*xy, text, ha="center", va="center", fontsize=FONT, bbox=bbox)


def _legend(fig, entries: list[tuple[str, dict]]) -> None:
    """One line of legend under the figure: entries = [(label, Line2D style)]."""
    handles = [Line2D([], [], **{"lw": 1.4, **style}, label=label) for label, style in entries]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=10, frameon=False)


def vae_architecture() -> Figure:
    """x -> encoder q_phi(z|x) -> mu(x), log sigma^2(x) -> z = mu + sigma * eps (eps ~ N(0, I) from below,
    a random node that gradients do not reach) -> decoder p_theta(x|z) -> x_hat; the reconstruction term
    joins x and x_hat, the KL term hangs from mu and sigma. Solid arrows: forward pass; dashed: gradients."""
    fig, ax = _canvas(85, 42, legend=2.5)
    for (x, y), (w, h), text, fill in NODES.values():
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle=f"round,pad={PAD}", fc=fill, ec="black"))
        ax.text(x, y, text, ha="center", va="center", fontsize=14 if w < 5 else FONT, linespacing=1.6)
    forward = [("x", "encoder", 0, 0), ("encoder", "mu", 2.5, 0), ("encoder", "logvar", -2.5, 0)]
    forward += [("mu", "z", 0, 1.5), ("logvar", "z", 0, -1.5), ("z", "decoder", 0, 0), ("decoder", "x_hat", 0, 0)]
    for a, b, out, into in forward:
        _arrow(ax, _edge(a, "right", out), _edge(b, "left", into))
    # the one random node, a circle: eps enters z from below and, being sampled, receives no gradient
    zx = NODES["z"][0][0]
    eps = (zx, 7)
    ax.add_patch(Circle(eps, 2.6, fc=ORANGE, ec="black"))
    dotted = (0, (1, 1.5))  # line style of the random input
    ax.text(*eps, "$\\epsilon$", ha="center", va="center", fontsize=14)
    ax.text(zx + 3.4, 7, "$\\epsilon \\sim \\mathcal{N}(0, I)$\nsampled: no gradient", va="center", fontsize=FONT)
    _arrow(ax, (zx - 1, 9.6), _edge("z", "bottom", -1), colour=GREY, style=dotted)
    bottom = _edge("z", "bottom", 1.5)
    ax.plot([bottom[0]] * 2, [bottom[1], 12.2], color=VERMILLION, ls="--", lw=1.4)
    ax.plot(bottom[0], 11.8, marker="x", color=VERMILLION, markersize=9, mew=2.2)
    # gradients of the loss run back through z to mu and sigma (and on into the encoder)
    _arrow(ax, _edge("z", "left", 2.8), _edge("mu", "right", 1.5), VERMILLION, "--", rad=0.3)
    _arrow(ax, _edge("z", "left", -2.8), _edge("logvar", "right", -1.5), VERMILLION, "--", rad=-0.3)
    ax.text(39.5, 32.6, "$\\partial\\mathcal{L}/\\partial\\mu$", color=VERMILLION, fontsize=FONT)
    ax.text(39.5, 9.6, "$\\partial\\mathcal{L}/\\partial\\sigma$", color=VERMILLION, fontsize=FONT)
    # reconstruction term: a bracket over the diagram from x to x_hat
    (top_x, top_y), (top_xhat, _) = _edge("x", "top"), _edge("x_hat", "top")
    ax.plot([top_x, top_x, top_xhat, top_xhat], [top_y, 39, 39, top_y], color=BLUE, lw=1.6)
    _term(ax, (43, 39), "reconstruction  $-\\log p_\\theta(x\\,|\\,z)$", BLUE)
    # KL term: attached to the pair (mu, log sigma^2) that defines q(z|x)
    ax.add_patch(FancyBboxPatch((26, 11.5), 12, 21, boxstyle="round,pad=0.6", fc="none", ec=GREEN, ls="--"))
    ax.plot([32, 32], [10.9, 6.3], color=GREEN, lw=1.6)
    _term(ax, (32, 4.5), "$\\mathrm{KL}(q_\\phi(z\\,|\\,x)\\,\\|\\,\\mathcal{N}(0, I))$", GREEN)
    entries = [("forward pass", {"color": "black"}), ("gradient (backpropagation)", {"color": VERMILLION, "ls": "--"})]
    _legend(fig, entries + [("random input", {"color": GREY, "ls": dotted})])
    return fig


def graphical_model() -> Figure:
    """z (open circle) -> x (shaded) inside a plate of N; theta -> x; the inference q_phi(z|x) as a dashed x -> z
    with phi; a one-line legend: solid = generative p_theta(x|z) p(z), dashed = inference q_phi(z|x)."""
    fig, ax = _canvas(66, 33)
    r = 3.2
    ax.add_patch(Rectangle((14, 5), 36, 27, fc="none", ec="black", lw=1.2))  # the plate: N i.i.d. images
    ax.text(48.5, 6.2, "$N$", ha="right", va="bottom", fontsize=13)
    for (x, y), name, fill in [((26, 25), "z", "white"), ((26, 11), "x", "#bbbbbb")]:
        ax.add_patch(Circle((x, y), r, fc=fill, ec="black", lw=1.4))
        ax.text(x, y, f"${name}$", ha="center", va="center", fontsize=15)
    ax.text(31, 25, "latent\n$z \\sim p(z) = \\mathcal{N}(0, I)$", va="center", fontsize=FONT)
    ax.text(31, 14.8, "observed\n$x \\sim p_\\theta(x\\,|\\,z)$", va="center", fontsize=FONT)
    _arrow(ax, (26, 25 - r), (26, 11 + r))
    _arrow(ax, (24, 11 + r - 0.5), (24, 25 - r + 0.5), style="--", rad=-0.6)
    for (x, y), name in [((58, 11), "\\theta"), ((6, 18), "\\phi")]:
        ax.add_patch(Circle((x, y), 0.6, fc="black"))
        ax.text(x, y + 1.3, f"${name}$", ha="center", va="bottom", fontsize=14)
    _arrow(ax, (57.2, 11), (26 + r, 11))
    _arrow(ax, (6.8, 18), (21.3, 18), style="--")
    solid, dashed = {"color": "black"}, {"color": "black", "ls": "--"}
    entries = [("generative  $p_\\theta(x\\,|\\,z)\\,p(z)$", solid), ("inference  $q_\\phi(z\\,|\\,x)$", dashed)]
    _legend(fig, entries)
    return fig


def elbo_gap(log_px: float, elbo: float, recon: float | None = None, kl: float | None = None) -> Figure:
    """log p(x) = ELBO + KL(q(z|x) || p(z|x)) as a waterfall in nats per image: a bar from 0 to the ELBO, the gap
    from the ELBO to log p(x), and log p(x) from 0. With `recon` = E_q[-log p(x|z)] and `kl` = KL(q(z|x) || p(z))
    (the objectives' "recon" and "kl", so ELBO = -recon - kl) two bars come first, building the ELBO from them.

    Each bar is a Rectangle whose y is where it starts and whose height is its signed value. log p(x) is
    typically an IWAE estimate; it must be >= ELBO (the gap is a KL divergence), else ValueError."""
    if log_px < elbo:
        raise ValueError(f"log p(x) = {log_px:g} is below the ELBO = {elbo:g}: the gap KL(q || p(z|x)) is >= 0")
    if (recon is None) != (kl is None):
        raise ValueError("pass both recon and kl (the ELBO's two terms) or neither")
    bars = []  # (label, start, signed value, colour, hatch): hatched bars are the steps, plain ones totals
    if recon is not None:
        if kl < 0 or abs(-recon - kl - elbo) > 1e-3 * max(1.0, abs(elbo)):
            raise ValueError(f"the ELBO's terms must give it: -recon - kl = {-recon - kl:g}, elbo = {elbo:g}, kl >= 0")
        bars += [
            ("reconstruction\n$\\mathbb{E}_q[\\log p_\\theta(x\\,|\\,z)]$", 0.0, -recon, SKY, ""),
            ("$-$ KL to the prior\n$\\mathrm{KL}(q(z\\,|\\,x)\\,\\|\\,p(z))$", -recon, -kl, ORANGE, ".."),
        ]
    bars += [
        ("$=$ ELBO" if recon is not None else "ELBO", 0.0, elbo, BLUE, ""),
        ("$+$ gap\n$\\mathrm{KL}(q(z\\,|\\,x)\\,\\|\\,p(z\\,|\\,x))$", elbo, log_px - elbo, VERMILLION, "//"),
        ("$=\\log p(x)$", 0.0, log_px, GREY, ""),
    ]
    fig = Figure(figsize=(min(MAX_WIDTH, 1.5 * len(bars) + 1.2), 4.0))
    ax = fig.add_subplot()
    for i, (label, start, value, colour, hatch) in enumerate(bars):
        ax.bar(i, value, bottom=start, width=0.6, color=colour, hatch=hatch, edgecolor="black", label=label)
        end = start + value
        up = value > 0 or (value == 0 and end >= 0)
        number = f"{value:+.1f}" if hatch else f"{value:.1f}"  # hatched bars are steps (- KL, + gap): signed
        offset = {"xytext": (0, 4 if up else -4), "textcoords": "offset points", "va": "bottom" if up else "top"}
        ax.annotate(number.replace("-", MINUS), (i, end), ha="center", fontsize=FONT, **offset)
        if i + 1 < len(bars):  # waterfall connector: the level this bar reaches, carried to the next
            ax.plot([i + 0.3, i + 0.7], [end, end], color=GREY, lw=0.8, ls=":")
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(range(len(bars)), [b[0] for b in bars], fontsize=10)
    ax.set_ylabel("nats per image", fontsize=FONT)
    ax.tick_params(axis="y", labelsize=10)
    levels = [0.0] + [start + value for _, start, value, _, _ in bars]
    margin = 0.12 * (max(levels) - min(levels) or 1.0)
    ax.set_ylim(min(levels) - margin, max(levels) + margin)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return fig


def prior_vs_aggregate(panels: dict[str, np.ndarray], size: float = 3.9) -> Figure:
    """One panel per model: aggregate-posterior samples z ~ q(z) = mean_x q(z|x) (each (N, 2)) over the prior
    N(0, I)'s 1-, 2-, 3-sigma circles, with the fraction of samples inside the 2-sigma circle (|z| <= 2).
    All panels share their limits (at least the 3-sigma circle; points beyond the frame are counted)."""
    points = {name: np.asarray(z, dtype=float) for name, z in panels.items()}
    if not points or any(z.ndim != 2 or z.shape[1] != 2 or len(z) == 0 for z in points.values()):
        raise ValueError("panels must map names to non-empty (N, 2) arrays of latent samples")
    limit = max(3.6, 1.08 * max(np.quantile(np.abs(z), 0.995) for z in points.values()))
    size = min(size, MAX_WIDTH / len(points))
    below, above = 0.8, 0.3  # inches for the axis label and legend underneath, and the titles above
    fig = Figure(figsize=(size * len(points), size + below + above))
    axes = fig.subplots(1, len(points), squeeze=False, sharex=True, sharey=True)[0]
    circle = np.exp(1j * np.linspace(0, 2 * np.pi, 200))
    styles = {1: ("black", "--", 0.9), 2: (ORANGE, "-", 2.0), 3: ("black", "--", 0.9)}  # colour, line, width
    for ax, (name, z) in zip(axes, points.items()):
        ax.scatter(z[:, 0], z[:, 1], s=3, alpha=0.35, color=BLUE, linewidths=0)
        for k, (colour, style, width) in styles.items():
            ax.plot(k * circle.real, k * circle.imag, color=colour, ls=style, lw=width)
        inside = np.mean(np.linalg.norm(z, axis=1) <= 2)
        beyond = int(np.sum(np.abs(z).max(axis=1) > limit))
        text = f"inside 2$\\sigma$: {100 * inside:.1f}%" + (f"\n{beyond} beyond the frame" if beyond else "")
        box = {"fc": "white", "ec": "none", "pad": 1.5}
        ax.text(0.04, 0.96, text, transform=ax.transAxes, va="top", fontsize=FONT, bbox=box)
        ax.set_title(name, fontsize=FONT)
        ax.set_xlabel("$z_1$", fontsize=FONT)
        ax.set_aspect("equal", anchor="S")  # square panels sit on their axis labels, the slack goes above
        ax.tick_params(labelsize=10)
    axes[0].set(xlim=(-limit, limit), ylim=(-limit, limit))
    axes[0].set_ylabel("$z_2$", fontsize=FONT)
    two_sigma = f"2$\\sigma$ ({100 * TWO_SIGMA_PRIOR_MASS:.1f}% of the prior)"
    samples = {"ls": "", "marker": "o", "markersize": 4, "color": BLUE}
    dashed = {"color": "black", "ls": "--", "lw": 0.9}
    entries = [("$z \\sim q(z)$", samples), ("prior's 1$\\sigma$, 3$\\sigma$", dashed)]
    _legend(fig, entries + [(two_sigma, {"color": ORANGE, "lw": 2})])
    fig.subplots_adjust(bottom=below / fig.get_figheight(), top=1 - above / fig.get_figheight(), wspace=0.08)
    return fig


def side_by_side(images: dict[str, np.ndarray], height: float = 3.6, gap: float = 0.2) -> Figure:
    """Ready images ((H, W) grey or (H, W, 3) RGB, values in [0, 1]) in one row, each labelled, all drawn at
    the same height (`height` inches, less if the row would be wider than MAX_WIDTH)."""
    arrays = {name: np.asarray(a, dtype=float) for name, a in images.items()}
    if not arrays:
        raise ValueError("images is empty")
    for name, a in arrays.items():
        if not (a.ndim == 2 or (a.ndim == 3 and a.shape[2] == 3)) or a.size == 0 or a.min() < 0 or a.max() > 1:
            raise ValueError(f"image {name!r} must be (H, W) or (H, W, 3) with values in [0, 1] (got {a.shape})")
    ratios = [a.shape[1] / a.shape[0] for a in arrays.values()]  # width per unit height
    height = min(height, (MAX_WIDTH - gap * (len(ratios) - 1)) / sum(ratios))
    label = 0.45  # inches above the images for their labels
    width = height * sum(ratios) + gap * (len(ratios) - 1)
    fig = Figure(figsize=(width, height + label))
    left = 0.0
    for (name, a), ratio in zip(arrays.items(), ratios):
        ax = fig.add_axes((left / width, 0, height * ratio / width, height / (height + label)))
        ax.imshow(a, cmap="gray" if a.ndim == 2 else None, vmin=0, vmax=1, interpolation="nearest", aspect="auto")
        ax.set_title(name, fontsize=FONT)
        ax.set_axis_off()
        left += height * ratio + gap
    return fig
