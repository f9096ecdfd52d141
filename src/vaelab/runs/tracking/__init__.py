"""Experiment tracking: a run's epochs streamed to TensorBoard and MLflow as it trains (see hook.py)."""
