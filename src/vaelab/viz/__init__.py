"""Figures: image grids, latent plots, curves. Figures are built with matplotlib's object API (no pyplot)."""
