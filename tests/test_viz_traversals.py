"""Traversal, KL-per-dimension and metric-vs-beta figures: they render, save, and show what they claim."""

from __future__ import annotations

import matplotlib.image
import numpy as np
import pytest
import torch

from vaelab.errors import ConfigError
from vaelab.viz.traversals import kl_per_dim_bar, metric_vs_beta, traversal_figure, traversal_grid


def bar_decoder(z: torch.Tensor) -> torch.Tensor:
    """A 16x16 image whose bar sits at a column set by z[:, 0] (in [-3, 3]); z[:, 1] sets brightness."""
    column = ((z[:, 0] + 3) / 6 * 15).round().long().clamp(0, 15)  # (n,)
    images = torch.zeros(len(z), 1, 16, 16)
    images[torch.arange(len(z)), 0, :, column] = torch.sigmoid(z[:, 1:2]).expand(-1, 16)
    return images


def saved_size(fig, path) -> tuple[int, int]:
    fig.savefig(path, dpi=50)
    assert path.is_file() and path.stat().st_size > 1000
    height, width = matplotlib.image.imread(path).shape[:2]
    return width, height


def test_traversal_grid_sweeps_one_dimension_per_row():
    z = torch.zeros(3)
    grid = traversal_grid(bar_decoder, z, dims=[0, 2], values=torch.linspace(-3, 3, 5))
    assert grid.shape == (2, 5, 1, 16, 16)
    bar_columns = grid[0, :, 0, 0, :].argmax(dim=1)
    assert bar_columns.tolist() == sorted(bar_columns.tolist()) and bar_columns[0] < bar_columns[-1]
    assert torch.equal(grid[1, 0], grid[1, -1])  # z2 is ignored by the decoder: the row does not change


def test_traversal_figure_draws_one_decoded_row_per_latent(tmp_path):
    fig = traversal_figure(bar_decoder, torch.zeros(4), num_values=7, kl_per_dim=[2.5, 0.9, 0.01, 0.0])
    width, height = saved_size(fig, tmp_path / "traversal.png")
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] == "z0  KL 2.50" and len(labels) == 4
    mosaic = fig.axes[0].get_images()[0].get_array()  # (4 rows x 16 px, 7 columns x 16 px)
    assert mosaic.shape == (4 * 16, 7 * 16) and width > height
    grid = traversal_grid(bar_decoder, torch.zeros(4), dims=[0, 1, 2, 3], values=torch.linspace(-3, 3, 7))
    assert np.array_equal(np.asarray(mosaic[:16, 16:32]), grid[0, 1, 0].numpy())  # row z0, second value
    assert not np.array_equal(np.asarray(mosaic[:16, :16]), np.asarray(mosaic[:16, -16:]))  # z0 moves the bar


def test_kl_bar_and_metric_vs_beta_save(tmp_path):
    width, height = saved_size(kl_per_dim_bar([3.1, 0.2, 0.0, 1.4, 0.0, 0.0]), tmp_path / "kl.png")
    assert width > 100 and height > 100
    rng = np.random.default_rng(0)
    betas = [1, 2, 4, 8, 16]
    values = {"MIG": rng.random((5, 3)), "FactorVAE": rng.random((5, 3))}
    values["MIG"][2, 1] = np.nan  # a missing run is left out of the mean
    fig = metric_vs_beta(betas, values, spread="minmax")
    width, height = saved_size(fig, tmp_path / "beta.png")
    assert (width, height) == (round(4.5 * 50), round(3.2 * 50))
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["MIG", "FactorVAE"]
    mig_mean = fig.axes[0].get_lines()[0].get_ydata()
    assert mig_mean[2] == pytest.approx(np.nanmean(values["MIG"][2]))


def test_bad_figure_arguments_are_config_errors():
    with pytest.raises(ConfigError, match="dims"):
        traversal_figure(bar_decoder, torch.zeros(2), dims=[5])
    with pytest.raises(ConfigError, match="n_beta"):
        metric_vs_beta([1, 2], {"MIG": np.zeros((3, 2))})
    with pytest.raises(ConfigError, match="spread"):
        metric_vs_beta([1, 2], {"MIG": np.zeros((2, 2))}, spread="iqr")
    with pytest.raises(ConfigError, match="empty"):
        kl_per_dim_bar([])
