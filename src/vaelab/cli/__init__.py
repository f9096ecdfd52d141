"""The `vaelab` command: thin entry points that parse, build and call.

Errors the user can fix (VaelabError) print one line `vaelab: error: ...`, in the command line's words
(`train.lr` becomes `--lr`, see flags.flag_words), and exit non-zero (2 for invalid settings); they never
show a traceback.
"""

from __future__ import annotations

import sys

from vaelab.cli.commands import COMMANDS
from vaelab.cli.flags import flag_words
from vaelab.cli.parser import build_parser
from vaelab.errors import VaelabError


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    try:
        return COMMANDS[args.command](args, argv) or 0
    except VaelabError as e:
        print(f"vaelab: error: {flag_words(str(e))}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt as e:  # Ctrl-C outside training, or a second stop signal (training.sigint.StopNow)
        print(f"vaelab: interrupted{f' by {e}' if str(e) else ''}", file=sys.stderr)
        return getattr(e, "exit_code", 130)
