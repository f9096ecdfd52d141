"""`python -m vaelab` (and `torchrun -m vaelab`) runs the CLI."""

import sys

from vaelab.cli import main

sys.exit(main())
