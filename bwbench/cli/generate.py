"""``bwbench generate``: a suite of problems drawn at levels and sizes, solved, checked, written whole."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.table import Table

from . import common
from .app import command

Level = Annotated[Optional[str], typer.Option("--level", metavar="Lk", help="One level, e.g. L3 (Lk = optimal plans of 2k steps).")]
Levels = Annotated[Optional[str], typer.Option("--levels", metavar="Lk,...", help="Several levels, e.g. L1,L2,L3.")]
N = Annotated[Optional[int], typer.Option("--n", min=0, help="Test problems per level, each with exactly one optimal plan (default 100).")]
Train = Annotated[Optional[int], typer.Option("--train", min=0, metavar="N", help="Training problems per level, disjoint from test (default 0).")]
Blocks = Annotated[Optional[str], typer.Option("--blocks", metavar="N|A-B", help="Block counts, e.g. 6 or 4-6 (default); problems are spread evenly over them.")]
MaxTowers = Annotated[Optional[int], typer.Option("--max-towers", min=1, metavar="N", help="At most this many towers in any state.")]
Seed = Annotated[int, typer.Option("--seed", help="Random seed; the same arguments give byte-identical files.")]
Colors = Annotated[Optional[str], typer.Option("--colors", metavar="NAME,...", help="Comma-separated block names (default: the seed's 7 colours, or 60 for more than 7 blocks).")]
Preset = Annotated[Optional[str], typer.Option("--preset", metavar="NAME", help="A predefined suite: paper (Table 1 exactly), standard, or ladder (plans of 2 to 40 steps). It fixes the levels, block counts, problem counts and sampling, so --level(s), --n, --train, --blocks, --sampler and --allow-ties are refused with it; the other options apply.")]
Planner = Annotated[str, typer.Option("--planner", metavar="NAME", help="Planner for gold plans: bwbench, pyperplan or fast-downward.")]
Disjoint = Annotated[bool, typer.Option("--disjoint-renaming", help="Also keep train and test apart up to renaming of colours.")]
Name = Annotated[Optional[str], typer.Option("--name", help="The suite's name, used in ids and in eval's default run directories (default: the --out directory's name; without --out, the preset's or 'custom').")]
Out = Annotated[Optional[Path], typer.Option("--out", metavar="DIR", help="Suite directory (default: ./<name>); an earlier generated suite there is replaced whole (its dataset card rewritten), any other non-empty directory refused.")]
Pddl = Annotated[Optional[Path], typer.Option("--pddl", metavar="DIR", help="Also write every problem as DIR/<id>.pddl (DIR may be inside --out).")]
Sampler = Annotated[str, typer.Option("--sampler", metavar="NAME", help="How problems are drawn: uniform (random pairs kept at the level: uniform over it, but finds nothing far from the typical level), walk (a random goal, then k moves each one further from it: any level, not uniform), or auto (uniform up to 7 blocks, walk beyond).")]
Ties = Annotated[bool, typer.Option("--allow-ties", help="Test problems may have several optimal plans (long plans with many blocks rarely have one); the manifest says so.")]
Jobs = Annotated[int, typer.Option("--jobs", min=1, metavar="N", help="Worker processes (uniform cells run in parallel, a walk cell's attempts do; output is the same).")]
Task = Annotated[str, typer.Option("--task", metavar="NAME", help="The question each problem asks (bwbench tasks lists them; default plan).")]
Queries = Annotated[Optional[Path], typer.Option("--queries", metavar="FILE", help="With --from a suite imported from PlanBench: take what PlanBench drew at random (task 7's actions, task 3's candidates and examples) from its results FILE's queries, so that --template planbench asks them byte for byte.")]
Source = Annotated[Optional[Path], typer.Option("--from", metavar="SUITE", help="Ask --task of an existing suite's problems (every split, generated or imported) instead of drawing new ones.")]


@command(epilog=common.examples("bwbench generate --level L3 --n 200 --out suites/l3",
                                "bwbench generate --task next-action --from data/standard --out suites/next",
                                "bwbench generate --task execute --from data/planbench-bw --queries ../shared/planbench-reference/tasks/plan-bench/results/blocksworld/gpt-4_chat/task_7_plan_execution.json --out suites/execute-pb"))
def generate(level: Level = None, levels: Levels = None, n: N = None, train: Train = None, blocks: Blocks = None,
             max_towers: MaxTowers = None, seed: Seed = 0, colors: Colors = None, preset: Preset = None,
             planner: Planner = "bwbench", disjoint_renaming: Disjoint = False, name: Name = None, out: Out = None,
             pddl: Pddl = None, sampler: Sampler = "auto", allow_ties: Ties = False, jobs: Jobs = 1,
             task: Task = "plan", source: Source = None, queries: Queries = None) -> None:
    """Generate a benchmark suite: JSONL per split plus manifest.json."""
    from ..suites.generate import GenerateRequest
    from ..tasks.suites import generate_task_suite

    request = GenerateRequest(
        out=out, name=name, preset=preset, levels=common.levels(level, levels), n=n, train=train,
        blocks=common.blocks(blocks), max_towers=max_towers, seed=seed, colors=common.names(colors), planner=planner,
        disjoint_renaming=disjoint_renaming, pddl=pddl, sampler=sampler, allow_ties=allow_ties, jobs=jobs, task=task)
    given = given_from = None
    if queries is not None:
        from ..interop.planbench_queries import query_records

        asked = query_records(queries, source, task) if source is not None else None
        given, given_from = (asked.records, asked.file) if asked is not None else ({}, None)
    with common.progress() as bar:
        bar_task = bar.add_task(f"generating {request.suite_name}", total=None)
        made = generate_task_suite(request, source, progress=lambda k: bar.advance(bar_task, k),
                                   on_total=lambda total: bar.update(bar_task, total=total), given=given,
                                   given_from=given_from)
    table = Table(title=f"{made.manifest.suite}: {made.problems:,} problems in {made.seconds:.1f}s → {made.out}",
                  title_justify="left")
    for column in ("split", "level", "problems by block count"):
        table.add_column(column)
    for split, by_level in made.manifest.counts.items():
        for lvl, by_blocks in by_level.items():
            table.add_row(split, lvl, "  ".join(f"{b}b: {c}" for b, c in by_blocks.items()))
    common.out.print(table)
