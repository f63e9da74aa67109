"""``bwbench card``: each suite's dataset card, from its manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List

import typer

from . import common
from .app import command

Suites = Annotated[List[Path], typer.Argument(metavar="SUITES", help="Suite directories (with manifest.json).")]


@command(epilog=common.examples("bwbench card data/standard"))
def card(suites: Suites) -> None:
    """Write each suite's dataset card (README.md, Hugging Face style) from its manifest."""
    from ..suites.card import write

    for suite in suites:
        common.show(f"→ {write(suite)}")
