"""Which network a run builds."""

from __future__ import annotations

from dataclasses import dataclass

from vaelab.config import check_choices, check_range, option
from vaelab.errors import ConfigError

KINDS = ("ae", "vae")
ARCHS = ("mlp", "conv", "custom")
ACTIVATIONS = ("relu", "tanh", "elu", "leaky_relu")
LIKELIHOODS = ("bernoulli", "gaussian")
CODE_ACTIVATIONS = ("none", "relu", "sigmoid")
DECODERS = ("factorised", "autoregressive")
DECODER_HELP = (
    "p(x|z): factorised (the pixels independent given z: the mlp or conv decoder) or autoregressive (a GRU over "
    "the image's rows, z fed at every step, strong enough to model x without z; bernoulli only)"
)


@dataclass(frozen=True)
class ModelConfig:
    kind: str = option("vae", "autoencoder (ae) or variational autoencoder (vae)", choices=KINDS, flag="model")
    arch: str = option(
        "mlp",
        "fully connected (mlp) or convolutional (conv) encoder/decoder, or your own (custom: from Python, "
        "vaelab.train(encoder=..., decoder=...))",
        choices=ARCHS,
    )
    hidden: tuple[int, ...] = option((400,), "hidden layer widths of the MLP part, encoder order")
    latent_dim: int = option(20, "size of the latent code z")
    channels: tuple[int, ...] = option(
        (32, 64), "conv arch: output channels of each stride-2 conv layer (image size must divide by 2^layers)"
    )
    activation: str = option("relu", "hidden-layer nonlinearity", choices=ACTIVATIONS)
    likelihood: str = option(
        "bernoulli", "decoder likelihood p(x|z): bernoulli (logits) or gaussian (mean)", choices=LIKELIHOODS
    )
    sigma: float = option(0.1, "gaussian likelihood: the decoder's standard deviation (initial value if learned)")
    learn_sigma: bool = option(False, "gaussian likelihood: learn one standard deviation per channel")
    code_activation: str = option(
        "none",
        "ae only: nonlinearity on the code (relu for L1 sparsity, sigmoid for a target rate)",
        choices=CODE_ACTIVATIONS,
    )

    decoder: str = option("factorised", DECODER_HELP, choices=DECODERS)
    decoder_hidden: int = option(256, "autoregressive decoder: the GRU's width")

    def __post_init__(self) -> None:
        check_choices(self, "model")
        check_range("model.decoder_hidden", self.decoder_hidden, 1, 65536)
        if self.decoder == "autoregressive" and (self.likelihood != "bernoulli" or self.arch == "custom"):
            raise ConfigError(
                "model.decoder autoregressive models Bernoulli pixels with its own network: set model.likelihood "
                "bernoulli and model.arch mlp or conv (the encoder's)"
            )
        check_range("model.latent_dim", self.latent_dim, 1, 4096)
        check_range("model.sigma", self.sigma, 0, 100, low_open=True)
        for width in self.hidden:
            check_range("model.hidden (each width)", width, 1, 65536)
        for width in self.channels:
            check_range("model.channels (each)", width, 1, 4096)
        if self.arch == "conv" and not self.channels:
            raise ConfigError("model.channels must name at least one layer for the conv arch")
        if self.kind == "vae" and self.code_activation != "none":
            raise ConfigError("model.code_activation applies to the ae only; the vae's code is Gaussian (use none)")
