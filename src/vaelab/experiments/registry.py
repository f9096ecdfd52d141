"""The tutorial's experiments by name: sweeps and comparisons are data, each a module with run(ctx)."""

from __future__ import annotations

from vaelab.experiments import generation

EXPERIMENTS = {
    "generation": generation.run,
}

# Seeds per profile when --seeds is not given.
DEFAULT_SEEDS = {"tiny": 1, "quick": 2, "full": 3}
