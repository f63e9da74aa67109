"""Suites: cells and presets, sampling, generation, records, manifests, dataset cards, the audit, import, and a
suite's split as the problems to evaluate."""
