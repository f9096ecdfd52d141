"""Training: the loop, optimizers, run folders and checkpoints."""
