"""One run folder: build a run from its config, train it (new, continued, or started over), load it, and
evaluate, sample, reconstruct and encode with it. Many runs at once: `vaelab.parallel`."""
