"""'What we saw' for the regularised autoencoders, KL annealing and the beta-VAE (see `findings`)."""

from __future__ import annotations

from vaelab.tutorial.report.words import (
    arm_names,
    claim,
    effect,
    fill,
    finite,
    first_number,
    metric,
    number,
    pair,
    percent,
    sentences,
    verdict,
)


def denoising(r: dict) -> str:
    c9a, c9b = claim(r, "C9a"), claim(r, "C9b")
    trend, final = effect(c9a), effect(c9a, "psnr_gain@0.3")
    passthrough = effect(c9a, "noise_passthrough")
    lengths = r.get("lengths") or []
    dae = effect(c9b)
    drift = None
    if finite((trend or {}).get("estimate")) and finite((final or {}).get("estimate")) and len(lengths) > 1:
        change = trend["estimate"]
        drift = fill(
            "Trained on clean digits, the plain autoencoder's output was {g} dB cleaner than its noisy input "
            "(std 0.3) after {last} epochs, {c} dB {way} than after {first}: {meaning}",
            g=number(final["estimate"], 2),
            last=lengths[-1],
            c=number(abs(change), 2),
            way="less" if change < 0 else "more",
            first=lengths[0],
            meaning="the longer it trains, the closer it comes to copying its input, noise included."
            if change < 0
            else "training did not draw it towards copying.",
        )
    share = (passthrough or {}).get("estimate")
    passed = fill(
        "Fed pure noise, its output explained {p} of the noise's variance (1 for a copy; 0 or less for an output "
        "that ignores its input): {meaning}",
        p=number(share, 2),
        meaning="it learned to reproduce digits, not any image."
        if finite(share) and share < 0.5
        else "much of any input passes through, as through a copy.",
    )
    return sentences(
        [
            "Two autoencoders with 1,000 code units for 784 pixels and an output that can copy its input exactly "
            "saw clean or noisy training digits, and were then given noisy test digits at several points of "
            "their training.",
            drift,
            passed if finite((passthrough or {}).get("estimate")) else None,
            verdict(c9a, "the plain overcomplete autoencoder drifts towards copying its input"),
            fill(
                "Against the plain autoencoder, the denoising one scores {d} dB ({label}).",
                d=number((dae or {}).get("estimate"), 2),
                label=(dae or {}).get("effect"),
            ),
            verdict(c9b, "the denoising autoencoder removes noise"),
            "Vincent et al. (2008) corrupted digits by setting a random fraction of the pixels (up to half) to 0, "
            "and found that denoising turned the first layer's features into stroke detectors and made stacked "
            "autoencoders better features for classification; here the corruption is Gaussian and the measure is "
            "the distance to the clean digit, so the question is narrower than theirs.",
        ]
    )


def sparsity(r: dict) -> str:
    c8 = claim(r, "C8")
    arms = arm_names(r)
    relu_plain = next((a for a in arms if a.startswith("plain") and "ReLU" in a), None)
    relu_sparse = next((a for a in arms if a.startswith("sparse") and "ReLU" in a), None)
    kl_arm = next((a for a in arms if a.startswith("sparse") and "rate" in a), None)
    plain, sparse = (metric(r, "active_fraction_per_input", a) for a in (relu_plain, relu_sparse))
    rate = first_number(kl_arm.partition("rate")[2]) if kl_arm else None
    return sentences(
        [
            "Plain and sparse autoencoders with the same 64-unit code were trained on the same digits.",
            fill(
                "For a typical test digit the plain autoencoder with a ReLU code has {p} of its units active "
                "(about {pn} of 64), the L1-penalised one {s} (about {sn}).",
                p=percent(plain),
                pn=number(64 * plain, 2) if finite(plain) else None,
                s=percent(sparse),
                sn=number(64 * sparse, 2) if finite(sparse) else None,
            ),
            fill(
                "Reconstruction costs {rp} nats per image for the plain code and {rs} for the sparse one.",
                rp=number(metric(r, "recon", relu_plain)),
                rs=number(metric(r, "recon", relu_sparse)),
            ),
            verdict(c8, "a sparse autoencoder has few active units per input"),
            "The feature figures show what each unit draws when the decoder is given that unit alone.",
            fill(
                "Ng's sparse autoencoder notes penalise each unit's average activation towards a small rate, "
                "suggesting ρ = 0.05, about one input in twenty; the KL arm here uses a rate of {rate}.",
                rate=number(rate, 1),
            ),
        ]
    )


def kl_annealing(r: dict) -> str:
    c6a, c6b = claim(r, "C6a"), claim(r, "C6b")
    warm = next((a for a in arm_names(r) if "warm" in a or "anneal" in a), None)
    none = next((a for a in arm_names(r) if a != warm), None)
    return sentences(
        [
            "The same VAE, whose decoder paints the image row by row and so could model digits without the "
            "code, was trained with a constant KL weight and with a weight that rises from 0, paired by seed.",
            pair(
                "At the end the code carried {a} nats per image without the warm-up and {b} with it",
                r,
                "kl",
                none,
                warm,
            ),
            pair(
                "(0 would mean the decoder ignores z), spread over {a} and {b} latents that carry more than a "
                "tenth of a nat;",
                r,
                "used_latents",
                none,
                warm,
                show=lambda x: number(x, 3),
            ),
            pair(
                "the test negative log-likelihood was {a} against {b} nats per image.",
                r,
                "nll",
                none,
                warm,
            ),
            verdict(c6a, "a rising KL weight keeps the code in use"),
            pair(
                "In the first epoch the reconstruction term was {a} nats without the warm-up and {b} with it.",
                r,
                "early_recon",
                none,
                warm,
            ),
            verdict(c6b, "with warm-up the decoder learns first"),
            "Bowman et al. (2016) found that a VAE whose decoder is an LSTM over words drove the KL term to zero "
            "unless its weight was annealed up from 0 (and words were dropped from the decoder's input), and "
            "Sønderby et al. (2016) found that a linear warm-up from 0 to 1 kept more units active in deep VAEs. "
            "The decoder here is of the kind that can collapse, but weaker than theirs and trained far shorter.",
        ]
    )


def beta_disentangle(r: dict) -> str:
    c7 = claim(r, "C7")
    low, high = (lambda a: first_number(a) == 1.0), (lambda a: (first_number(a) or 0) > 1.0)
    return sentences(
        [
            fill(
                "VAEs with β = 1 and a larger β were trained on dSprites, {n} freshly drawn images per run.",
                n=f"{r['images_per_run']:,}" if finite(r.get("images_per_run")) else None,
            ),
            pair(
                "The mutual information gap (MIG: for each true factor, how much more one latent knows about it "
                "than the next best, from 0 for entangled to 1 for one latent per factor) is {a} for β = 1 and "
                "{b} for the larger β;",
                r,
                "mig",
                low,
                high,
                show=lambda x: number(x, 2),
            ),
            pair(
                "reconstruction costs {a} against {b} nats per image, the price of the heavier KL weight.",
                r,
                "recon",
                low,
                high,
            ),
            verdict(c7, "a larger β gives more disentangled latents"),
            "The traversals side by side show what each latent does for each β: rows with a KL near 0 change nothing.",
            "Higgins et al. (2017) showed traversals on dSprites in which single latents of a β = 4 model moved "
            "position, scale and rotation separately, after far longer training (19.2 million images); Burgess et "
            "al. (2018) instead raised a KL budget gradually, to 25 nats; Locatello et al. (2019), training more "
            "than 12,000 models, found that the random seed and the hyperparameters mattered more for these "
            "scores than the choice of objective. A short run on small images tests the claim in a narrower "
            "setting than theirs.",
        ]
    )


FINDINGS = {
    "denoising": denoising,
    "sparsity": sparsity,
    "kl-annealing": kl_annealing,
    "beta-disentangle": beta_disentangle,
}
