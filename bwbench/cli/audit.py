"""``bwbench audit``: what a dataset gets wrong, found by planning and simulating."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, List

import typer
from rich.table import Table

from . import common
from .app import command

Files = Annotated[List[Path], typer.Argument(metavar="FILES", help="JSONL datasets (bwbench's format or the seed's).")]
AsJson = Annotated[bool, typer.Option("--json", help="Print a JSON object of counts instead of a table.")]


@command(epilog=common.examples("bwbench audit data/paper/train.jsonl data/paper/test.jsonl --json"))
def audit(files: Files, as_json: AsJson = False) -> None:
    """Check datasets: invalid or suboptimal gold plans, solved problems, duplicates, leaks, true levels."""
    from ..suites.audit import LABELS
    from ..suites.audit import audit as run_audit

    with common.progress() as bar:
        task = bar.add_task("auditing", total=None)
        data = run_audit(files, on_line=lambda: bar.advance(task)).to_json()
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    table = Table(title="bwbench audit", title_justify="left")
    table.add_column("check")
    for f in data["files"]:
        table.add_column(f"{Path(f['path']).name}\n({f['split'] or 'no split'})", justify="right")
    for k, label in LABELS.items():
        table.add_row(label, *(str(f[k]) for f in data["files"]))
    table.add_row("true levels", *(" ".join(f"{lv}:{c}" for lv, c in f["levels"].items()) for f in data["files"]))
    table.add_row("claimed levels", *(" ".join(f"{lv}:{c}" for lv, c in f["claimed_levels"].items()) for f in data["files"]))
    common.out.print(table)
