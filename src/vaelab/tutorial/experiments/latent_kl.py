"""The latent-kl experiment: the same VAE trained with the KL term (beta = 1) and without it (beta = 0).

The arms differ only in beta: same network, data order and initialisation per seed. Claims C1 (the KL
term pulls the aggregate posterior towards the prior), C2 (only with it do prior samples look like
data) and C3 (t-SNE of the codes differs; described with neighbour accuracy and silhouette).
"""

from __future__ import annotations

from vaelab.evaluation.embedding import tsne
from vaelab.runs.codes import encode_split, prior_samples
from vaelab.runs.measures import aggregate_posterior_gap, latent_quality, sample_quality
from vaelab.tutorial.claims import Claim, Effect
from vaelab.tutorial.experiment import Experiment, TrainedArms
from vaelab.tutorial.experiments.shared_arms import TSNE_POINTS, vae_z20
from vaelab.tutorial.profiles import ByProfile
from vaelab.viz.grid import save_grid
from vaelab.viz.plots import save, scatter_panels

NAME, TITLE = "latent-kl", "The latent space with and without the KL term"
WITH, WITHOUT = "with KL (beta = 1)", "without KL (beta = 0)"
BETA = {WITH: 1.0, WITHOUT: 0.0}
SAMPLES = ByProfile(tiny=500, quick=2000, full=2000)  # prior samples judged by the classifier

CLAIMS = [
    Claim(
        "C1",
        "The KL term pulls the encoder's latent distribution towards the prior",
        (
            # 0.01 is about the MMD of N(0, I) against itself scaled by 1.12, or shifted by 0.12 sd per dimension
            Effect("mmd", WITHOUT, WITH, +1, 0.01, label="MMD(q(z), N(0, I)): without KL - with KL"),
        ),
        design="the arms differ only in beta (1 or 0); q(z) is sampled from the test codes, 5,000 points",
    ),
    Claim(
        "C2",
        "Only with the KL term is the decoder a generative model: prior samples look like data",
        (
            Effect(
                "frechet_distance",
                WITHOUT,
                WITH,
                +1,
                0.1,
                kind="log_ratio",
                label="Frechet distance of prior samples: log(without KL / with KL)",
            ),
            Effect(
                "classifier_confidence",
                WITH,
                WITHOUT,
                +1,
                0.05,
                decides=False,
                label="classifier confidence on prior samples: with KL - without KL",
            ),
        ),
        design="prior samples z ~ N(0, I) decoded by each arm, judged in the features of a classifier "
        "trained on the same data; the Frechet distance decides (a 10% lower distance, log-ratio 0.1, matters); "
        "the classifier's confidence is shown beside it (5 points matter)",
    ),
    Claim(
        "C3",
        "The t-SNE of the latent codes differs with and without the KL term",
        (
            Effect("knn_accuracy", WITH, WITHOUT, 0, 0.005, decides=False, label="5-NN accuracy: with - without KL"),
            Effect("silhouette", WITH, WITHOUT, 0, 0.02, decides=False, label="silhouette: with - without KL"),
        ),
        design="descriptive: the two maps side by side, with neighbour accuracy and silhouette of each",
        descriptive=True,
    ),
]


def arms(ctx) -> dict:
    return {label: vae_z20(ctx, beta) for label, beta in BETA.items()}


def prepare(ctx, runs) -> dict:
    first = runs[WITH][0]
    return {"classifier": ctx.classifier(first.dataset, first.device), "profile": ctx.profile}


def measure(built, shared) -> dict[str, float]:
    seed, profile = built.cfg.train.seed, shared["profile"]
    out = dict(aggregate_posterior_gap(built, seed=seed))
    out.update(latent_quality(built, limit=TSNE_POINTS[profile]))
    out.update(sample_quality(built, shared["classifier"], n=SAMPLES[profile], seed=seed))
    return out


def figures(t: TrainedArms) -> list[dict]:
    n = TSNE_POINTS[t.ctx.profile]
    panels, labels = [], None
    for label in BETA:
        mu, labels, _ = encode_split(t.first(label), "test", limit=n)
        panels.append((f"VAE {label}", tsne(mu, seed=t.ctx.first_seed)))
        save_grid(t.folder / f"samples-beta{BETA[label]:g}.png", prior_samples(t.first(label), 64), nrow=8)
    save(scatter_panels(panels, labels, t.first(WITH).dataset.classes), t.folder / "tsne.png")
    return [
        {
            "file": "tsne.png",
            "caption": f"t-SNE of the codes mu(x) of {n} test images, coloured by label: "
            "with the KL term (left) and without it (right).",
        },
        {
            "file": "samples-beta1.png",
            "caption": "Prior samples z ~ N(0, I) decoded by the VAE trained with the KL term.",
        },
        {
            "file": "samples-beta0.png",
            "caption": "Prior samples decoded by the same network trained without the KL term: "
            "nothing tied its codes to N(0, I).",
        },
    ]


# needs_labels: probes, and a classifier's features judge samples
EXPERIMENT = Experiment(NAME, TITLE, arms, measure, lambda ctx: CLAIMS, figures, prepare=prepare, needs_labels=True)
