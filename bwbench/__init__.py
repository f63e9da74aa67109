"""bwbench: a benchmark suite for planning with large language models, on Blocksworld."""

__version__ = "0.1.0"
