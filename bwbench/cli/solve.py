"""``bwbench solve``: an optimal plan for a PDDL problem file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import common
from .app import command

Problem = Annotated[Path, typer.Argument(metavar="PROBLEM", help="PDDL problem file (a full configuration or a partial goal).")]
Domain = Annotated[Optional[Path], typer.Option("--domain", metavar="FILE", help="PDDL domain file: Blocksworld under any names (default: the shipped blocksworld.pddl).")]
Planner = Annotated[str, typer.Option("--planner", metavar="NAME", help="bwbench, pyperplan or fast-downward.")]


@command(epilog=common.examples(
    "bwbench solve ../shared/planbench-reference/instances/blocksworld/generated_basic/instance-12.pddl "
    "--domain ../shared/planbench-reference/instances/blocksworld/generated_domain.pddl --planner pyperplan"))
def solve(problem: Problem, domain: Domain = None, planner: Planner = "bwbench") -> None:
    """Print an optimal plan for a PDDL problem, as PDDL actions and in the seed's NL form."""
    from ..planning.solve import solve_file
    from ..world.text import render_plan

    solved = solve_file(problem, domain, planner)
    result = solved.result
    counted = result.describe_count()
    common.show(f"; {common.count(result.length, 'step')}, planner {result.planner}, {solved.seconds * 1000:.1f} ms"
                + (f", {counted}" if counted else ""))
    for action in solved.plan_pddl:
        common.show(action)
    common.show("")
    common.show(render_plan(result.plan))
