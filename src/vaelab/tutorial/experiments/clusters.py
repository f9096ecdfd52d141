"""The clusters experiment: a plain autoencoder and a VAE with the same network and latent size.

The arms differ only in the model kind (same encoder and decoder widths, 20-D code, same seed, data
order and epochs); the AE's objective is the reconstruction term alone. Claim C4 (AE and VAE form
clusters differently): silhouette, k-means NMI and neighbour accuracy of the test codes, VAE minus AE;
t-SNE side by side, and for 2-D latents the codes and the decoded plane of each.
"""

from __future__ import annotations

from vaelab.evaluation.embedding import tsne
from vaelab.runs.codes import encode_split
from vaelab.runs.measures import PROBE_TRAIN, latent_quality
from vaelab.runs.pictures import manifold_grid
from vaelab.tutorial.claims import Claim, Effect
from vaelab.tutorial.experiment import Experiment, TrainedArms
from vaelab.tutorial.experiments.shared_arms import TSNE_POINTS, ae_z20, vae_z20, z2
from vaelab.tutorial.runner import measures_table
from vaelab.viz.grid import save_grid
from vaelab.viz.plots import save, scatter_panels

NAME, TITLE = "clusters", "Cluster formation: autoencoder versus VAE"
KINDS = {"AE": "ae", "VAE": "vae"}
MEASURES = ["silhouette", "kmeans_nmi", "kmeans_ari", "knn_accuracy", "linear_probe_accuracy"]

CLAIMS = [
    Claim(
        "C4",
        "Autoencoders and VAEs form clusters differently",
        (
            Effect("kmeans_nmi", "VAE", "AE", 0, 0.02, label="k-means NMI with the labels: VAE - AE"),
            Effect("silhouette", "VAE", "AE", 0, 0.02, decides=False, label="silhouette of the test codes: VAE - AE"),
            Effect("knn_accuracy", "VAE", "AE", 0, 0.005, decides=False, label="5-NN accuracy: VAE - AE"),
        ),
        design="the arms differ only in the model kind; the clusters k-means finds in the codes, scored against "
        "the classes (NMI), decide: either sign counts as a difference, and a difference inside 0.02 as none; "
        "silhouette (0.02) and 5-NN accuracy (half a point) are shown beside it",
    )
]


def arms(ctx) -> dict:
    return {"AE": ae_z20(ctx), "VAE": vae_z20(ctx), "AE 2-D": z2(ctx, "ae"), "VAE 2-D": z2(ctx, "vae")}


def measure(built, ctx) -> dict[str, float]:
    quality = latent_quality(built, limit=TSNE_POINTS[ctx.profile])
    return {m: quality[m] for m in MEASURES}


def figures(t: TrainedArms) -> list[dict]:
    n = TSNE_POINTS[t.ctx.profile]
    panels, panels_2d = [], []
    for name in KINDS:
        mu, labels, _ = encode_split(t.first(name), "test", limit=n)
        panels.append((f"{name}, 20-D codes", tsne(mu, seed=t.ctx.first_seed)))
        flat = t.first(f"{name} 2-D")
        mu2, labels2, _ = encode_split(flat, "test")
        panels_2d.append((f"{name}, 2-D codes", mu2))
        grid = manifold_grid(flat, 20, None if name == "VAE" else mu2)
        save_grid(t.folder / f"manifold-{name.lower()}.png", grid, nrow=20, scale=1)
    classes = t.first("VAE").dataset.classes
    save(scatter_panels(panels, labels, classes), t.folder / "tsne.png")
    save(scatter_panels(panels_2d, labels2, classes), t.folder / "latent-2d.png")
    return [
        {"file": "tsne.png", "caption": "t-SNE of 20-D test codes, coloured by label: plain AE (left), VAE (right)."},
        {
            "file": "latent-2d.png",
            "caption": "The codes themselves when the latent space is 2-D: AE (left), VAE "
            "(right, the posterior means mu(x)).",
        },
        {"file": "manifold-ae.png", "caption": "The 2-D AE's decoder over its codes' 5th-95th percentile box."},
        {"file": "manifold-vae.png", "caption": "The 2-D VAE's decoder over the prior's 5%-95% quantiles."},
    ]


def tables(t: TrainedArms) -> list[dict]:
    n = TSNE_POINTS[t.ctx.profile]
    probes = min(PROBE_TRAIN, 2 * n)
    return measures_table(t, f"Test codes, {n} images (probes fit on {probes:,} training codes); mean ± std over seeds")


# needs_labels: clusters and probes are scored against the classes
EXPERIMENT = Experiment(NAME, TITLE, arms, measure, lambda ctx: CLAIMS, figures, tables=tables, needs_labels=True)
