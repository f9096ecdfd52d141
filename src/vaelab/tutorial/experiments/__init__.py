"""The tutorial's experiments, one module each, every one a declaration (`EXPERIMENT = Experiment(...)`)."""
