"""'What we saw': one plain-words paragraph per experiment, written from its results.json when the page is built.

Each function takes an experiment's results dict and returns a paragraph in the page's markup: what was done,
what the figures show, what the numbers mean in units a learner can picture, the verdict with its scope, and,
where there is one, what the paper found, so the reader sees where this page agrees and where its setting
differs. Missing keys drop the sentences that need them (`words`); `paragraph` falls back to the verdicts alone.
"""

from __future__ import annotations

import math

from vaelab.tutorial.report import findings_more
from vaelab.tutorial.report.words import (
    arm_names,
    claim,
    effect,
    fill,
    first_number,
    metric,
    number,
    pair,
    percent,
    ratio,
    sentences,
    verdict,
)

LN2 = math.log(2)  # nats per bit


def generation(r: dict) -> str:
    gap, inside = r.get("elbo_gap") or {}, r.get("aggregate_inside_2sigma") or {}
    elbo20 = metric(r, "negative_elbo", lambda a: "400-20" in a)
    with_kl, without = (inside.get(k) for k in ("with the KL term (beta = 1)", "without it (beta = 0)"))
    kl = gap.get("kl")
    return sentences(
        [
            "We trained the 784-400-20 VAE and a VAE with a 2-D code on MNIST, then looked at what their decoders "
            "make of codes drawn from the prior.",
            fill("The 20-D VAE's negative ELBO on the test digits is {e} nats per image.", e=number(elbo20)),
            fill(
                "On {n} test digits, where the first seed's model has an ELBO of {e} nats, importance sampling with "
                "K = {k} codes per image puts log p(x) at about {lp} nats, {g} nats above the ELBO (the hatched bar "
                "of the first figure): the average KL divergence from the encoder's Gaussian q(z|x) to the true "
                "posterior p(z|x), what the approximation costs, is at least that (the estimate is itself a lower "
                "bound on log p(x)).",
                n=f"{gap['images']:,}" if gap.get("images") else None,
                e=number(gap.get("elbo")),
                k=gap.get("samples"),
                lp=number(gap.get("log_px")),
                g=number(gap.get("gap"), 2),
            ),
            fill(
                "The KL term, {kl} nats ({bits} bits) per image, bounds from above how much the code can say "
                "about each digit: averaged over the data it is the information z carries about x plus how far "
                "the codes' overall spread is from the prior.",
                kl=number(kl),
                bits=number(kl / LN2 if kl is not None else None, 2),
            ),
            fill(
                "In the 2-D model trained with the KL term, {a} of the samples z ~ q(z|x) fall inside the prior's "
                "2-sigma circle (where the prior itself puts 86.5%), against {b} without it: without the KL term "
                "the codes spread wherever reconstruction puts them, and a code drawn from the prior often lands "
                "where no digit was encoded.",
                a=percent(with_kl),
                b=percent(without),
            ),
            "Kingma & Welling (2014) drew the same kind of 2-D manifold of MNIST digits. Burda et al. (2016) report "
            "86.76 nats of negative log-likelihood for a one-layer VAE on binarized MNIST after 3,280 passes over "
            "the data; the numbers here are larger because these pixels are grey levels rather than 0 or 1 and "
            "training is short, so they compare models on this page with each other, not with the paper.",
        ]
    )


def latent_kl(r: dict) -> str:
    c1, c2, c3 = claim(r, "C1"), claim(r, "C2"), claim(r, "C3")
    with_kl, without = (lambda a: "with KL" in a), (lambda a: "without KL" in a)
    fd = effect(c2, "frechet_distance") or effect(c2)
    far = ratio(fd.get("estimate")) if fd and fd.get("measure") == "frechet_distance" else None
    return sentences(
        [
            "The same VAE was trained with the KL term and without it, paired by seed.",
            pair(
                "Without the KL term the test codes as a whole sit an MMD of {b} from the prior N(0, I), against "
                "{a} with it (an MMD of 0 means the two distributions match).",
                r,
                "mmd",
                with_kl,
                without,
            ),
            verdict(c1, "the KL term pulls the codes towards the prior"),
            fill(
                "Decoded prior samples without the KL term are {x} times as far from real digits as with it, in "
                "the Frechet distance between a digit classifier's features of samples and of test images ({b} "
                "against {a}); a ratio near 1 means the two decoders' samples are about equally digit-like.",
                x=number(far, 2),
                a=number(metric(r, "frechet_distance", with_kl)),
                b=number(metric(r, "frechet_distance", without)),
            ),
            pair(
                "The classifier is on average {a} sure of its label for the VAE's samples and {b} for the "
                "others' (10% would be a guess).",
                r,
                "classifier_confidence",
                with_kl,
                without,
                show=percent,
            ),
            verdict(c2, "only with the KL term do prior samples look like data"),
            pair(
                "The t-SNE maps are shown, not judged: a 5-nearest-neighbour classifier reads the digit from the "
                "codes {a} of the time with the KL term and {b} without it.",
                r,
                "knn_accuracy",
                with_kl,
                without,
                show=percent,
            )
            if c3 is not None
            else None,
            "In Kingma & Welling's (2014) derivation the KL term is what makes the decoder a model of p(x) under "
            "the prior; without it the objective is an autoencoder's, and nothing ties the codes to N(0, I).",
        ]
    )


def clusters(r: dict) -> str:
    c4 = claim(r, "C4")
    ae, vae = (lambda a: a.startswith("AE")), (lambda a: a.startswith("VAE"))
    return sentences(
        [
            "A plain autoencoder and a VAE with the same network and seeds were trained on the same digits.",
            fill(
                "k-means on their test codes finds clusters that agree with the digit labels with an NMI of {a} "
                "for the AE and {v} for the VAE (1 is perfect agreement, 0 none);",
                a=number(metric(r, "kmeans_nmi", ae), 2),
                v=number(metric(r, "kmeans_nmi", vae), 2),
            ),
            fill(
                "a 5-nearest-neighbour classifier reads the digit from the codes {a} of the time for the AE and "
                "{v} for the VAE, and the silhouette (how much closer a code is to its own class than to the "
                "next, from -1 to 1) is {sa} against {sv}.",
                a=percent(metric(r, "knn_accuracy", ae)),
                v=percent(metric(r, "knn_accuracy", vae)),
                sa=number(metric(r, "silhouette", ae), 2),
                sv=number(metric(r, "silhouette", vae), 2),
            ),
            verdict(c4, "AE and VAE form clusters differently"),
            "In the maps, the VAE's KL term pulls all its codes towards one round cloud, while the AE may place "
            "its classes anywhere.",
            tighter(r, ae, vae),
        ]
    )


def tighter(r: dict, ae, vae) -> str | None:
    """Which model's classes stand apart more clearly by the silhouette (its numbers are in the sentence before),
    and what decides the claim."""
    sil = {name: metric(r, "silhouette", arm) for name, arm in (("plain autoencoder", ae), ("VAE", vae))}
    if None in sil.values():
        return None
    hi = max(sil, key=sil.get)
    return (
        f"Read together: by the silhouette the {hi}'s classes stand apart more clearly, and whether k-means "
        "recovers the digits better from one model's codes than from the other's is what the verdict above judges."
    )


def blur(r: dict) -> str:
    c5 = claim(r, "C5")
    samples = effect(c5, "log_sharpness_real_over_samples")
    ae_recon = metric(r, "log_sharpness_real_over_recon", lambda a: a.startswith("AE"))
    vae_recon = metric(r, "log_sharpness_real_over_recon", lambda a: a.startswith("VAE Bernoulli, beta 1"))
    return sentences(
        [
            "Real test digits, reconstructions and prior samples were compared by their sharpness, the variance "
            "of the Laplacian (large where neighbouring pixels differ sharply).",
            fill(
                "Real digits are {x} times as sharp as the VAE's prior samples by that measure.",
                x=number(ratio((samples or {}).get("estimate")), 2),
            ),
            fill(
                "Reconstructions are blurry too, and not only the VAE's: real digits are {v} times as sharp as "
                "the VAE's reconstructions and {a} times as sharp as those of a plain autoencoder with the same "
                "network, so part of the blur is the decoder's averaging, not the KL term's.",
                v=number(ratio(vae_recon), 2),
                a=number(ratio(ae_recon), 2),
            ),
            verdict(c5, "VAE samples are blurry"),
            gaussian_samples(r),
            "With a Bernoulli or Gaussian decoder the best prediction for an uncertain code is the average of "
            "the digits it could be, and an average of digits is a blurred digit; sharper samples need decoders "
            "that model the pixels jointly.",
        ]
    )


def gaussian_samples(r: dict) -> str | None:
    """The Gaussian-decoder VAEs' samples: sharp by the Laplacian because they are noisy (None when they are not
    both sharper than the Bernoulli VAE's and farther from real digits by the Frechet distance)."""
    gauss, bern = (lambda a: a.startswith("VAE Gaussian sigma")), (lambda a: a.startswith("VAE Bernoulli, beta 1"))
    dull, sharp = (metric(r, "log_sharpness_real_over_samples", a) for a in (gauss, bern))
    far, near = (metric(r, "frechet_samples", a) for a in (gauss, bern))
    sigma = next((first_number(a) for a in arm_names(r) if gauss(a)), None)
    if None in (dull, sharp, far, near, sigma) or dull >= sharp or far <= near:
        return None
    return fill(
        "The Gaussian-decoder VAE's samples score almost as sharp as real digits (real ones are only {x} times "
        "as sharp), yet they are the farthest from digits by the Frechet distance ({f} against {b} for the "
        "Bernoulli VAE): the Laplacian rewards speckle as much as edges. With sigma = {s} the squared error is "
        "weighted {w} times, as if the KL term had a weight of 2 sigma^2 = {k}, so the codes drift from the "
        "prior and what the decoder makes of a prior sample is noise, not a blurred digit.",
        x=number(ratio(dull), 2),
        f=number(far),
        b=number(near),
        s=f"{sigma:g}",
        w=f"{1 / (2 * sigma**2):g}",
        k=f"{2 * sigma**2:g}",
    )


FINDINGS = {
    "generation": generation,
    "latent-kl": latent_kl,
    "clusters": clusters,
    "blur": blur,
    **findings_more.FINDINGS,
}


def paragraph(results: dict) -> str:
    """The experiment's paragraph, or, for an experiment without one or results it cannot read, its claims'
    verdicts alone; "" when there is nothing to say."""
    name = results.get("experiment", results.get("name", ""))
    try:
        if name in FINDINGS:
            return FINDINGS[name](results)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, ZeroDivisionError):
        pass  # the results' shape changed: say what the verdicts say
    return sentences(verdict(c, c.get("claim", "").rstrip(".").lower()) for c in results.get("claims") or [])
