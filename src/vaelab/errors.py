"""The errors vaelab shows to users.

Every problem a user can cause (a bad flag, a missing dataset, a corrupt file) is raised as a
`VaelabError` whose message fits on one line and says what is wrong and how to fix it. Messages speak the
library's words: a setting by its config field (`train.lr`, `objective.free_bits`), an argument of the
Python API in backticks (`out`, `force`). The CLI prints `vaelab: error: <message>` with those words turned
into its flags (`--lr`, `--out`), and exits with `exit_code`; it never shows a traceback for these.
"""

from __future__ import annotations


class VaelabError(Exception):
    """A problem the user can fix; its message is one line."""

    exit_code = 1

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))


class ConfigError(VaelabError):
    """An invalid setting: names the field and the allowed values (exit code 2, like argparse)."""

    exit_code = 2


class DataError(VaelabError):
    """A dataset that cannot be found, read or trusted."""


class CheckpointError(VaelabError):
    """A run folder or checkpoint that cannot be read or trusted."""
