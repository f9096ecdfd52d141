"""Seconds per MNIST epoch for the PyTorch examples' VAE (784-400-20, batch 128, Adam 1e-3, Bernoulli).

One run, same machine, same data, three ways:
  vaelab     `vaelab.training.fit` on the in-memory batches (60,000 images, no validation split)
  floor      forward + backward + Adam step only, on batches made beforehand (default and fused Adam)
  examples   a faithful copy of pytorch/examples' input pipeline: a DataLoader over a Dataset that
             converts one image per __getitem__ (as torchvision's MNIST with ToTensor does)
Targets (issue 2): vaelab within 1.10x of the fused floor, and at least 2x faster than examples.

    python bench/train_speed.py [--epochs 3]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import print_table, summary, timed, write_result  # noqa: E402
from vaelab.data import load_dataset  # noqa: E402
from vaelab.data.batches import Batches  # noqa: E402
from vaelab.models import ModelConfig, build_model  # noqa: E402
from vaelab.objectives import ObjectiveConfig, make_objective  # noqa: E402
from vaelab.training.config import TrainConfig  # noqa: E402
from vaelab.training.trainer import fit  # noqa: E402


class ExamplesVAE(nn.Module):
    """The network of pytorch/examples vae/main.py, re-typed from its description."""

    def __init__(self):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, 400), nn.Linear(400, 20), nn.Linear(400, 20)
        self.fc3, self.fc4 = nn.Linear(20, 400), nn.Linear(400, 784)

    def encode(self, x):
        h = F.relu(self.fc1(x.view(-1, 784)))  # (B, 1, 28, 28) -> (B, 400)
        return self.fc21(h), self.fc22(h)  # mu, logvar: (B, 20) each

    def decode(self, z):
        return self.fc4(F.relu(self.fc3(z)))  # (B, 20) -> (B, 784) Bernoulli logits

    def forward(self, x):
        mu, logvar = self.encode(x)
        z = mu + torch.randn_like(mu) * torch.exp(0.5 * logvar)
        return self.decode(z), mu, logvar


def seeded_examples_vae(seed: int = 0) -> ExamplesVAE:
    """The same initial weights for every contender built on this network."""
    torch.manual_seed(seed)
    return ExamplesVAE()


def examples_loss(logits, x, mu, logvar):
    bce = F.binary_cross_entropy_with_logits(logits, x.view(-1, 784), reduction="sum")
    return bce - 0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())


class OneImageAtATime(torch.utils.data.Dataset):
    """What torchvision.datasets.MNIST + transforms.ToTensor do per item: uint8 -> PIL image -> float tensor."""

    def __init__(self, images, labels):
        self.images, self.labels = images[:, 0], labels  # (N, 28, 28) uint8

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        img = Image.fromarray(self.images[i].numpy(), mode="L")
        pixels = torch.from_numpy(np.array(img, np.uint8, copy=True))  # ToTensor: HWC bytes -> CHW float / 255
        x = pixels.view(img.size[1], img.size[0], 1).permute(2, 0, 1).contiguous().to(torch.float32).div(255)
        return x, int(self.labels[i])


def floor_epoch(model, batches, fused: bool):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused)

    def run():
        for x in batches:
            logits, mu, logvar = model(x)
            loss = examples_loss(logits, x, mu, logvar)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    return run


def floor_seconds(epochs: int = 3) -> list[float]:
    """Seconds per epoch of the fused-Adam floor on MNIST: the unit in which other benches state their cost
    (this VM's speed drifts 1.6x between days, so wall seconds alone compare nothing across sessions)."""
    ds = load_dataset("mnist")
    premade = list(Batches(ds.train_images, 128, seed=0).epoch(0))
    return timed(floor_epoch(seeded_examples_vae(), premade, fused=True), epochs)


def examples_epoch(model, images, labels):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = torch.utils.data.DataLoader(OneImageAtATime(images, labels), batch_size=128, shuffle=True)

    def run():
        for x, _ in loader:
            logits, mu, logvar = model(x)
            loss = examples_loss(logits, x, mu, logvar)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()

    return run


def vaelab_epoch(ds):
    """One epoch of vaelab's own loop (`fit`), timed by fit itself (training steps only)."""
    torch.manual_seed(0)
    model = build_model(ModelConfig(hidden=(400,), latent_dim=20), ds.image_shape)
    objective = make_objective(ObjectiveConfig(), "vae", "bernoulli", 1, 60_000)
    train = Batches(ds.train_images, 128, seed=0)
    return lambda: fit(model, objective, train, None, TrainConfig(epochs=1, batch_size=128), quiet=True)[0]["seconds"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs timed per contender, interleaved (default 5)")
    args = parser.parse_args()
    ds = load_dataset("mnist")
    premade = list(Batches(ds.train_images, 128, seed=0).epoch(0))
    contenders = {
        "vaelab": vaelab_epoch(ds),
        "floor (fused Adam)": floor_epoch(seeded_examples_vae(), premade, fused=True),
        "floor (default Adam)": floor_epoch(seeded_examples_vae(), premade, fused=False),
        "examples-style DataLoader": examples_epoch(seeded_examples_vae(), ds.train_images, ds.train_labels),
    }
    times = {name: [] for name in contenders}
    for _ in range(args.epochs):  # interleaved, so a slow spell of the machine hits every contender alike
        for name, run in contenders.items():
            if name == "vaelab":
                times[name].append(run())
            else:
                times[name] += timed(run, 1)
    results = {name: summary(t) for name, t in times.items()}
    fused = results["floor (fused Adam)"]["median"]
    # Ratios use medians of the interleaved repeats.
    rows = [[name, r["min"], r["median"], r["median"] / fused] for name, r in results.items()]
    print(f"MNIST epoch, 784-400-20 VAE, batch 128, {torch.get_num_threads()} threads, torch {torch.__version__}")
    print_table(["pipeline", "s/epoch min", "s/epoch median", "x fused floor"], rows)
    speedup = results["examples-style DataLoader"]["median"] / results["vaelab"]["median"]
    ratio = results["vaelab"]["median"] / fused
    print(f"\nvaelab / fused floor = {ratio:.3f} (target <= 1.10); examples / vaelab = {speedup:.2f}x (target >= 2)")
    path = write_result(
        "train_speed",
        {"epochs": args.epochs, "results": results, "vaelab_over_fused_floor": ratio, "examples_over_vaelab": speedup},
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
