"""vaelab against its peers: seconds per MNIST epoch and test -ELBO, same data, same network, one run.

The network is the PyTorch examples' VAE: 784-400-20 MLP, ReLU, Bernoulli decoder, batch 128, Adam lr 1e-3,
continuous pixels in [0, 1]; every contender starts from the same weights except vaelab, whose encoder is
one Linear(400, 40) split into mu and logvar (same sizes, its own initialisation).

  vaelab     `vaelab.training.fit` on in-memory batches; one fit call per epoch, each resuming the last
             checkpoint, so the calls train exactly as one N-epoch run. Time: fit's own (training steps).
             Twice: in fp32 (the default) and with `--precision bf16` (autocast; weights, optimizer and
             the loss's sums stay fp32); the targets are checked for each.
  pythae     pythae 0.1.2's `VAE` (reconstruction_loss="bce", decoder ending in a sigmoid) trained by its
             `TrainingPipeline` on all the training images and no eval data, like vaelab here (its README
             passes eval data, which adds an eval pass per epoch). Time: its training loop, from the start
             of `train_step` to its last batch (its progress bar and per-step loss.item() included).
  examples   pytorch/examples' pipeline: a DataLoader converting one image per __getitem__ (train_speed.py)
  floor      forward + backward + Adam step on batches made beforehand (the same batches every epoch)

pythae's pipeline owns its epoch loop, so the others take their turn from a pythae callback at the end of
each pythae epoch: a slow spell of the machine hits every contender alike. The global torch RNG is shared
(vaelab restores its own from its checkpoint), so the others' draws depend on this order.

Test loss, the same function for all: -ELBO in nats per image on the MNIST test images, one z ~ q(z|x)
per image from a generator seeded with EVAL_SEED, Bernoulli log-likelihood from the decoder's logits.

    python bench/peers.py [--epochs 5] [--threads 0] [--pythae-fused-adam] [--smoke]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SMOKE_OUT, print_table, summary, timed, write_result  # noqa: E402
from train_speed import examples_epoch, floor_epoch, seeded_examples_vae  # noqa: E402
from vaelab.data import load_dataset  # noqa: E402
from vaelab.data.batches import Batches  # noqa: E402
from vaelab.models import ModelConfig, build_model  # noqa: E402
from vaelab.objectives import ObjectiveConfig, make_objective  # noqa: E402
from vaelab.training.config import TrainConfig  # noqa: E402
from vaelab.training.trainer import fit  # noqa: E402
from vaelab.training.validate import EVAL_SEED, mean_terms  # noqa: E402

try:
    from pythae.models import VAE, VAEConfig
    from pythae.models.base.base_utils import ModelOutput
    from pythae.models.nn import BaseDecoder, BaseEncoder
    from pythae.pipelines import TrainingPipeline
    from pythae.trainers import BaseTrainerConfig
    from pythae.trainers.training_callbacks import TrainingCallback
except ImportError as e:
    raise SystemExit(f"bench/peers.py needs pythae ({e}): pip install -e '.[bench]', or run make bench") from None

BATCH_SIZE, LR, HIDDEN, LATENT = 128, 1e-3, 400, 20  # the pytorch/examples VAE
SMOKE = {"train": 2_000, "test": 2_000, "epochs": 1, "threads": 1}  # --smoke: a check that it runs, not a result
FLOOR_FUSED, FLOOR_DEFAULT, EXAMPLES = "floor (fused Adam)", "floor (default Adam)", "examples-style DataLoader"
VAELAB_BF16 = "vaelab --precision bf16"  # bf16 matrix products (AVX512-BF16 here), fp32 weights and optimizer
TARGET_SECONDS = 2.0  # vaelab's median s/epoch at most this
TARGET_OVER_PYTHAE = 1.5  # pythae's median s/epoch over vaelab's at least this ...
TARGET_LOSS_GAP = 1.0  # ... with test -ELBOs at most this many nats apart
TARGET_OVER_EXAMPLES = 2.5  # the examples pipeline's median s/epoch over vaelab's at least this


@torch.no_grad()
def test_negative_elbo(encode, decode_logits, images: torch.Tensor, seed: int = EVAL_SEED) -> float:
    """-ELBO = -log Bern(x; sigmoid(logits(z))) + KL(q(z|x) || N(0, I)), z ~ q(z|x), in nats per image.

    KL = -1/2 * sum(1 + logvar - mu^2 - exp(logvar))   (Kingma & Welling 2014, appendix B)
    `encode`: (B, 1, 28, 28) -> mu, logvar (B, 20); `decode_logits`: (B, 20) -> logits of any (B, ...) shape.
    """
    generator = torch.Generator().manual_seed(seed)
    total = 0.0
    for x in images.split(1000):
        x = x.float().div(255)  # (B, 1, 28, 28) uint8 -> float in [0, 1]
        mu, logvar = encode(x)
        z = mu + torch.exp(0.5 * logvar) * torch.randn(mu.shape, generator=generator)
        logits = decode_logits(z).reshape(len(x), -1)  # (B, 784)
        recon = F.binary_cross_entropy_with_logits(logits, x.reshape(len(x), -1), reduction="none").sum(-1)
        kl = -0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(-1)
        total += float((recon + kl).double().sum())
    return total / len(images)


class VaelabRun:
    """vaelab's `fit`, one epoch per call; a call returns fit's own seconds for the epoch."""

    def __init__(self, images: torch.Tensor, run_dir: Path, precision: str = "fp32"):
        torch.manual_seed(0)
        self.precision = precision
        self.model = build_model(ModelConfig(hidden=(HIDDEN,), latent_dim=LATENT), tuple(images.shape[1:]))
        self.objective = make_objective(ObjectiveConfig(), "vae", "bernoulli", 1, 60_000)
        self.train = Batches(images, BATCH_SIZE, seed=0)
        self.run_dir = run_dir  # fit's checkpoint and metrics.jsonl
        run_dir.mkdir(parents=True, exist_ok=True)
        self.epochs = 0
        self.call_seconds: list[float] = []  # whole fit calls: + optimizer build, checkpoint restore and save

    def __call__(self) -> float:
        started = time.perf_counter()
        self.epochs += 1
        cfg = TrainConfig(epochs=self.epochs, batch_size=BATCH_SIZE, lr=LR, precision=self.precision)
        records = fit(
            self.model, self.objective, self.train, None, cfg, self.run_dir, quiet=True, resume=self.epochs > 1
        )
        self.call_seconds.append(time.perf_counter() - started)
        return records[-1]["seconds"]


class PythaeEncoder(BaseEncoder):
    """q(z|x) with the examples network's layers, returned as pythae's VAE reads it."""

    def __init__(self, net):
        super().__init__()
        self.fc1, self.fc21, self.fc22 = net.fc1, net.fc21, net.fc22

    def mu_logvar(self, x):
        h = F.relu(self.fc1(x.reshape(-1, 784)))  # (B, 1, 28, 28) -> (B, 400)
        return self.fc21(h), self.fc22(h)  # (B, 20) each

    def forward(self, x):
        mu, logvar = self.mu_logvar(x)
        return ModelOutput(embedding=mu, log_covariance=logvar)


class PythaeDecoder(BaseDecoder):
    """p(x|z) with the examples network's layers; pythae's "bce" loss wants probabilities, so a sigmoid ends it."""

    def __init__(self, net):
        super().__init__()
        self.fc3, self.fc4 = net.fc3, net.fc4

    def logits(self, z):
        return self.fc4(F.relu(self.fc3(z)))  # (B, 20) -> (B, 784)

    def forward(self, z):
        return ModelOutput(reconstruction=torch.sigmoid(self.logits(z)).view(-1, 1, 28, 28))


class Interleave(TrainingCallback):
    """Times each pythae epoch, then runs one epoch of every other contender (each returns its seconds)."""

    def __init__(self, others: dict, times: dict[str, list[float]]):
        self.others, self.times = others, times
        self.epoch_seconds: list[float] = []  # pythae's whole epoch: the loop + its best-model deepcopy
        self.others_seconds = 0.0  # spent here, to subtract from the pipeline's wall time
        self.epoch_started = self.loop_started = self.loop_ended = 0.0

    def on_epoch_begin(self, training_config, **kwargs):
        self.epoch_started = time.perf_counter()

    def on_train_step_begin(self, training_config, **kwargs):  # once per epoch, before the first batch
        self.loop_started = time.perf_counter()

    def on_train_step_end(self, training_config, **kwargs):  # after every batch
        self.loop_ended = time.perf_counter()

    def on_epoch_end(self, training_config, **kwargs):
        now = time.perf_counter()
        self.times["pythae"].append(self.loop_ended - self.loop_started)
        self.epoch_seconds.append(now - self.epoch_started)
        for name, run in self.others.items():
            self.times[name].append(run())
        self.others_seconds += time.perf_counter() - now


def pythae_pipeline(net, epochs: int, out_dir: Path, fused_adam: bool) -> TrainingPipeline:
    model_config = VAEConfig(input_dim=(1, 28, 28), latent_dim=LATENT, reconstruction_loss="bce")
    model = VAE(model_config, encoder=PythaeEncoder(net), decoder=PythaeDecoder(net))
    config = BaseTrainerConfig(
        output_dir=str(out_dir),
        num_epochs=epochs,
        learning_rate=LR,
        per_device_train_batch_size=BATCH_SIZE,
        per_device_eval_batch_size=BATCH_SIZE,
        optimizer_cls="Adam",
        optimizer_params={"fused": True} if fused_adam else None,
        seed=0,
        no_cuda=True,
    )
    return TrainingPipeline(model=model, training_config=config)


def seconds_of(run):
    return lambda: timed(run, 1)[0]


def train_interleaved(train_images, train_labels, epochs: int, out_dir: Path, pythae_fused_adam: bool):
    """Train every contender for `epochs` epochs, interleaved. Returns each one's epoch seconds, its trained
    (encode, decode_logits) for `test_negative_elbo`, the walls that include each trainer's own per-epoch
    extras, and the vaelab run."""
    premade = list(Batches(train_images, BATCH_SIZE, seed=0).epoch(0))
    vaelab = VaelabRun(train_images, out_dir / "vaelab")
    bf16 = VaelabRun(train_images, out_dir / "vaelab-bf16", precision="bf16")
    nets = {name: seeded_examples_vae() for name in (FLOOR_FUSED, FLOOR_DEFAULT, EXAMPLES)}
    others = {
        "vaelab": vaelab,
        VAELAB_BF16: bf16,
        FLOOR_FUSED: seconds_of(floor_epoch(nets[FLOOR_FUSED], premade, fused=True)),
        FLOOR_DEFAULT: seconds_of(floor_epoch(nets[FLOOR_DEFAULT], premade, fused=False)),
        EXAMPLES: seconds_of(examples_epoch(nets[EXAMPLES], train_images, train_labels)),
    }
    times = {name: [] for name in ("pythae", *others)}
    interleave = Interleave(others, times)
    pipeline = pythae_pipeline(seeded_examples_vae(), epochs, out_dir / "pythae", pythae_fused_adam)
    started = time.perf_counter()
    pipeline(train_data=train_images.float().div(255), callbacks=[interleave])  # pythae takes floats in [0, 1]
    pythae_wall = time.perf_counter() - started - interleave.others_seconds
    extras = {
        "vaelab fit call (+ optimizer build, checkpoint restore and save)": summary(vaelab.call_seconds),
        "pythae epoch (+ best-model deepcopy)": summary(interleave.epoch_seconds),
        "pythae pipeline(...) wall / epochs (+ data check, sanity pass, final save)": summary([pythae_wall / epochs]),
    }
    vaelab.model.eval()
    bf16.model.eval()  # evaluated in fp32 like the rest: autocast only ran the training steps in bf16
    pythae = pipeline.model.eval()  # the last epoch's weights (pythae also keeps a best-on-train copy)
    coders = {
        "vaelab": (vaelab.model.encode, vaelab.model.decode),
        VAELAB_BF16: (bf16.model.encode, bf16.model.decode),
        "pythae": (pythae.encoder.mu_logvar, pythae.decoder.logits),
        **{name: (net.encode, net.decode) for name, net in nets.items()},
    }
    return times, coders, extras, vaelab


def check_targets(results: dict, vaelab: str = "vaelab") -> dict:
    """The issue's targets for the row `vaelab`, on medians; the pythae target is two rows: speed, and test
    loss within 1 nat."""
    base = results[vaelab]["median"]
    values = {
        "vaelab s/epoch": (base, TARGET_SECONDS, "<="),
        "pythae / vaelab": (results["pythae"]["median"] / base, TARGET_OVER_PYTHAE, ">="),
        "|test -ELBO vaelab - pythae|": (
            abs(results[vaelab]["test_negative_elbo"] - results["pythae"]["test_negative_elbo"]),
            TARGET_LOSS_GAP,
            "<=",
        ),
        "examples / vaelab": (results[EXAMPLES]["median"] / base, TARGET_OVER_EXAMPLES, ">="),
    }
    return {
        name: {"value": v, "target": f"{op} {t}", "pass": v <= t if op == "<=" else v >= t}
        for name, (v, t, op) in values.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="epochs per contender, interleaved (default 5)")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--pythae-fused-adam", action="store_true", help="give pythae fused Adam, as vaelab uses")
    parser.add_argument("--smoke", action="store_true", help=f"a quick check that it runs: {SMOKE}")
    args = parser.parse_args()
    epochs, threads = (SMOKE["epochs"], SMOKE["threads"]) if args.smoke else (args.epochs, args.threads)
    if threads:
        torch.set_num_threads(threads)
    ds = load_dataset("mnist")
    n_train, n_test = (SMOKE["train"], SMOKE["test"]) if args.smoke else (len(ds.train_images), len(ds.test_images))
    test_images = ds.test_images[:n_test]  # (N, 1, 28, 28) uint8
    with tempfile.TemporaryDirectory() as tmp:
        times, coders, extras, vaelab = train_interleaved(
            ds.train_images[:n_train], ds.train_labels[:n_train], epochs, Path(tmp), args.pythae_fused_adam
        )
    results = {name: summary(t) for name, t in times.items()}
    for name, r in results.items():
        r["test_negative_elbo"] = test_negative_elbo(*coders[name], test_images)
        r["median_over_vaelab"] = r["median"] / results["vaelab"]["median"]
    # A check on test_negative_elbo: vaelab's own evaluation (same seed, same batches of 1000) should agree.
    vaelab_own = -mean_terms(vaelab.model, vaelab.objective, Batches(test_images, 1000, shuffle=False))["elbo"]

    pythae_adam = "fused" if args.pythae_fused_adam else "default"
    print(
        f"\nMNIST 784-400-20 VAE, batch {BATCH_SIZE}, Adam lr {LR}, {torch.get_num_threads()} threads, epochs: {epochs}"
    )
    print(f"{n_train:,} training / {n_test:,} test images; torch {torch.__version__}, ", end="")
    print(f"pythae {version('pythae')} with {pythae_adam} Adam")
    headers = ["contender", "s/epoch min", "s/epoch median", f"test -ELBO after {epochs}", "x vaelab"]
    keys = ["min", "median", "test_negative_elbo", "median_over_vaelab"]
    order = ["vaelab", VAELAB_BF16, "pythae", EXAMPLES, FLOOR_FUSED, FLOOR_DEFAULT]
    print_table(headers, [[name, *(results[name][k] for k in keys)] for name in order])
    print("\nper-epoch wall including each trainer's own extras")
    print_table(["what", "s min", "s median"], [[k, v["min"], v["median"]] for k, v in extras.items()])
    shared = results["vaelab"]["test_negative_elbo"]
    print(f"vaelab's own mean_terms test -ELBO: {vaelab_own:.3f} (the shared test_negative_elbo: {shared:.3f})")
    targets = {row: check_targets(results, row) for row in ("vaelab", VAELAB_BF16)}
    smoke = " (smoke run: the targets are about full MNIST)" if args.smoke else ""
    for row, checks in targets.items():
        print(f"\ntargets for {row}, on medians{smoke}")
        for name, t in checks.items():
            print(f"  {name} = {t['value']:.3f}  (target {t['target']})  {'PASS' if t['pass'] else 'FAIL'}")

    settings = {"epochs": epochs, "train_images": n_train, "test_images": n_test, "batch_size": BATCH_SIZE, "lr": LR}
    settings.update(threads=torch.get_num_threads(), smoke=args.smoke, pythae_adam=pythae_adam, eval_seed=EVAL_SEED)
    payload = {"settings": settings, "versions": {"pythae": version("pythae")}, "results": results, "extras": extras}
    payload.update(vaelab_own_test_negative_elbo=vaelab_own, targets=targets)
    path = write_result("peers-smoke", payload, SMOKE_OUT) if args.smoke else write_result("peers", payload)
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
