"""``bwbench runs list|pull``: training runs on Modal's runs volume."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from . import common
from .app import command, runs_app

Name = Annotated[str, typer.Argument(metavar="NAME", help="Run name, as `bwbench runs list` shows it.")]
Out = Annotated[Optional[Path], typer.Option("--out", metavar="DIR", help="Where to put it (default: runs/<name>).")]
Everything = Annotated[bool, typer.Option("--all", help="Also the tokenised data and intermediate checkpoints.")]


@command(runs_app, "list", epilog=common.examples("bwbench runs list", needs="Modal credentials (modal token new)"))
def runs_list() -> None:
    """List the runs on the bwbench-runs volume, newest first."""
    from ..training.remote import list_runs

    rows = list_runs()
    if not rows:
        common.err.print("no runs on the volume yet")
        return
    table = Table("run", "modified (UTC)")
    for r in rows:
        table.add_row(r["name"], time.strftime("%Y-%m-%d %H:%M", time.gmtime(r["mtime"])))
    common.out.print(table)


@command(runs_app, "pull", epilog=common.examples("bwbench runs pull bwbench-lora-20261127-101500-3f2a --out runs/lora",
                                                   needs="Modal credentials and a run of that name"))
def runs_pull(name: Name, out: Out = None, everything: Everything = False) -> None:
    """Download a run from the bwbench-runs volume, ready for `bwbench eval --model hf:<dir>`."""
    from ..training.remote import pull

    target = out or Path("runs") / name
    with common.progress() as bar:
        task = bar.add_task(f"pulling {name}", total=None)
        n = pull(name, target, everything, progress=lambda i, total: bar.update(task, completed=i, total=total))
    common.show(f"{n} files → {target}")
