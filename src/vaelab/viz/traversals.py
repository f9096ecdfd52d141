"""Figures for disentanglement: latent traversals, KL per latent dimension, metric against beta.

Latent traversals as in Higgins et al. 2017 (beta-VAE), Fig. 1/7: start from one latent vector, sweep one
dimension over [-3, 3] (three prior standard deviations) with the others fixed, decode each point; one
row per dimension. Every function returns a `matplotlib.figure.Figure` built without pyplot, so no
backend is chosen or changed; save it with `fig.savefig(path)`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

from vaelab.config import check_choice
from vaelab.errors import ConfigError

Decoder = Callable[[torch.Tensor], torch.Tensor]


def traversal_grid(decode: Decoder, z: torch.Tensor, dims: Sequence[int], values: torch.Tensor) -> torch.Tensor:
    """Decoded traversals: (len(dims), K, C, H, W), row r sweeping z[dims[r]] over `values` (K,)."""
    z = torch.as_tensor(z, dtype=torch.float32).reshape(-1)
    values = torch.as_tensor(values, dtype=torch.float32)
    if any(not 0 <= d < len(z) for d in dims):
        raise ConfigError(f"traversal dims must be in 0..{len(z) - 1} (got {list(dims)})")
    # (len(dims), K, D): copies of z, with row r's dimension set to each value in turn
    codes = z.repeat(len(dims), len(values), 1)
    for row, d in enumerate(dims):
        codes[row, :, d] = values
    with torch.no_grad():
        images = decode(codes.reshape(-1, len(z)))  # (len(dims) * K, D) -> (len(dims) * K, C, H, W)
    images = torch.as_tensor(images).detach().float().cpu()
    if images.dim() != 4:
        raise ConfigError(f"decode must return images (n, C, H, W) (got shape {tuple(images.shape)})")
    return images.reshape(len(dims), len(values), *images.shape[1:])


def traversal_figure(
    decode: Decoder,
    z: torch.Tensor,
    dims: Sequence[int] | None = None,
    num_values: int = 9,
    limit: float = 3.0,
    kl_per_dim: Sequence[float] | None = None,
    cell_inches: float = 0.8,
) -> Figure:
    """Latent traversal figure: rows = latent dims, columns = values linspace(-limit, limit, num_values).

    `decode` maps codes (n, D) to images (n, C, H, W) in [0, 1]; `z` (D,) is the base point (e.g. the
    posterior mean of one image). `dims` defaults to all dimensions; with `kl_per_dim` each row is
    labelled by its KL (nats), the usual way to spot the dimensions in use.
    """
    z = torch.as_tensor(z, dtype=torch.float32).reshape(-1)
    dims = list(range(len(z))) if dims is None else list(dims)
    if not dims or num_values < 2:
        raise ConfigError("a traversal needs at least one dim and num_values >= 2")
    values = torch.linspace(-limit, limit, num_values)
    grid = traversal_grid(decode, z, dims, values).clamp(0, 1)  # (rows, K, C, H, W)
    rows, k, c, h, w = grid.shape
    # (rows, K, C, H, W) -> one mosaic (rows * H, K * W, C)
    mosaic = grid.permute(0, 3, 1, 4, 2).reshape(rows * h, k * w, c).numpy()
    fig = Figure(figsize=(cell_inches * k + 1.2, cell_inches * rows + 0.6))
    ax = fig.add_subplot()
    if c == 1:
        ax.imshow(mosaic[:, :, 0], cmap="gray", vmin=0, vmax=1, interpolation="nearest")
    else:
        ax.imshow(mosaic, interpolation="nearest")
    ax.set_xticks((np.arange(k) + 0.5) * w - 0.5, [f"{v:+.1f}" for v in values.tolist()], fontsize=7)
    labels = [f"z{d}" if kl_per_dim is None else f"z{d}  KL {float(kl_per_dim[d]):.2f}" for d in dims]
    ax.set_yticks((np.arange(rows) + 0.5) * h - 0.5, labels, fontsize=7)
    for edge in range(1, k):  # thin lines between cells, which share a black background otherwise
        ax.axvline(edge * w - 0.5, color="tab:gray", linewidth=0.5)
    for edge in range(1, rows):
        ax.axhline(edge * h - 0.5, color="tab:gray", linewidth=0.5)
    ax.tick_params(length=0)
    ax.set_xlabel("value of the swept latent (others fixed)", fontsize=8)
    fig.tight_layout()
    return fig


def kl_per_dim_bar(kl_per_dim: Sequence[float], title: str | None = None) -> Figure:
    """Bar chart of the average KL(q(z_i|x) || N(0, 1)) of each latent dimension, in nats."""
    kl = np.asarray(kl_per_dim, dtype=np.float64).reshape(-1)
    if kl.size == 0:
        raise ConfigError("kl_per_dim is empty")
    fig = Figure(figsize=(max(3.0, 0.35 * len(kl) + 1.5), 2.8))
    ax = fig.add_subplot()
    ax.bar(np.arange(len(kl)), kl, color="tab:blue")
    ax.set_xticks(np.arange(len(kl)), [f"z{i}" for i in range(len(kl))], fontsize=7)
    ax.set_xlabel("latent dimension")
    ax.set_ylabel("KL (nats)")
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def metric_vs_beta(betas: Sequence[float], values_per_seed: dict[str, np.ndarray], spread: str = "std") -> Figure:
    """Each metric's mean over seeds against beta (log scale), with a band of +-1 std or min..max.

    `values_per_seed[metric]` is (n_beta, n_seeds); NaN marks a missing run and is left out.
    """
    betas = np.asarray(betas, dtype=np.float64)
    check_choice("spread", spread, ("std", "minmax"))
    if not values_per_seed:
        raise ConfigError("values_per_seed is empty")
    fig = Figure(figsize=(4.5, 3.2))
    ax = fig.add_subplot()
    for name, values in values_per_seed.items():
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or len(values) != len(betas):
            raise ConfigError(f"values of {name} must be (n_beta={len(betas)}, n_seeds) (got {values.shape})")
        mean = np.nanmean(values, axis=1)
        if spread == "std":
            low, high = mean - np.nanstd(values, axis=1), mean + np.nanstd(values, axis=1)
        else:
            low, high = np.nanmin(values, axis=1), np.nanmax(values, axis=1)
        (line,) = ax.plot(betas, mean, marker="o", label=name)
        ax.fill_between(betas, low, high, color=line.get_color(), alpha=0.2, linewidth=0)
    ax.set_xscale("log", base=2)
    ax.set_xticks(betas, [f"{b:g}" for b in betas])
    ax.minorticks_off()
    ax.set_xlabel("beta")
    ax.set_ylabel("score")
    ax.legend(
        fontsize=8, title=f"mean, band: {'+-1 std' if spread == 'std' else 'min..max'} over seeds", title_fontsize=7
    )
    fig.tight_layout()
    return fig
