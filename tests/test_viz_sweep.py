"""A sweep's traversals side by side: rows ordered by KL, cells separated, one labelled mosaic per model."""

from __future__ import annotations

import numpy as np
import torch

from vaelab.viz.sweep import GAP_GREY, by_kl, traversal_mosaic, traversal_sweep


def bar_decoder(z: torch.Tensor) -> torch.Tensor:
    """A 16x16 image whose bar sits at a column set by z[:, 0] (in [-3, 3]); other latents change nothing."""
    column = ((z[:, 0] + 3) / 6 * 15).round().long().clamp(0, 15)  # (n,)
    images = torch.zeros(len(z), 1, 16, 16)
    images[torch.arange(len(z)), 0, :, column] = 1.0
    return images


def test_latents_come_in_order_of_their_kl():
    assert by_kl([0.1, 2.0, 0.0, 1.5]) == [1, 3, 0, 2]
    assert by_kl([0.1, 2.0, 0.0, 1.5], rows=2) == [1, 3]


def test_the_mosaic_has_a_row_per_latent_and_a_grey_line_between_cells():
    mosaic = traversal_mosaic(bar_decoder, torch.zeros(3), dims=[0, 2], num_values=5)
    assert mosaic.shape == (2 * 17, 5 * 17)
    assert np.allclose(mosaic[16, :], GAP_GREY) and np.allclose(mosaic[:, 16], GAP_GREY)
    first_row_columns = [int(np.argmax(mosaic[0, i * 17 : i * 17 + 16])) for i in range(5)]
    assert first_row_columns == sorted(first_row_columns) and first_row_columns[0] < first_row_columns[-1]
    assert mosaic[17:33, :16].max() == mosaic[17:33, 17:33].max()  # latent 2 moves nothing: the row repeats


def test_the_sweep_draws_one_labelled_panel_per_model():
    fig = traversal_sweep({f"beta = {b}": (bar_decoder, torch.zeros(4), [0.0, 3.0, 1.0, 0.2]) for b in (1, 4)})
    assert [ax.get_title() for ax in fig.axes] == ["beta = 1", "beta = 4"]
    assert fig.axes[0].images[0].get_array().shape == (4 * 17, 9 * 17)
