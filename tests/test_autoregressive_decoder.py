"""The row-wise autoregressive decoder: shapes, causality, z dependence, sampling = teacher forcing, learning."""

import pytest
import torch

from vaelab.models.autoregressive import RowGRUDecoder
from vaelab.objectives.likelihoods import bernoulli_log_likelihood

SHAPES = [(1, 28, 28), (3, 6, 5)]
D = 4


def decoder(shape, seed: int = 0, **kw) -> RowGRUDecoder:
    torch.manual_seed(seed)
    return RowGRUDecoder(D, shape, hidden=kw.pop("hidden", 16), layers=kw.pop("layers", 2), z_features=8, **kw)


def binary_images(n: int, shape, seed: int = 1) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, *shape, generator=g).round()


@pytest.mark.parametrize("shape", SHAPES)
def test_shapes_of_teacher_forcing_and_sampling(shape):
    dec = decoder(shape)
    z, x = torch.randn(3, D), torch.rand(3, *shape)
    assert dec(z, x).shape == (3, *shape)
    assert dec(torch.randn(2, 3, D), x).shape == (2, 3, *shape)  # z (S, B, D), x (B, C, H, W) broadcast
    assert dec(torch.randn(6, D), x.repeat(2, 1, 1, 1)).shape == (6, *shape)  # z (S*B, D)
    with torch.no_grad():
        s = dec.sample(torch.randn(2, 3, D))
        p = dec.probabilities(z)
        m = dec.mean_field(z)
    assert s.shape == (2, 3, *shape) and set(s.unique().tolist()) <= {0.0, 1.0}
    assert p.shape == m.shape == (3, *shape)
    assert 0 <= p.min() and p.max() <= 1 and 0 <= m.min() and m.max() <= 1
    with pytest.raises(ValueError, match="z must be"):
        dec(torch.randn(3, D + 1), x)


@pytest.mark.parametrize("shape", SHAPES)
def test_row_r_depends_on_the_rows_above_it_only(shape):
    dec = decoder(shape)
    z = torch.randn(2, D)
    x = binary_images(2, shape).requires_grad_(True)
    logits = dec(z, x)
    for r in range(shape[1]):
        (grad,) = torch.autograd.grad(logits[:, :, r].sum(), x, retain_graph=True)
        assert torch.count_nonzero(grad[:, :, r:]) == 0, f"row {r} sees rows >= {r}"
        if r > 0:
            assert grad[:, :, r - 1].abs().sum() > 0, f"row {r} ignores row {r - 1}"


def test_perturbing_rows_from_r_down_leaves_rows_up_to_r_unchanged():
    shape, r = (3, 6, 5), 3
    dec = decoder(shape)
    z, x = torch.randn(4, D), binary_images(4, shape)
    y = x.clone()
    y[:, :, r:] = 1 - y[:, :, r:]
    a, b = dec(z, x), dec(z, y)
    assert torch.allclose(a[:, :, : r + 1], b[:, :, : r + 1], atol=1e-6)
    assert (a[:, :, r + 1 :] - b[:, :, r + 1 :]).abs().max() > 1e-3  # the rows below do see the change


@pytest.mark.parametrize("shape", SHAPES)
def test_every_row_depends_on_z(shape):
    dec = decoder(shape)
    x = binary_images(3, shape)
    a, b = dec(torch.randn(3, D), x), dec(torch.randn(3, D), x)
    per_row = (a - b).abs().amax(dim=(0, 1, 3))  # (H,)
    assert per_row.min() > 1e-3, per_row


@pytest.mark.parametrize("shape", SHAPES)
def test_logits_while_sampling_equal_teacher_forcing_on_the_sample(shape):
    dec = decoder(shape)
    z = torch.randn(5, D)
    with torch.no_grad():
        x, logits = dec.ancestral(z, torch.Generator().manual_seed(3))
        forced = dec(z, x)
        again = dec.sample(z, torch.Generator().manual_seed(3))
        other = dec.sample(z, torch.Generator().manual_seed(4))
        p = dec.probabilities(z, torch.Generator().manual_seed(3))
    assert torch.allclose(logits, forced, atol=1e-5), (logits - forced).abs().max()
    assert torch.equal(x, again) and not torch.equal(x, other)
    assert torch.allclose(p, torch.sigmoid(logits))


def test_mean_field_rows_are_the_means_of_teacher_forcing_on_them():
    dec = decoder((3, 6, 5))
    z = torch.randn(4, D)
    with torch.no_grad():
        m = dec.mean_field(z)
        assert torch.allclose(torch.sigmoid(dec(z, m)), m, atol=1e-5)
        assert not torch.equal(m, m.round())  # means, not a sample


@pytest.mark.parametrize("shape", [(1, 8, 8), (3, 4, 4)])
def test_a_few_adam_steps_raise_the_log_likelihood_of_a_fixed_batch(shape):
    dec = decoder(shape, hidden=32, layers=1)
    z, x = torch.randn(8, D), binary_images(8, shape, seed=2)
    opt = torch.optim.Adam(dec.parameters(), lr=1e-2)

    def log_px_z() -> torch.Tensor:  # (B,), as the ELBO computes it from out["x_hat"]
        return bernoulli_log_likelihood(x, {"x_hat": dec(z, x)})

    with torch.no_grad():
        before = log_px_z().mean().item()
    for _ in range(60):
        loss = -log_px_z().mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        after = log_px_z().mean().item()
    pixels = x[0].numel()
    assert before < -0.6 * pixels  # about log(1/2) per pixel at the start
    assert after > before + 0.3 * pixels, (before, after)


AR_FLAGS = ["--dataset", "digits", "--decoder", "autoregressive", "--decoder-hidden", "32", "--hidden", "32"]
AR_FLAGS += ["--latent-dim", "4", "--epochs", "1", "--val-size", "100", "--quiet"]


def test_a_vae_with_an_autoregressive_decoder_trains_samples_and_gets_an_nll_from_the_cli(tmp_path, capsys):
    import json

    from vaelab.cli import main

    run = tmp_path / "ar"
    assert main(["train", *AR_FLAGS, "--out", str(run)]) == 0
    assert main(["evaluate", str(run), "--nll-samples", "20", "--nll-images", "50", "--quiet"]) == 0
    result = json.loads(capsys.readouterr().out.split("next: vaelab evaluate")[-1].split("\n", 1)[1])
    assert 0 < result["nll"] <= result["negative_elbo"] + 1.0  # the IWAE bound is no looser than the ELBO (noise)
    assert main(["sample", str(run), "--num", "4", "--out", str(tmp_path / "s.png"), "--quiet"]) == 0
    assert (tmp_path / "s.png").stat().st_size > 100
    assert main(["train", *AR_FLAGS, "--objective", "iwae", "--k", "3", "--out", str(tmp_path / "iwae")]) == 0


def test_an_autoregressive_vae_reads_the_image_it_scores_and_refuses_what_it_cannot_do():
    import dataclasses

    from vaelab.config import from_dict
    from vaelab.errors import ConfigError
    from vaelab.models import ModelConfig, build_model
    from vaelab.training.config import RunConfig

    cfg = ModelConfig(decoder="autoregressive", decoder_hidden=16, hidden=(16,), latent_dim=D)
    torch.manual_seed(0)
    model = build_model(cfg, (1, 8, 8))
    x = binary_images(3, (1, 8, 8))
    changed = x.clone()
    changed[:, :, -2] = 1 - changed[:, :, -2]  # only the second-to-last row differs
    z = torch.randn(3, D)
    same, other = model.decode(z, x), model.decode(z, changed)  # teacher forcing: row r reads the rows above
    assert torch.equal(same[:, :, :-1], other[:, :, :-1]) and not torch.equal(same[:, :, -1], other[:, :, -1])
    assert model.decode(z).shape == (3, 1, 8, 8)  # a code alone: the mean-field picture
    with pytest.raises(ConfigError, match="bernoulli"):
        dataclasses.replace(cfg, likelihood="gaussian")
    with pytest.raises(ConfigError, match="denoise"):
        from_dict(
            RunConfig, {"model": {"decoder": "autoregressive"}, "objective": {"corruption": "masking", "noise": 0.2}}
        )
