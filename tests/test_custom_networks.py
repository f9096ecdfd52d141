"""Your own encoder and decoder: the contract checked on a dummy batch, trained, and restored by load."""

import math

import pytest
import torch
from torch import nn

import vaelab
from vaelab.cli import main
from vaelab.errors import ConfigError
from vaelab.models import build_model
from vaelab.models.config import ModelConfig

SHAPE = (1, 8, 8)
SETTINGS = {"dataset": "digits", "latent_dim": 3, "epochs": 1, "val_size": 100, "quiet": True}


def encoder(features: int = 12) -> nn.Module:
    return nn.Sequential(nn.Flatten(), nn.Linear(64, features), nn.BatchNorm1d(features), nn.ReLU())


def decoder(d: int = 3, shape=SHAPE) -> nn.Module:
    return nn.Sequential(nn.Linear(d, math.prod(shape)), nn.Unflatten(1, shape))


class PairEncoder(nn.Module):
    """A VAE encoder that returns (mu, logvar) itself."""

    def __init__(self, d: int = 3):
        super().__init__()
        self.mu, self.logvar = nn.Linear(64, d), nn.Linear(64, d)

    def forward(self, x):
        h = x.flatten(1)
        return self.mu(h), self.logvar(h)


def custom(kind: str = "vae", **kw) -> ModelConfig:
    return ModelConfig(kind=kind, arch="custom", latent_dim=3, **kw)


@pytest.mark.parametrize("kind, out_dim", [("vae", 6), ("ae", 3)])
def test_features_get_a_linear_layer_to_the_code(kind, out_dim):
    enc = encoder()
    model = build_model(custom(kind), SHAPE, enc, decoder())
    assert model.encoder.net is enc and model.encoder.head.in_features == 12
    assert model.encoder.head.out_features == out_dim and enc.training  # the check left its mode alone
    x = torch.rand(5, *SHAPE)
    mu, logvar = model.encode(x)
    assert mu.shape == (5, 3) and (logvar is None) == (kind == "ae")
    assert model(x)["x_hat"].shape == (5, *SHAPE)


def test_an_encoder_returning_mu_and_logvar_is_used_as_it_is():
    enc = PairEncoder()
    model = build_model(custom(), SHAPE, enc, decoder())
    x = torch.rand(4, *SHAPE)
    mu, logvar = model.encode(x)
    assert model.encoder.head is None and torch.equal(mu, enc.mu(x.flatten(1)))
    assert torch.equal(logvar, enc.logvar(x.flatten(1)))


class Broken(nn.Module):
    def forward(self, x):
        raise RuntimeError("mat1 and mat2 shapes cannot be multiplied")


@pytest.mark.parametrize(
    "kind, enc, dec, message",
    [
        (
            "vae",
            encoder(),
            decoder(shape=(1, 7, 7)),
            r"decoder must map codes \(N, 3\) to images .* \(2, 1, 8, 8\).*"
            r"it gave \(2, 1, 7, 7\)",
        ),
        ("vae", Broken(), decoder(), r"your encoder failed on a dummy batch of shape \(2, 1, 8, 8\): RuntimeError"),
        ("vae", encoder(), Broken(), r"your decoder failed on a dummy batch of shape \(2, 3\)"),
        ("ae", PairEncoder(), decoder(), r"return features \(N, F\), or for a vae the pair"),
        ("vae", PairEncoder(d=4), decoder(), r"each \(N, 3\) with 3 = model.latent_dim"),
        ("vae", encoder(), None, r"model.arch custom takes your own encoder and decoder"),
    ],
    ids=["decoder-shape", "encoder-fails", "decoder-fails", "ae-pair", "pair-size", "no-decoder"],
)
def test_a_broken_contract_fails_in_one_line(kind, enc, dec, message):
    with pytest.raises(ConfigError, match=message) as e:
        build_model(custom(kind), SHAPE, enc, dec)
    assert "\n" not in str(e.value)


def test_networks_of_your_own_train_and_reload(tmp_path, capsys):
    run = vaelab.train(out=tmp_path / "run", encoder=encoder(), decoder=decoder(), **SETTINGS)
    assert run.config.model.arch == "custom" and run.metrics[-1]["epoch"] == 1
    x = run.images("test", 6)
    loaded = vaelab.load(tmp_path / "run", encoder=encoder(), decoder=decoder())
    assert torch.equal(loaded.encode(x)[0], run.encode(x)[0]) and torch.equal(loaded.sample(2), run.sample(2))
    assert loaded.evaluate() == run.evaluate()
    with pytest.raises(ConfigError, match=r"vaelab.load\(RUN, encoder=..., decoder=...\)"):
        vaelab.load(tmp_path / "run")
    with pytest.raises(ConfigError, match="replace the conv networks"):
        vaelab.train(out=tmp_path / "x", arch="conv", encoder=encoder(), decoder=decoder(), **SETTINGS)
    assert main(["evaluate", str(tmp_path / "run")]) == 2  # the CLI keeps its own networks, and says so
    assert "--arch custom takes your own encoder and decoder" in capsys.readouterr().err
