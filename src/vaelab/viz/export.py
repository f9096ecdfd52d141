"""Export an MLP decoder's weights for the report's in-browser latent explorer.

Weights are quantized to int8 with one scale per output unit (w ~= q * scale, |error| <= scale / 2)
and base64-encoded, so a 2-256-512-784 decoder fits in about 0.7 MB of JavaScript. The file sets
`window.VAELAB_EXPLORER[name]` and is loaded by a plain <script> tag (works from file://, no server).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import torch
from torch import nn

from vaelab.errors import ConfigError

JS_ACTIVATIONS = {nn.ReLU: "relu", nn.Tanh: "tanh", nn.ELU: "elu", nn.LeakyReLU: "leaky_relu"}


def quantize_rows(w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 quantization per row: (q int8 (O, I), scale float32 (O,))."""
    scale = np.abs(w).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.round(w / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def mlp_decoder_layers(decoder: nn.Module) -> list[dict]:
    """The Linear layers of an MLP decoder, each with the activation that follows it ("none" for the last)."""
    net = getattr(decoder, "net", None)
    if not isinstance(net, nn.Sequential):
        raise ConfigError("the latent explorer runs MLP decoders only (model.arch mlp)")
    layers: list[dict] = []
    for module in net:
        if isinstance(module, nn.Linear):
            w = module.weight.detach().cpu().float().numpy()
            q, scale = quantize_rows(w)
            layers.append(
                {
                    "in": w.shape[1],
                    "out": w.shape[0],
                    "act": "none",
                    "q": base64.b64encode(q.tobytes()).decode("ascii"),
                    "scale": base64.b64encode(scale.tobytes()).decode("ascii"),
                    "bias": base64.b64encode(module.bias.detach().cpu().float().numpy().tobytes()).decode("ascii"),
                }
            )
        elif type(module) in JS_ACTIVATIONS and layers:
            layers[-1]["act"] = JS_ACTIVATIONS[type(module)]
    return layers


def export_decoder(path: str | Path, name: str, model: nn.Module, extra: dict | None = None) -> Path:
    """Write a JS file registering `name`: layers, image shape, output transform and `extra` data."""
    cfg = model.config
    payload = {
        "layers": mlp_decoder_layers(model.decoder),
        "shape": list(model.image_shape),
        "output": "sigmoid" if cfg.likelihood == "bernoulli" else "clamp",
        "latent_dim": cfg.latent_dim,
        **(extra or {}),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = (
        "window.VAELAB_EXPLORER = window.VAELAB_EXPLORER || {};\n"
        f"window.VAELAB_EXPLORER[{json.dumps(name)}] = {json.dumps(payload, separators=(',', ':'))};\n"
    )
    path.write_text(text)
    return path


@torch.no_grad()
def reference_decode(model: nn.Module, layers: list[dict], z: np.ndarray) -> np.ndarray:
    """What the JavaScript computes, in numpy (for tests): the quantized decoder's output means."""
    h = np.asarray(z, dtype=np.float32)
    for layer in layers:
        q = np.frombuffer(base64.b64decode(layer["q"]), dtype=np.int8).reshape(layer["out"], layer["in"])
        scale = np.frombuffer(base64.b64decode(layer["scale"]), dtype=np.float32)
        bias = np.frombuffer(base64.b64decode(layer["bias"]), dtype=np.float32)
        h = (h @ q.T.astype(np.float32)) * scale + bias
        h = {
            "relu": lambda a: np.maximum(a, 0),
            "tanh": np.tanh,
            "none": lambda a: a,
            "elu": lambda a: np.where(a > 0, a, np.exp(a) - 1),
            "leaky_relu": lambda a: np.where(a > 0, a, 0.01 * a),
        }[layer["act"]](h)
    return 1 / (1 + np.exp(-h)) if model.config.likelihood == "bernoulli" else np.clip(h, 0, 1)
