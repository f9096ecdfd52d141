"""vaelab: autoencoders and variational autoencoders, a toolkit and a runnable tutorial."""

__version__ = "0.1.0"
