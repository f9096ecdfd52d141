"""A small classifier trained on the same dataset, whose features stand in for Inception's.

No pretrained Inception weights can be had offline, and Inception's ImageNet features are a poor fit for
28x28 digits anyway; a small convnet trained on the dataset itself gives features for a Frechet distance
and confidences for prior samples. Its test accuracy is reported beside every score that uses it.
It is cached as safetensors + JSON, keyed by the dataset and the training settings.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save
from torch import nn

from vaelab.atomic import atomic_write_bytes, atomic_write_text, locked
from vaelab.data.dataset import ImageDataset

CLASSIFIER_LR = 1e-3  # Adam, for the small feature classifier (a few epochs)


class SmallConvNet(nn.Module):
    """conv 32 - pool - conv 64 - pool - fc 128 (the features) - fc classes."""

    def __init__(self, image_shape: tuple[int, int, int], classes: int = 10, width: int = 128):
        super().__init__()
        c, h, w = image_shape
        self.conv = nn.Sequential(
            nn.Conv2d(c, 32, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.fc = nn.Sequential(nn.Flatten(), nn.Linear(64 * (h // 4) * (w // 4), width), nn.ReLU())
        self.head = nn.Linear(width, classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.conv(x))  # (B, C, H, W) -> (B, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


@dataclass
class FeatureClassifier:
    net: SmallConvNet
    test_accuracy: float
    device: torch.device

    @torch.no_grad()
    def _batched(self, images, fn) -> np.ndarray:
        x = torch.as_tensor(images).float()
        self.net.eval()
        return torch.cat([fn(x[i : i + 1000].to(self.device)).cpu() for i in range(0, len(x), 1000)]).numpy()

    def features(self, images) -> np.ndarray:
        """Penultimate activations (N, 128) of images (N, C, H, W) in [0, 1]."""
        return self._batched(images, self.net.features)

    def predict_proba(self, images) -> np.ndarray:
        return self._batched(images, lambda x: F.softmax(self.net(x), dim=1))


def train_classifier(
    ds: ImageDataset,
    device: torch.device,
    epochs: int = 2,
    limit: int | None = None,
    seed: int = 0,
    batch_size: int = 128,
) -> FeatureClassifier:
    """Train the convnet on the dataset's training images (the first `limit`), score it on the test set."""
    torch.manual_seed(seed)
    x = ds.train_images[:limit] if limit else ds.train_images
    y = ds.train_labels[:limit] if limit else ds.train_labels
    net = SmallConvNet(ds.image_shape, classes=int(ds.train_labels.max()) + 1).to(device)
    opt = torch.optim.Adam(net.parameters(), lr=CLASSIFIER_LR)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=g)
        for i in range(0, len(x), batch_size):
            idx = order[i : i + batch_size]
            xb = x[idx].to(device).float().div_(255)
            loss = F.cross_entropy(net(xb), y[idx].to(device))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    clf = FeatureClassifier(net, 0.0, device)
    pred = clf.predict_proba(ds.test_images.float() / 255).argmax(1)
    clf.test_accuracy = float((pred == ds.test_labels.numpy()).mean())
    return clf


def classifier_for(
    ds: ImageDataset, device: torch.device, cache_root: str | Path, epochs: int = 2, limit: int | None = None
) -> FeatureClassifier:
    """The cached classifier for this dataset and these settings, trained on first use. Processes asking for
    the same one at once take turns (a lock file beside it): the first trains it, the others read it."""
    key = hashlib.sha256(json.dumps([ds.name, list(ds.image_shape), len(ds.train_images), epochs, limit]).encode())
    stem = Path(cache_root) / "classifiers" / f"{ds.name}-{key.hexdigest()[:10]}"
    weights, info = stem.with_suffix(".safetensors"), stem.with_suffix(".json")
    stem.parent.mkdir(parents=True, exist_ok=True)
    with locked(stem.with_suffix(".lock")):
        net = SmallConvNet(ds.image_shape, classes=int(ds.train_labels.max()) + 1)
        if weights.exists() and info.exists():
            try:
                net.load_state_dict(load_file(weights))
                return FeatureClassifier(net.to(device), json.loads(info.read_text())["test_accuracy"], device)
            except (OSError, KeyError, ValueError, RuntimeError):
                pass  # unreadable or stale: train again
        clf = train_classifier(ds, device, epochs, limit)
        atomic_write_bytes(weights, save({k: v.detach().cpu().contiguous() for k, v in clf.net.state_dict().items()}))
        record = {"dataset": ds.name, "epochs": epochs, "limit": limit, "test_accuracy": clf.test_accuracy}
        atomic_write_text(info, json.dumps(record) + "\n")
        return clf
