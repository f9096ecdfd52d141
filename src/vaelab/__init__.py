"""vaelab: autoencoders and variational autoencoders, a toolkit and a runnable tutorial.

From Python (see `vaelab.api`):

    import vaelab
    run = vaelab.train(dataset="mnist", latent_dim=20, epochs=5, out="runs/vae")
    run = vaelab.load("runs/vae")
"""

from vaelab.version import __version__

__all__ = ["Run", "__version__", "experiment", "load", "resume", "train"]

_API = ("train", "load", "resume", "experiment")


def __getattr__(name: str):
    """The Python API, imported on first use: `import vaelab` alone does not import torch."""
    if name in _API:
        from vaelab import api

        return getattr(api, name)
    if name == "Run":
        from vaelab.run import Run

        return Run
    raise AttributeError(f"module 'vaelab' has no attribute {name!r}")
