"""`python -m vaelab` (and `torchrun -m vaelab`) runs the CLI."""

from vaelab.cli import main
from vaelab.training.distributed import exit_process

exit_process(main())
