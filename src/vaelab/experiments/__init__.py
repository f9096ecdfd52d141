"""Runs and the tutorial's experiments, built from the library's parts."""
