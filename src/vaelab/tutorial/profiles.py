"""The tutorial's profiles, and the one type that gives a setting its value in each.

tiny   seconds: what the tests run
quick  what `vaelab tutorial` (and `make tutorial`) runs by default
full   longer runs and more seeds, closer to the papers' settings
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from vaelab.config import check_choice

PROFILES = ("tiny", "quick", "full")
T = TypeVar("T")


@dataclass(frozen=True)
class ByProfile(Generic[T]):
    """A setting's value in each profile: `EPOCHS = ByProfile(tiny=1, quick=5, full=15)`; `EPOCHS["quick"]`."""

    tiny: T
    quick: T
    full: T

    def __getitem__(self, profile: str) -> T:
        check_choice("profile", profile, PROFILES)
        return getattr(self, profile)


# Seeds per arm when neither the user nor the experiment says otherwise; a count N means the first N seeds
# from the first seed on (tutorial/experiment.py says how the counts combine).
DEFAULT_SEEDS = ByProfile(tiny=2, quick=3, full=5)
# The data every MNIST-sized experiment trains on: the tiny profile uses 2,000 training images, the others all.
DATA = ByProfile(tiny={"subset": 2000, "val_size": 200}, quick={}, full={})
# (epochs, training images) of the feature classifier; one epoch reaches 98.0% test accuracy on MNIST, two
# 98.2% (2026-12-02), for 2.6x the time
CLASSIFIER = ByProfile(tiny=(1, 2000), quick=(1, None), full=(3, None))


def profile_data(profile: str) -> dict:
    """The data settings of `profile` (a fresh dict: arms extend it)."""
    return dict(DATA[profile])
