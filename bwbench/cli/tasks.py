"""``bwbench tasks``: the questions a suite can ask, each with a line of what it asks."""

from __future__ import annotations

from rich.table import Table

from . import common
from .app import command


@command(epilog=common.examples("bwbench tasks"))
def tasks() -> None:
    """List the tasks: what each asks, its templates and its figure."""
    from ..tasks import all_tasks

    table = Table(title="bwbench tasks", title_justify="left")
    for column in ("task", "what it asks", "templates", "figure"):
        table.add_column(column)
    for t in all_tasks():
        table.add_row(t.name, t.summary, ", ".join(t.templates), t.primary)
    common.out.print(table)
