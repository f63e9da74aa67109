"""``bwbench solve``: an optimal plan for a PDDL problem file, or for every problem file in a directory."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from ..errors import BwbenchError
from . import common
from .app import command

Problem = Annotated[Path, typer.Argument(metavar="PROBLEM", help="PDDL problem file (a full configuration or a partial goal), or a directory of them (*.pddl, in natural order): a table of their plans.")]
Domain = Annotated[Optional[Path], typer.Option("--domain", metavar="FILE", help="PDDL domain file: Blocksworld under any names (default: the one domain file beside the problems, else the shipped blocksworld.pddl).")]
Planner = Annotated[str, typer.Option("--planner", metavar="NAME", help="bwbench, pyperplan or fast-downward.")]
Count = Annotated[Optional[str], typer.Option("--count", metavar="HOW", help="How far to count optimal plans: none, capped (one, two, or three or more) or exact (can take far longer than the plan). Default: exact up to 7 blocks (8 for a partial goal), capped up to 40, none beyond.")]
Jobs = Annotated[int, typer.Option("--jobs", min=1, metavar="N", help="Solve a directory's files N at once, each in a worker process of its own.")]
TimeLimit = Annotated[Optional[float], typer.Option("--time-limit", metavar="SECONDS", help="Stop solving a problem after this long (it is solved in a worker process of its own, which takes about a second to start); a directory goes on to its other files, and the table says which ran out of time. Default: no limit.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead: the plan, its length, the count of optimal plans (a directory: a list, one object per file).")]


@command(epilog=common.examples(
    "bwbench solve ../shared/planbench-reference/instances/blocksworld/generated_basic/instance-12.pddl "
    "--domain ../shared/planbench-reference/instances/blocksworld/generated_domain.pddl --planner pyperplan",
    "bwbench solve ../shared/planbench-reference/instances/blocksworld/generated_basic_3 "
    "--domain ../shared/planbench-reference/instances/blocksworld/generated_domain.pddl"))
def solve(problem: Problem, domain: Domain = None, planner: Planner = "bwbench", count: Count = None,
          jobs: Jobs = 1, time_limit: TimeLimit = None, as_json: AsJson = False) -> None:
    """Print an optimal plan for a PDDL problem, as PDDL actions and in the seed's NL form; for a directory, a table."""
    from ..planning.solve import solve_directory, solve_file

    if problem.is_dir():
        with common.progress() as bar:
            task = bar.add_task(f"solving {problem}", total=None)
            attempts = solve_directory(problem, domain, planner, progress=lambda k: bar.advance(task, k), count=count,
                                       jobs=jobs, time_limit=time_limit)
        if as_json:
            sys.stdout.write(json.dumps([a.to_json() for a in attempts], indent=2) + "\n")
        else:
            common.out.print(directory_table(problem, attempts))
        failed = sum(a.solved is None for a in attempts)
        if failed:
            raise BwbenchError(f"{failed} of {common.count(len(attempts), 'problem file')} not solved "
                               "(each one's reason is beside it)", str(problem))
        return
    solved = solve_file(problem, domain, planner, count=count, time_limit=time_limit)
    if as_json:
        sys.stdout.write(json.dumps({"file": str(problem), **solved.to_json()}, indent=2) + "\n")
    else:
        show_plan(solved)


def show_plan(solved) -> None:
    """One problem's plan: a summary comment, the PDDL actions, and the plan in the seed's words."""
    from ..world.text import render_plan

    result = solved.result
    counted = result.describe_count()
    size = common.count(result.length, "step")
    if result.length and len(solved.plan_pddl) * 2 == result.length:  # the 3-operator domain: one action a move
        size = f"{common.count(len(solved.plan_pddl), 'move')} ({size})"
    common.show(f"; {size}, planner {result.planner}, {solved.seconds * 1000:.1f} ms"
                + (f", {counted}" if counted else ""))
    for action in solved.plan_pddl:
        common.show(action)
    common.show("")
    common.show(render_plan(result.plan))


def directory_table(directory: Path, attempts) -> Table:
    """A directory's problems, a row each: its size, its optimal plan's length and count, and the plan (or why not)."""
    planners = sorted({a.solved.result.planner for a in attempts if a.solved is not None})
    title = f"{directory}: {common.count(len(attempts), 'problem')}" + "".join(f", planner {p}" for p in planners)
    table = Table(title=title, title_justify="left")
    for name in ("file", "blocks", "steps", "optimal plans", "ms", "plan"):
        table.add_column(name, justify="right" if name in ("blocks", "steps", "ms") else "left")
    for a in attempts:
        s = a.solved
        if s is None:
            table.add_row(a.file.name, "", "", "", "", f"not solved: {a.error}")
        else:
            table.add_row(a.file.name, str(len(s.problem.init.blocks)), str(s.result.length),
                          s.result.describe_count() or "not counted", f"{s.seconds * 1000:.1f}", " ".join(s.plan_pddl))
    return table
