"""The ``bwbench`` command line, one module per command group: options in, a library request, output out.

Every command is declared in its own module on the group of :mod:`.app`; the
group (:class:`.common.Commands`) is the one place where errors become one line
and an exit code (2 for bad input, 130 for Ctrl-C).
"""

from __future__ import annotations

from . import (  # noqa: F401
    audit,
    card,
    eval,
    export,
    generate,
    importing,
    leaderboard,
    runs,
    score,
    solve,
    tasks,
    train,
)
from .app import app
from .common import FROM_ROOT  # noqa: F401  (the --help examples' promise, which a test reads)


def main() -> None:
    app()
