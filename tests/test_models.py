import pytest
import torch

from vaelab.errors import ConfigError
from vaelab.models import VAE, Autoencoder, ModelConfig, build_model

SHAPES = [(1, 28, 28), (3, 32, 32), (1, 64, 64)]


@pytest.mark.parametrize("kind", ["ae", "vae"])
@pytest.mark.parametrize("arch", ["mlp", "conv"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("likelihood", ["bernoulli", "gaussian"])
def test_shapes_through_encode_decode_forward(kind, arch, shape, likelihood):
    cfg = ModelConfig(kind=kind, arch=arch, hidden=(32,), channels=(8, 16), latent_dim=5, likelihood=likelihood)
    model = build_model(cfg, shape)
    x = torch.rand(4, *shape)
    out = model(x)
    assert out["x_hat"].shape == (4, *shape)
    assert out["z"].shape == (4, 5)
    assert model.decode(torch.zeros(3, 5)).shape == (3, *shape)
    if kind == "vae":
        mu, logvar = model.encode(x)
        assert mu.shape == logvar.shape == (4, 5)
    assert ("log_scale" in out) == (likelihood == "gaussian")
    mean = model.mean_image(out["x_hat"])
    assert mean.min() >= 0 and mean.max() <= 1


def test_reparameterize_has_the_right_moments_and_gradients():
    mu = torch.full((200_000, 1), 2.0, requires_grad=True)
    logvar = torch.full((200_000, 1), 2 * torch.log(torch.tensor(0.5)).item(), requires_grad=True)
    torch.manual_seed(0)
    z = VAE.reparameterize(mu, logvar)
    assert abs(z.mean().item() - 2.0) < 0.01
    assert abs(z.std().item() - 0.5) < 0.01
    z.sum().backward()
    assert torch.allclose(mu.grad, torch.ones_like(mu))  # dz/dmu = 1
    assert logvar.grad.abs().sum() > 0  # gradients reach sigma through eps


def test_learned_sigma_is_a_parameter_fixed_sigma_is_not():
    learned = build_model(ModelConfig(likelihood="gaussian", learn_sigma=True, sigma=0.2), (3, 32, 32))
    fixed = build_model(ModelConfig(likelihood="gaussian", sigma=0.2), (3, 32, 32))
    assert any(n.endswith("log_scale") for n, _ in learned.named_parameters())
    assert not any(n.endswith("log_scale") for n, _ in fixed.named_parameters())
    assert torch.allclose(fixed(torch.rand(2, 3, 32, 32))["log_scale"].exp(), torch.tensor(0.2))


def test_code_activation_bounds_the_ae_code():
    model = build_model(ModelConfig(kind="ae", code_activation="sigmoid", latent_dim=6), (1, 28, 28))
    assert isinstance(model, Autoencoder)
    z, logvar = model.encode(torch.randn(8, 1, 28, 28) * 10)
    assert z.min() >= 0 and z.max() <= 1


def test_conv_refuses_sizes_that_do_not_halve():
    with pytest.raises(ConfigError, match="divisible by 8"):
        build_model(ModelConfig(arch="conv", channels=(8, 8, 8)), (1, 28, 28))


def test_models_hold_no_loss():
    """Objectives are separate: forward returns tensors only."""
    out = build_model(ModelConfig(), (1, 28, 28))(torch.rand(2, 1, 28, 28))
    assert set(out) == {"mu", "logvar", "z", "x_hat"}


def test_burgess_dsprites_network_has_the_papers_layers():
    """Burgess et al. 2018 (and Higgins et al. 2017) on 64x64 dSprites: four 4x4 stride-2 convolutions of 32
    channels, two fully connected layers of 256, 10 latents; the decoder mirrors it."""
    cfg = ModelConfig(arch="conv", channels=(32, 32, 32, 32), hidden=(256, 256), latent_dim=10)
    model = build_model(cfg, (1, 64, 64))
    conv = lambda c_in, c_out: c_in * c_out * 16 + c_out  # noqa: E731  4x4 kernel + bias
    dense = lambda n_in, n_out: n_in * n_out + n_out  # noqa: E731
    encoder = conv(1, 32) + 3 * conv(32, 32) + dense(32 * 4 * 4, 256) + dense(256, 256) + dense(256, 2 * 10)
    decoder = dense(10, 256) + dense(256, 256) + dense(256, 32 * 4 * 4) + 3 * conv(32, 32) + conv(32, 1)
    assert sum(p.numel() for p in model.encoder.parameters()) == encoder
    assert sum(p.numel() for p in model.decoder.parameters()) == decoder
    strided = [m for m in model.encoder.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [(m.kernel_size, m.stride) for m in strided] == [((4, 4), (2, 2))] * 4
    assert model(torch.rand(2, 1, 64, 64))["x_hat"].shape == (2, 1, 64, 64)
