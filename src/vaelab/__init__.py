"""vaelab: autoencoders and variational autoencoders, a toolkit and a runnable tutorial.

From Python (see `vaelab.api` and `vaelab.api_pool`):

    import vaelab
    run = vaelab.train(dataset="mnist", latent_dim=20, epochs=5, out="runs/vae")
    run = vaelab.load("runs/vae")
    summary = vaelab.sweep("sweep.yaml", out="sweeps/beta")    # and vaelab.experiment, vaelab.run_tutorial
"""

from typing import TYPE_CHECKING

from vaelab.version import __version__

if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ imports each name on first use
    from vaelab.api import load, resume, train
    from vaelab.api_pool import experiment, run_tutorial, sweep
    from vaelab.run import Run
    from vaelab.runs.callbacks import Callback

__all__ = ["Callback", "Run", "__version__", "experiment", "load", "resume", "run_tutorial", "sweep", "train"]

_API = ("train", "load", "resume", "experiment", "sweep", "run_tutorial")  # vaelab.tutorial is the package


def __getattr__(name: str):
    """The Python API, imported on first use: `import vaelab` alone does not import torch."""
    if name in _API:
        from vaelab import api

        return getattr(api, name)
    if name == "Run":
        from vaelab.run import Run

        return Run
    if name == "Callback":
        from vaelab.runs.callbacks import Callback

        return Callback
    raise AttributeError(f"module 'vaelab' has no attribute {name!r}")
