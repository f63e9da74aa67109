"""Training: one typed config (``config.py``), examples (``data.py``), and the local Trainer backend (``local.py``)."""
