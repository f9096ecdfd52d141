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


def drift(c9a: dict | None, lengths: list) -> str | None:
    """How the plain AE's gain over its noisy input changed with training: towards a copy, or not."""
    trend, final = effect(c9a), effect(c9a, "psnr_gain@0.3")
    if not (finite((trend or {}).get("estimate")) and finite((final or {}).get("estimate")) and len(lengths) > 1):
        return None
    change = trend["estimate"]
    far = ", though it is still far from a copy." if final["estimate"] > final.get("min_effect", 0) else "."
    return fill(
        "Trained on clean digits, the plain autoencoder's output was {g} dB cleaner than its noisy input "
        "(std 0.3) after {last} epochs, {c} dB {way} than after {first}: {meaning}",
        g=number(final["estimate"], 2),
        last=lengths[-1],
        c=number(abs(change), 2),
        way="less" if change < 0 else "more",
        first=lengths[0],
        meaning="the longer it trains, the closer it comes to copying its input, noise included" + far
        if change < 0
        else "training did not draw it towards copying.",
    )


def denoising(r: dict) -> str:
    c9a, c9b = claim(r, "C9a"), claim(r, "C9b")
    passthrough = effect(c9a, "noise_passthrough")
    dae = effect(c9b)
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
            drift(c9a, r.get("lengths") or []),
            passed if finite((passthrough or {}).get("estimate")) else None,
            verdict(c9a, "the plain overcomplete autoencoder drifts towards copying its input"),
            fill(
                "At std 0.3, the noise it was trained on, the denoising autoencoder's output is {d} dB closer to "
                "the clean digit (by PSNR) than the plain autoencoder's; the table gives the other noise levels.",
                d=number((dae or {}).get("estimate"), 2),
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
                "(about {pn} of 64), the L1-penalised one {s} (about {sn}); a ReLU unit counts as active above "
                "0.001, a sigmoid unit above 0.1.",
                p=percent(plain),
                pn=number(64 * plain, 2) if finite(plain) else None,
                s=percent(sparse),
                sn=number(64 * sparse, 2) if finite(sparse) else None,
            ),
            fill(
                "{d} of the L1 code's 64 units are active on no test digit at all (the plain code: {dp}); the "
                "feature figures put the most used units first, so those come last.",
                d=number(metric(r, "dead_units", relu_sparse), 2),
                dp=number(metric(r, "dead_units", relu_plain), 2),
            ),
            fill(
                "Reconstruction costs {rp} nats per image for the plain code and {rs} for the sparse one.",
                rp=number(metric(r, "recon", relu_plain)),
                rs=number(metric(r, "recon", relu_sparse)),
            ),
            verdict(c8, "a sparse autoencoder has few active units per input"),
            "The feature figures show what each unit draws: the decoder's output when that unit alone is "
            "raised from the typical code, minus the typical code's output.",
            fill(
                "Ng's sparse autoencoder notes penalise each unit's average activation towards a small rate, "
                "suggesting ρ = 0.05, about one input in twenty; the KL arm here uses a rate of {rate}. The rate "
                "is a target for each unit's mean activation, not for the share of units above the threshold, so "
                "the KL arm's share of active units need not equal it.",
                rate=number(rate, 1),
            ),
            probes(r, relu_plain, relu_sparse, kl_arm),
        ]
    )


def probes(r: dict, plain: str | None, l1: str | None, kl: str | None) -> str | None:
    """What sparsity bought a linear classifier reading the codes (the probe's test accuracy)."""
    pl, sl = metric(r, "linear_probe", plain), metric(r, "linear_probe", l1)
    sk = metric(r, "linear_probe", kl)
    if pl is None or sl is None:
        return None
    text = (
        f"A linear classifier reads the digit from the plain ReLU code {percent(pl, 1)} of the time and from "
        f"the L1-sparse code {percent(sl, 1)}"
    )
    if sk is not None:
        text += f", from the KL-sparse sigmoid code {percent(sk, 1)}"
    if sl < pl:
        return text + ": the L1 penalty made the code harder to read, so sparser is not automatically better."
    return text + ": here the sparser code is the easier one to read."


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
            collapse(r, none),
            verdict(c6a, "a rising KL weight keeps the code in use"),
            other_schedules(r),
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


NEAR_ZERO_MIG = 0.1  # below the MIG Chen et al. report for a plain VAE on dSprites: no factor has its own latent
OTHER_SCORES = {"factor_vae": "FactorVAE score", "beta_vae": "β-VAE score", "dci_d": "DCI disentanglement"}


def other_scores(r: dict, low, high, big: str) -> str | None:
    """The disentanglement scores beside MIG, each as 'name a → b', and which way they all went, if one way."""
    moves = [(name, metric(r, key, low), metric(r, key, high)) for key, name in OTHER_SCORES.items()]
    moves = [(name, a, b) for name, a, b in moves if a is not None and b is not None]
    if not moves:
        return None
    way = "lower" if all(b < a for _, a, b in moves) else "higher" if all(b > a for _, a, b in moves) else None
    listed = ", ".join(f"{name} {number(a, 2)} → {number(b, 2)}" for name, a, b in moves)
    if way is None:
        return f"The other scores moved both ways from β = 1 to β = {big}: {listed}."
    return f"Every other score was {way} at β = {big} than at β = 1: {listed}."


def collapse(r: dict, none: str | None) -> str | None:
    """Whether the constant-weight arm's code collapsed (under 1 nat), said plainly either way."""
    kl = metric(r, "kl", none)
    if kl is None:
        return None
    if kl < 1.0:
        return f"Without the warm-up the code collapsed: {number(kl)} nats is next to nothing."
    return (
        f"Neither arm collapsed: even without the warm-up the code kept {number(kl)} nats, so what the warm-up "
        "changes here is how much the code carries, not whether it is used at all."
    )


def other_schedules(r: dict) -> str | None:
    """The table's other columns in a sentence: cyclical annealing and free bits (one seed each, curves only;
    the table's rows are defined in the box under it)."""
    cyc, free = (metric(r, "kl", a) for a in ("cyclical", "free bits"))
    floor = (((r.get("arms") or {}).get("free bits") or {}).get("objective") or {}).get("free_bits")
    return fill(
        "The cyclical schedule (Fu et al. 2019: the weight rises from 0 several times) ended with {c} nats in "
        "the code and free bits (Kingma et al. 2016: no KL pressure on a latent whose KL is below {floor} nats) "
        "with {f}; they are single seeds, shown on the curves and in the table, not judged.",
        c=number(cyc),
        floor=number(floor, 2),
        f=number(free),
    )


def beta_disentangle(r: dict) -> str:
    c7 = claim(r, "C7")
    low, high = (lambda a: first_number(a) == 1.0), (lambda a: (first_number(a) or 0) > 1.0)
    larger = next((first_number(a) for a in arm_names(r) if high(a)), None)
    big = f"{larger:g}" if larger is not None else "a larger value"
    migs = [metric(r, "mig", arm) for arm in (low, high)]
    near_zero = (
        ": both near 0, so neither model gave single factors a latent of their own"
        if all(m is not None and m < NEAR_ZERO_MIG for m in migs)
        else ""
    )
    return sentences(
        [
            f"VAEs with β = 1 and β = {big} were trained on dSprites"
            + (f", {r['images_per_run']:,} freshly drawn images per run." if finite(r.get("images_per_run")) else "."),
            pair(
                "The mutual information gap (MIG: for each true factor, how much more one latent knows about it "
                "than the next best, from 0 for entangled to 1 for one latent per factor) is {a} for β = 1 and "
                f"{{b}} for β = {big}{near_zero};",
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
            other_scores(r, low, high, big),
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
