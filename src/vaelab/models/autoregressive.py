"""An autoregressive Bernoulli decoder: a GRU over the rows of the image, with z fed at every step.

A factorised decoder (MLP, conv) makes the pixels independent given z, so everything it knows about an
image must come through z. An autoregressive decoder can model the image from its own past instead,
which is what lets a VAE "collapse": KL(q(z|x) || p(z)) -> 0 and z is ignored (Bowman et al. 2016, with
an LSTM over words; Chen et al. 2017 and Gulrajani et al. 2017 for images). This one factorises over rows:

    p(x|z) = prod_r p(x_r | x_<r, z),   p(x_r | x_<r, z) = prod_{c, w} Bern(x_{c,r,w}; sigmoid(l_{c,r,w}))

where the logits l_r of row r (all C*W pixels, conditionally independent given z and the rows above) come
from a GRU whose step r reads row r-1 of x (row -1 is zeros) beside a projection of z, and whose initial
hidden state is another projection of z. Training uses teacher forcing: `forward(z, x)` returns every
row's logits in one pass, so log p(x|z) = -BCE_with_logits(logits, x) summed over pixels, as for the
factorised Bernoulli decoder (`vaelab.objectives.likelihoods`). x may be continuous in [0, 1].

E[x|z] is not tractable (it sums over all images above each row), so there is no exact mean image:
`probabilities` gives, for one ancestral sample, the Bernoulli means each row was drawn from (a picture of
one sample with its per-pixel uncertainty), and `mean_field` a deterministic approximation that feeds each
row's means, not a sample, to the next step. Neither is E[x|z]; pictures should say which they show.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import nn


class RowGRUDecoder(nn.Module):
    """p(x|z) over images (C, H, W): a `layers`-layer GRU of width `hidden` over the H rows.

    z has any leading shape (..., D): (B, D), (S*B, D) or (S, B, D); x (in `forward`) broadcasts to
    (..., C, H, W), e.g. x (B, C, H, W) against z (S, B, D). Outputs have z's leading shape.
    """

    def __init__(
        self,
        latent_dim: int,
        image_shape: tuple[int, int, int],
        hidden: int = 256,
        layers: int = 1,
        z_features: int = 64,
    ):
        super().__init__()
        self.latent_dim = latent_dim
        self.image_shape = tuple(image_shape)
        c, _, w = self.image_shape
        self.row = c * w  # pixels per row, all channels
        self.hidden, self.layers = hidden, layers
        self.z_to_state = nn.Linear(latent_dim, layers * hidden)  # h_0 = tanh(W z + b), one per layer
        self.z_to_input = nn.Linear(latent_dim, z_features)  # concatenated to every step's input
        self.gru = nn.GRU(self.row + z_features, hidden, num_layers=layers, batch_first=True)
        self.to_logits = nn.Linear(hidden, self.row)

    # -- pieces shared by teacher forcing and sampling -------------------------------------------------

    def _flat(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Size]:
        if z.shape[-1] != self.latent_dim:
            raise ValueError(f"z must be (..., {self.latent_dim}); got {tuple(z.shape)}")
        return z.reshape(-1, self.latent_dim), z.shape[:-1]  # (..., D) -> (N, D)

    def _initial_state(self, z: torch.Tensor) -> torch.Tensor:
        h0 = torch.tanh(self.z_to_state(z))  # (N, D) -> (N, layers * hidden)
        return h0.view(-1, self.layers, self.hidden).transpose(0, 1).contiguous()  # -> (layers, N, hidden)

    def _to_rows(self, x: torch.Tensor) -> torch.Tensor:
        c, h, w = self.image_shape
        return x.permute(0, 2, 1, 3).reshape(-1, h, c * w)  # (N, C, H, W) -> (N, H, C*W)

    def _to_image(self, rows: torch.Tensor, lead: torch.Size) -> torch.Tensor:
        c, h, w = self.image_shape
        x = rows.reshape(-1, h, c, w).permute(0, 2, 1, 3)  # (N, H, C*W) -> (N, C, H, W)
        return x.reshape(*lead, c, h, w)

    # -- teacher forcing -------------------------------------------------------------------------------

    def forward(self, z: torch.Tensor, x: torch.Tensor | None = None) -> torch.Tensor:
        """Logits of p(x|z), row r computed from z and rows < r of x: z (..., D), x -> (..., C, H, W).
        Without x (a code alone, as for pictures), the logits of the mean-field unroll (`mean_field`)."""
        if x is None:
            return self._unroll(z, lambda p: p)[1]
        z, lead = self._flat(z)
        n, (_, h, _) = z.shape[0], self.image_shape
        x = x.to(z.dtype).expand(*lead, *self.image_shape).reshape(n, *self.image_shape)
        above = F.pad(self._to_rows(x), (0, 0, 1, 0))[:, :h]  # (N, H, C*W): step r reads row r-1, row -1 = 0
        z_in = self.z_to_input(z).unsqueeze(1).expand(n, h, -1)  # (N, D) -> (N, H, z_features)
        out, _ = self.gru(torch.cat([above, z_in], dim=-1), self._initial_state(z))  # -> (N, H, hidden)
        return self._to_image(self.to_logits(out), lead)  # (N, H, C*W) -> (..., C, H, W)

    # -- generation, one row at a time -----------------------------------------------------------------

    def _unroll(
        self, z: torch.Tensor, next_row: Callable[[torch.Tensor], torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Run the GRU row by row, feeding next_row(means of row r) as the input of step r+1; returns the
        fed rows and the logits each row was computed with, both (..., C, H, W)."""
        z, lead = self._flat(z)
        n, h = z.shape[0], self.image_shape[1]
        state = self._initial_state(z)
        z_in = self.z_to_input(z)  # (N, z_features)
        prev = z.new_zeros(n, self.row)  # row -1
        rows, logits = [], []
        for _ in range(h):
            out, state = self.gru(torch.cat([prev, z_in], dim=-1).unsqueeze(1), state)  # (N, 1, hidden)
            logit = self.to_logits(out[:, 0])  # (N, C*W)
            prev = next_row(torch.sigmoid(logit))
            rows.append(prev)
            logits.append(logit)
        return self._to_image(torch.stack(rows, 1), lead), self._to_image(torch.stack(logits, 1), lead)

    def ancestral(self, z: torch.Tensor, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """x ~ p(x|z) row by row, x_r ~ p(x_r | x_<r, z): (x in {0, 1}, the logits each row was drawn from).

        The uniforms are drawn on the generator's device (a CPU generator gives the same images anywhere)."""

        def draw(p: torch.Tensor) -> torch.Tensor:
            where = generator.device if generator is not None else p.device
            u = torch.rand(p.shape, generator=generator, device=where, dtype=p.dtype).to(p.device)
            return (u < p).to(p.dtype)

        return self._unroll(z, draw)

    def sample(self, z: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """An ancestral sample x ~ p(x|z) in {0, 1}: z (..., D) -> (..., C, H, W)."""
        return self.ancestral(z, generator)[0]

    def probabilities(self, z: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """For one ancestral sample, the Bernoulli means p(x_r | x_<r, z) of each row (given the sampled
        rows above it, so it depends on the draw): a soft picture of that sample, not E[x|z]."""
        return torch.sigmoid(self.ancestral(z, generator)[1])

    def mean_field(self, z: torch.Tensor) -> torch.Tensor:
        """Deterministic means in [0, 1]: each row's Bernoulli means, fed in place of a sample to the next
        step (as a continuous x in [0, 1] would be). An approximation, not E[x|z]."""
        return self._unroll(z, lambda p: p)[0]
