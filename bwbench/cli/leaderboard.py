"""``bwbench leaderboard``: a Markdown page (and its plot) from results files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, List, Optional

import typer

from . import common
from .app import command

Results = Annotated[List[Path], typer.Argument(metavar="RESULTS", help="results.json files written by bwbench eval or bwbench score.")]
Out = Annotated[Path, typer.Option("--out", metavar="FILE", help="Markdown file to write (with --plot's picture: both or neither).")]
Title = Annotated[str, typer.Option("--title", metavar="TEXT", help="The page's heading.")]
Reference = Annotated[Optional[str], typer.Option("--reference", metavar="NAME", help="paper: add the paper's reported L3 figures in a section of their own, with the column each compares with.")]
Plot = Annotated[Optional[Path], typer.Option("--plot", metavar="FILE", help="Also draw valid rate by level per model (for a table over many optimal plan lengths: valid and optimal rate by length, a panel per model) (PNG, needs matplotlib), embedded in the page.")]


@command(epilog=common.examples("bwbench leaderboard results/*/results.json --out leaderboards/mine.md --reference paper"))
def leaderboard(results: Results, out: Out, title: Title = "bwbench leaderboard", reference: Reference = None,
                plot: Plot = None) -> None:
    """One table per task and set of problems (suite sha256, split, level, limit), ranked; says what it leaves out and why."""
    from ..leaderboards.markdown import publish

    board = publish(results, out, common.command_line(), title, reference, plot)
    for f, why in sorted(board.skipped):
        common.err.print(f"[yellow]left out[/] {common.escape(f)}: {common.escape(why)}", highlight=False, soft_wrap=True)
    common.show(f"{len(board.runs())} runs in {len(board.sections())} table(s) → {out}")
