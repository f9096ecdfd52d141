"""Teaching diagrams: they save as readable PNGs, carry the words a learner needs, and draw the numbers given."""

from __future__ import annotations

import inspect

import matplotlib.image
import numpy as np
import pytest
from matplotlib.patches import Circle, Rectangle
from matplotlib.text import Annotation, Text

from vaelab.viz import diagrams
from vaelab.viz.diagrams import ALT, elbo_gap, graphical_model, prior_vs_aggregate, side_by_side, vae_architecture
from vaelab.viz.plots import save

DPI = 110  # plots.save's default: the report's figures
PAGE_PX = 960


def on_circle(radius: float, n: int = 60) -> np.ndarray:
    """n points evenly spaced on a circle of `radius`: (n, 2)."""
    angle = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)


BUILDERS = {
    "vae_architecture": vae_architecture,
    "graphical_model": graphical_model,
    "elbo_gap": lambda: elbo_gap(-85.3, -88.9, recon=61.2, kl=27.7),
    "prior_vs_aggregate": lambda: prior_vs_aggregate({"with KL": on_circle(1), "without KL": on_circle(5)}),
    "side_by_side": lambda: side_by_side({"beta = 1": np.eye(40), "beta = 4": np.full((40, 60, 3), 0.5)}),
}


def texts(fig) -> list[str]:
    """Every non-empty string drawn on the figure (labels, ticks, legends, annotations)."""
    return [t.get_text() for t in fig.findobj(Text) if t.get_text() and t.get_visible()]


def has(fig, *parts: str) -> bool:
    """Whether one text on the figure holds all of `parts`."""
    return any(all(p in t for p in parts) for t in texts(fig))


@pytest.mark.parametrize("name", list(BUILDERS))
def test_each_figure_saves_a_non_blank_png_that_fits_the_page(name, tmp_path):
    fig = BUILDERS[name]()
    image = matplotlib.image.imread(save(fig, tmp_path / f"{name}.png", dpi=DPI))
    assert image[..., :3].var() > 0.001  # not a blank canvas
    assert image.shape[1] <= PAGE_PX  # readable at 100% zoom without scaling down
    small = [(t.get_text(), t.get_fontsize()) for t in fig.findobj(Text) if t.get_text() and t.get_fontsize() < 10]
    assert small == []


def test_every_public_function_has_an_alt_text():
    public = {
        name
        for name, f in vars(diagrams).items()
        if inspect.isfunction(f) and f.__module__ == diagrams.__name__ and not name.startswith("_")
    }
    assert public == set(BUILDERS) == set(ALT)
    assert all(len(ALT[name].split()) >= 10 for name in public)


def test_architecture_names_every_part_and_both_loss_terms():
    fig = vae_architecture()
    assert has(fig, "encoder", "q_\\phi") and has(fig, "decoder", "p_\\theta")
    assert has(fig, "\\mu(x)") and has(fig, "\\log\\sigma^2(x)") and has(fig, "\\hat{x}")
    assert has(fig, "z = \\mu + \\sigma \\odot \\epsilon")
    assert has(fig, "\\epsilon \\sim \\mathcal{N}(0, I)", "no gradient")
    assert has(fig, "reconstruction", "-\\log p_\\theta(x")
    assert has(fig, "\\mathrm{KL}(q_\\phi(z", "\\mathcal{N}(0, I))")
    assert has(fig, "gradient") and has(fig, "forward")
    # eps is the one circle (a random node); no gradient arrow (dashed, vermillion) ends on it
    (eps,) = [p for p in fig.axes[0].patches if isinstance(p, Circle)]
    ends = [a.xy for a in fig.findobj(Annotation) if a.arrow_patch and a.arrow_patch.get_linestyle() == "--"]
    assert len(ends) == 2 and all(np.hypot(x - eps.center[0], y - eps.center[1]) > 5 for x, y in ends)


def test_graphical_model_has_the_plate_the_parameters_and_the_legend():
    fig = graphical_model()
    assert "$N$" in texts(fig) and "$z$" in texts(fig) and "$x$" in texts(fig)
    assert "$\\theta$" in texts(fig) and "$\\phi$" in texts(fig)
    assert has(fig, "generative", "p_\\theta(x", "p(z)") and has(fig, "inference", "q_\\phi(z")
    nodes = [p for p in fig.axes[0].patches if isinstance(p, Circle) and p.radius > 1]
    assert len({tuple(p.get_facecolor()) for p in nodes}) == 2  # observed x shaded, latent z open
    styles = [a.arrow_patch.get_linestyle() for a in fig.findobj(Annotation) if a.arrow_patch]
    assert styles.count("--") == 2 and styles.count("-") == 2  # x -> z and phi dashed; z -> x and theta solid


def bars(fig) -> np.ndarray:
    """(start, signed height) of every bar on the figure's axes, left to right: (n_bars, 2)."""
    return np.array([(r.get_y(), r.get_height()) for r in fig.axes[0].patches if isinstance(r, Rectangle)])


@pytest.mark.parametrize("log_px, elbo", [(-85.3, -88.9), (12.0, 4.0), (-5.0, -5.0), (3.0, -2.0)])
def test_elbo_gap_draws_the_numbers_it_is_given(log_px, elbo):
    fig = elbo_gap(log_px, elbo)
    assert bars(fig) == pytest.approx(np.array([(0, elbo), (elbo, log_px - elbo), (0, log_px)]))
    low, high = fig.axes[0].get_ylim()
    assert low < min(0, elbo, log_px) and high > max(0, elbo, log_px)  # every bar inside the frame
    minus = diagrams.MINUS
    assert f"{elbo:.1f}".replace("-", minus) in texts(fig) and f"{log_px:.1f}".replace("-", minus) in texts(fig)
    assert f"{log_px - elbo:+.1f}" in texts(fig)


def test_elbo_gap_splits_the_elbo_into_its_two_terms():
    fig = elbo_gap(-85.3, -88.9, recon=61.2, kl=27.7)
    expected = [(0, -61.2), (-61.2, -27.7), (0, -88.9), (-88.9, 3.6), (0, -85.3)]
    assert bars(fig) == pytest.approx(np.array(expected))
    assert has(fig, "reconstruction") and has(fig, "KL", "p(z))") and has(fig, "gap", "p(z\\,|\\,x)")


def test_elbo_gap_refuses_numbers_that_break_the_identity():
    with pytest.raises(ValueError, match="below the ELBO"):
        elbo_gap(log_px=-90.0, elbo=-88.0)
    with pytest.raises(ValueError, match="both"):
        elbo_gap(-85.0, -88.0, recon=60.0)
    with pytest.raises(ValueError, match="terms"):
        elbo_gap(-85.0, -88.0, recon=60.0, kl=20.0)  # -60 - 20 is not -88


def fraction_text(ax) -> str:
    (text,) = [t.get_text() for t in ax.texts if "inside" in t.get_text()]
    return text


def test_prior_vs_aggregate_prints_the_fraction_inside_two_sigma_and_shares_limits():
    mixed = np.concatenate([on_circle(1, 30), on_circle(3, 70)])
    far = np.concatenate([on_circle(0.5, 999), [[1000.0, 0.0]]])
    fig = prior_vs_aggregate({"r = 1": on_circle(1), "r = 3": on_circle(3), "mixed": mixed, "far": far})
    expected = [1.0, 0.0, np.mean(np.linalg.norm(mixed, axis=1) <= 2), 0.999]
    for ax, fraction in zip(fig.axes, expected):
        assert f"{100 * fraction:.1f}%" in fraction_text(ax)
    assert "1 beyond the frame" in fraction_text(fig.axes[3])  # the outlier is counted, not hidden
    assert len({ax.get_xlim() for ax in fig.axes}) == 1 and len({ax.get_ylim() for ax in fig.axes}) == 1
    assert fig.axes[0].get_xlim()[1] > 3  # the prior's 3-sigma circle is in view
    for ax in fig.axes:  # the prior's 1-, 2-, 3-sigma circles on every panel
        radii = sorted(round(float(np.hypot(*line.get_data()).mean()), 6) for line in ax.lines)
        assert radii == [1, 2, 3]
    with pytest.raises(ValueError):
        prior_vs_aggregate({"3-D": np.zeros((5, 3))})


def test_side_by_side_draws_each_image_at_the_same_height_with_its_label():
    images = {"beta = 1": np.eye(20), "beta = 4": np.full((40, 80, 3), 0.25), "beta = 16": np.zeros((10, 5))}
    fig = side_by_side(images)
    assert [ax.get_title() for ax in fig.axes] == list(images)
    boxes = [ax.get_position() for ax in fig.axes]
    assert max(b.height for b in boxes) == pytest.approx(min(b.height for b in boxes))
    aspect = fig.get_figwidth() / fig.get_figheight()  # box width / height in inches = the image's W / H
    assert [b.width / b.height * aspect for b in boxes] == pytest.approx([1.0, 2.0, 0.5])
    assert [b.x0 for b in boxes] == sorted(b.x0 for b in boxes) and boxes[0].x1 < boxes[1].x0  # one row, no overlap
    for ax, image in zip(fig.axes, images.values()):
        assert np.array_equal(ax.images[0].get_array(), image)
    for bad in (np.full((4, 4), 1.5), np.zeros((4, 4, 4))):
        with pytest.raises(ValueError):
            side_by_side({"bad": bad})
