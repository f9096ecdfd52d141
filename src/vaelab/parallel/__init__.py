"""Many runs at once: jobs, the local pool of worker processes, the Ray backend, and sweeps (grids as data)."""
