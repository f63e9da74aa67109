"""``bwbench score``: judge anyone's answers by simulating them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, List, Optional

import typer
from rich.table import Table
from rich.text import Text

from . import common
from .app import command

Files = Annotated[List[Path], typer.Argument(metavar="FILES", help="Predictions: bwbench JSONL (a problem and a raw 'completion' per line), the seed's results JSON, PlanBench's results files (all for the suite given by --suite), or a folder of answers, one file per problem named after its problem file as LLM+P writes them (p01.pddl, p01.pddl.soln; in words or PDDL), with --suite.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON (rates as fractions, 95% Wilson intervals; 'correct' is the task's primary figure) instead of a table.")]
By = Annotated[Optional[str], typer.Option("--by", metavar="GROUP", help="Break down by 'level' (default: the true level, from the optimal plan length), 'blocks' or 'length' (the optimal plan length) (PlanBench files: all three, always).")]
Report = Annotated[Optional[Path], typer.Option("--report", metavar="FILE", help="Also write a human-readable report: every failure with the judge's reason (PlanBench files: every disagreement with PlanBench, both readings).")]
Results = Annotated[Optional[Path], typer.Option("--results", metavar="FILE", help="Also write a results.json (for bwbench leaderboard); needs --suite, and one FILE (and --model, but for a PlanBench file, named by its engine).")]
ResultsDir = Annotated[Optional[Path], typer.Option("--results-dir", metavar="DIR", help="PlanBench files: write each one's results.json to DIR/<suite>-<engine>-<prompt>/results.json.")]
Suite = Annotated[Optional[Path], typer.Option("--suite", metavar="DIR", help="The dataset the predictions are for (checked problem by problem): needed with --results, for PlanBench's files (e.g. data/planbench-bw), and for a folder of answers (the suite imported from the problems they answer).")]
Model = Annotated[Optional[str], typer.Option("--model", metavar="NAME", help="With --results: the name the leaderboard shows.")]
Jobs = Annotated[Optional[int], typer.Option("--jobs", min=1, metavar="N", help="Processes judging in parallel (default: one per core when the files hold 4 MB or more, else one). The output is the same with any number. Not with --results, nor for PlanBench files (one process).")]


@command(epilog=common.examples(
    "bwbench score ../shared/seed-reference/results/lora_2025-11-17-09-14-09-9bf6.json --report lora.txt",
    "bwbench score ../shared/planbench-reference/results/blocksworld/*/*.json --suite data/planbench-bw  "
    "# PlanBench's results"))
def score(files: Files, as_json: AsJson = False, by: By = None, report: Report = None, results: Results = None,
          results_dir: ResultsDir = None, suite: Suite = None, model: Model = None, jobs: Jobs = None) -> None:
    """Judge model plans by simulating them: exact match, valid, optimal, and why each failure failed."""
    from ..interop.answers import ScoreRequest
    from ..interop.answers import score as run_score
    from ..interop.planbench_tasks import TaskFileScore

    scored = run_score(ScoreRequest(tuple(files), by, report, results, results_dir, suite, model, jobs), common.progress)
    objs = [s.to_json() for s in (scored.files or scored.planbench)]
    if as_json:
        sys.stdout.write(json.dumps(objs[0] if len(objs) == 1 else {"files": objs}, indent=2) + "\n")
    elif scored.planbench is not None and isinstance(scored.planbench[0], TaskFileScore):
        common.out.print(planbench_task_table(scored.planbench))
    elif scored.planbench is not None:
        common.out.print(planbench_table(scored.planbench))
    else:
        for s in scored.files:
            common.out.print(scored_table(s, scored.by))


def planbench_table(scores) -> Table:
    """PlanBench results files rescored, a row each: bwbench's figures beside PlanBench's, and their agreement."""
    first = scores[0].suite
    table = Table(title=f"PlanBench results rescored on {first.name} ({len(first.examples)} problems)", title_justify="left")
    for name in ("run", "n", "miss", "out", "valid", "opt", "exec", "PlanBench", "agree ext", "agree ans"):
        table.add_column(name, justify="left" if name == "run" else "right")

    def pct(v) -> str:
        return "–" if v is None else f"{100 * v:.1f}%"

    for s in scores:
        m, fig, agree = s.card.overall.tallies, s.planbench_figure(), s.agreement()
        raw = agree["raw"]
        table.add_row(f"{s.file.engine} {s.file.prompt_label}", str(len(s.judged)), str(s.missing),
                      str(len(s.matched.outside)), pct(m["valid"].value), pct(m["optimal"].value),
                      pct(m["executable"].value), pct(fig["rate"]), pct(agree["extracted"]["rate"]),
                      pct(raw["rate"]) + (f" ({pct(raw['rate_adjudicated'])})" if raw["disagree"] else ""))
    table.caption = ("PlanBench: its own verdicts. agree: bwbench's verdict = PlanBench's, on PlanBench's extracted plans "
                     "(ext) and on the answers (ans; in brackets, counting each disagreement for the reading the answer "
                     "supports: see --report)")
    return table


def planbench_task_table(scores) -> Table:
    """PlanBench results files of a task beyond plan generation rescored: bwbench's figure, PlanBench's, agreement."""
    table = Table(title=f"PlanBench results rescored on {scores[0].suite.name}", title_justify="left")
    for name in ("run", "task", "n", "correct", "PlanBench", "agree"):
        table.add_column(name, justify="left" if name in ("run", "task") else "right")
    for s in scores:
        j = s.to_json()
        pct = lambda v: "–" if v is None else f"{100 * v:.1f}%"  # noqa: E731
        table.add_row(s.file.engine, j["task"], str(j["n"]), pct(j["overall"]["correct"]), pct(j["planbench"]["rate"]),
                      pct(j["agreement"]))
    table.caption = "correct: bwbench's primary figure; PlanBench: its own verdicts; agree: the share of equal verdicts"
    return table


def scored_table(scored, by: str) -> Table:
    """A scored file (:class:`bwbench.judging.scoring.ScoredFile`) as a table: metrics by group, with intervals."""
    card = scored.card
    groups = card.groups[by]
    table = Table(title=f"{scored.path}: {card.overall.n:,} predictions ({scored.format})", title_justify="left")
    table.add_column("metric")
    table.add_column("overall", justify="right")
    for key in groups:
        table.add_column({"level": key, "blocks": f"{key} blocks", "length": f"{key} steps"}[by], justify="right")
    summaries = [card.overall, *groups.values()]
    table.add_row("n", *(f"{s.n:,}" for s in summaries))
    for m in card.overall.metrics:
        cells = []
        for s in summaries:
            t = s.tallies[m.name]
            lo, hi = t.ci(m.kind) or (0.0, 1.0)
            cells.append(Text("–") if t.value is None else
                         Text.assemble(f"{100 * t.value:.1f}%\n", (f"{100 * lo:.1f}–{100 * hi:.1f}", "dim")))
        table.add_row(m.label, *cells)
    claimed = scored.meta.get("metrics")
    if isinstance(claimed, dict):
        table.caption = "the file's own figures: " + ", ".join(
            f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in claimed.items())
    missing = scored.meta.get("missing")
    if missing:
        table.caption = (f"no answer for {len(missing)} of the suite's {scored.meta['problems']} problems "
                         f"(first {missing[0]}); they are not counted")
    return table
