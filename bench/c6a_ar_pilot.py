"""Pilot for C6a's design: does a VAE with the row-GRU autoregressive decoder collapse (KL -> 0) at constant
KL weight 1, and does a linear KL warm-up keep KL above 0? Plus an epoch-time ratio against an MLP decoder.

Seeds >= 1000 only. MNIST, dynamic binarization (x ~ Bern(pixel / 255) per batch), validation on a fixed
binarization of held-out training images (train[50000:]).

    python bench/c6a_ar_pilot.py runs --n-train 10000 --epochs 10 --warmup-frac 0.15 --tag short
    python bench/c6a_ar_pilot.py time

Results (every run's per-epoch terms, the KL every 20 steps, the timing) in bench/results/c6a-ar-pilot.json.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch
from torch import nn

from vaelab.data import load_dataset
from vaelab.evaluation.latent import active_units, kl_per_dimension
from vaelab.models.autoregressive import RowGRUDecoder
from vaelab.models.networks import mlp
from vaelab.objectives.elbo import elbo

torch.set_num_threads(1)
OUT = Path(__file__).resolve().parent / "results" / "c6a-ar-pilot.json"
D, BATCH, LR = 32, 128, 1e-3
VAL = 2000


class PilotVAE(nn.Module):
    """MLP encoder 784-400-2D; decoder "ar" (RowGRUDecoder, teacher-forced on x) or "mlp" (D-400-784)."""

    def __init__(self, decoder: str, hidden: int = 256, layers: int = 1):
        super().__init__()
        self.encoder = mlp([784, 400, 2 * D], "relu")
        self.kind = decoder
        if decoder == "ar":
            self.decoder = RowGRUDecoder(D, (1, 28, 28), hidden=hidden, layers=layers)
        else:
            self.decoder = mlp([D, 400, 784], "relu")

    def forward(self, x):
        mu, logvar = self.encoder(x.flatten(1)).chunk(2, -1)
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        x_hat = self.decoder(z, x) if self.kind == "ar" else self.decoder(z).view(-1, 1, 28, 28)
        return {"mu": mu, "logvar": logvar, "z": z, "x_hat": x_hat}


INPUTS = {"mode": "dynamic"}  # or "continuous": x = pixel / 255, teacher-forced and scored as it is


def binarize(x_uint8, g):
    p = x_uint8.float() / 255
    if INPUTS["mode"] == "continuous":
        return p
    return (torch.rand(p.shape, generator=g) < p).float()


@torch.no_grad()
def evaluate(model, x_val):
    model.eval()
    with torch.random.fork_rng():
        torch.manual_seed(1234)
        terms, mus, lvs = [], [], []
        for i in range(0, len(x_val), 500):
            out = model(x_val[i : i + 500])
            terms.append(elbo(x_val[i : i + 500], out))
            mus.append(out["mu"])
            lvs.append(out["logvar"])
    model.train()
    mu, lv = torch.cat(mus).numpy(), torch.cat(lvs).numpy()
    recon = torch.cat([t["recon"] for t in terms]).mean().item()
    kl = torch.cat([t["kl"] for t in terms]).mean().item()
    kl_d = kl_per_dimension(mu, lv)
    return {
        "val_recon": recon,
        "val_kl": kl,
        "val_neg_elbo": recon + kl,
        "active_units": active_units(mu)["active_units"],
        "dims_kl_over_0.1": int((kl_d > 0.1).sum()),
    }


def weight(t_epochs, total_epochs, warmup_frac):
    if warmup_frac <= 0:
        return 1.0
    return min(1.0, t_epochs / (warmup_frac * total_epochs))


def train_arm(arm, x_train_u8, x_val, epochs, warmup_frac, seed, hidden, layers=1, trace_every=20):
    torch.manual_seed(seed)
    model = PilotVAE("ar", hidden, layers)
    opt = torch.optim.Adam(model.parameters(), lr=LR)
    g = torch.Generator().manual_seed(seed + 1)
    n = len(x_train_u8)
    steps_per_epoch = math.ceil(n / BATCH)
    history, trace = [], []
    step = 0
    for epoch in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(n, generator=g)
        sums = {"recon": 0.0, "kl": 0.0}
        for i in range(0, n, BATCH):
            x = binarize(x_train_u8[perm[i : i + BATCH]], g)
            w = weight(step / steps_per_epoch, epochs, warmup_frac)
            terms = elbo(x, model(x), kl_weight=w)
            opt.zero_grad()
            terms["loss"].mean().backward()
            opt.step()
            r, k = terms["recon"].mean().item(), terms["kl"].mean().item()
            sums["recon"] += r * len(x)
            sums["kl"] += k * len(x)
            if step % trace_every == 0:
                trace.append({"step": step, "epoch": round(step / steps_per_epoch, 3), "w": w, "recon": r, "kl": k})
            step += 1
        row = {
            "epoch": epoch + 1,
            "kl_weight_end": weight(step / steps_per_epoch, epochs, warmup_frac),
            "train_recon": sums["recon"] / n,
            "train_kl": sums["kl"] / n,
            "seconds": time.perf_counter() - t0,
        }
        row.update(evaluate(model, x_val))
        history.append(row)
        print(
            f"{arm:>8} ep {epoch + 1:2d} w={row['kl_weight_end']:.2f} train recon {row['train_recon']:.2f} "
            f"kl {row['train_kl']:.2f} | val recon {row['val_recon']:.2f} kl {row['val_kl']:.2f} "
            f"-elbo {row['val_neg_elbo']:.2f} AU {row['active_units']} ({row['seconds']:.1f}s)",
            flush=True,
        )
    return {"history": history, "trace": trace}


def load():
    ds = load_dataset("mnist")
    x = ds.train_images
    x_val = binarize(x[50000 : 50000 + VAL], torch.Generator().manual_seed(999_999 + 1000))
    return x[:50000], x_val


def save(key, value):
    data = json.loads(OUT.read_text()) if OUT.exists() else {}
    data[key] = value
    OUT.write_text(json.dumps(data, indent=1))


def runs(args):
    x_train, x_val = load()
    x_train = x_train[: args.n_train]
    arms = {k: v for k, v in {"constant": 0.0, "warmup": args.warmup_frac}.items() if k in args.arms.split(",")}
    result = {
        "config": {
            "n_train": len(x_train),
            "epochs": args.epochs,
            "warmup_frac": args.warmup_frac,
            "seed": args.seed,
            "hidden": args.hidden,
            "latent_dim": D,
            "batch": BATCH,
            "lr": LR,
            "val_images": VAL,
            "layers": args.layers,
            "inputs": INPUTS["mode"] + (" (train), fixed binarization (val)" if INPUTS["mode"] == "dynamic" else ""),
        }
    }
    for arm, frac in arms.items():
        result[arm] = train_arm(arm, x_train, x_val, args.epochs, frac, args.seed, args.hidden, args.layers)
        save(f"runs/{args.tag}", result)


def timing(args):
    ds = load_dataset("mnist")
    x_all = ds.train_images  # 60k
    out = {}
    for kind in ("mlp", "ar"):
        torch.manual_seed(args.seed)
        model = PilotVAE(kind, args.hidden)
        opt = torch.optim.Adam(model.parameters(), lr=LR)
        g = torch.Generator().manual_seed(args.seed)
        perm = torch.randperm(len(x_all), generator=g)
        t0 = time.perf_counter()
        for i in range(0, len(x_all), BATCH):
            x = binarize(x_all[perm[i : i + BATCH]], g)
            loss = elbo(x, model(x))["loss"].mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        out[kind] = time.perf_counter() - t0
        print(kind, f"{out[kind]:.1f}s per epoch of 60k", flush=True)
    out["ratio_ar_over_mlp"] = out["ar"] / out["mlp"]
    out["threads"] = torch.get_num_threads()
    out["hidden"] = args.hidden
    save("timing", out)
    print(out)


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("what", choices=["runs", "time"])
    p.add_argument("--n-train", type=int, default=10000)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--warmup-frac", type=float, default=0.15)
    p.add_argument("--seed", type=int, default=1000)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--tag", default="short")
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--inputs", choices=["dynamic", "continuous"], default="dynamic")
    p.add_argument("--arms", default="constant,warmup")
    a = p.parse_args()
    INPUTS["mode"] = a.inputs
    assert a.seed >= 1000
    {"runs": runs, "time": timing}[a.what](a)
