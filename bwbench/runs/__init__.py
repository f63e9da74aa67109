"""Runs: how a model is asked (protocols), the run directory, resuming, and ``results.json``."""
