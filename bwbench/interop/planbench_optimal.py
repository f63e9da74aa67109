"""PlanBench's published task-2 (plan optimality) answers rescored on a suite: bwbench's verdict beside PlanBench's.

The prompt is PlanBench's rules with each action's cost, the instance before
solved with its plan and total time, then the problem: nothing drawn at
random, so the suite's problems alone give it, and each query is checked to be
bwbench's rendering byte for byte (:func:`bwbench.tasks.optimal.planbench_prompt`).
Each raw answer is read and simulated as a plan; it is right when valid and as
short as the optimum. PlanBench validates the plan it extracted with VAL and
compares its length with the optimal cost; where the two verdicts differ,
:func:`difference` names why.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import BwbenchError
from ..judging.judge import judge
from ..judging.metrics import BY, aggregate
from ..tasks.optimal import OPTIMAL, planbench_prompt
from .planbench_rescore import LoadedSuite
from .planbench_results import read_extracted, read_results
from .planbench_tasks import Row, TaskFileScore, planbench_verdicts

TASK_KEY = "task_2_plan_optimality"
"""What a PlanBench results file's ``task`` says for plan optimality."""
SCORES = (("optimal", "llm_correct"),)
"""bwbench's score and the key of PlanBench's verdict for it."""


def difference(r: Row, score: str = "optimal") -> str:
    """Why the verdicts differ, as a kind: what PlanBench's extraction made of the answer, against bwbench's reading."""
    j, extracted = r.judgement, r.planbench_parsed
    if extracted is None:
        return "PlanBench's file keeps no extraction of this answer"
    if extracted.valid != j.valid and re.search(r"unstack the \w+ block from the table", r.response or ""):
        return ("'unstack X from the table': bwbench reads picking X up from the table, PlanBench an unstack that "
                "cannot be executed")
    if extracted.valid != j.valid:
        return ("PlanBench's extracted plan is valid and bwbench's reading of the answer is not" if extracted.valid
                else "bwbench's reading of the answer is a valid plan and PlanBench's extraction is not")
    return "the two readings give plans of other lengths"


def _letters(lines: tuple[str, ...], ex) -> tuple[str, ...]:
    """PlanBench's task-2 extractions name blocks by colour (``(unstack yellow orange)``); its problems, by letter."""
    words = {w.removesuffix(" block"): name for name, w in (ex.vocab.objects.items() if ex.vocab else ())}
    return tuple(re.sub(r"[\w-]+", lambda m: words.get(m.group(0), m.group(0)), ln) for ln in lines)


def score_optimal_file(path: str | Path, suite: LoadedSuite) -> TaskFileScore:
    """Read, match, judge and compare one task-2 file; ``BwbenchError`` naming the file when none of its instances
    is one of ``suite``'s problems."""
    rf = read_results(path)
    verdicts = planbench_verdicts(path, SCORES)
    by_source = {ex.record.get("source"): ex for ex in suite.examples if ex.record.get("source")}
    rows, outside, exact = [], [], 0
    for e in rf.entries:
        ex, shown = by_source.get(e.source), by_source.get(f"instance-{e.instance_id - 1}.pddl")
        if ex is None or shown is None:
            outside.append(e.instance_id)
            continue
        if planbench_prompt(ex, shown) != e.query:
            raise BwbenchError(f"instance {e.instance_id}: the query is not PlanBench's optimality prompt of "
                               f"{suite.path}'s {e.source}; a results file for another suite?", rf.path)
        exact += 1
        j = None if e.response is None else judge(ex.init, ex.goal, e.response, None, ex.optimal_len, ex.vocab)
        reading = None if e.extracted is None else read_extracted(_letters(e.extracted, ex), ex)
        rows.append(Row(e.instance_id, e.response, ex, j, verdicts.get(e.instance_id, {}),
                        None if reading is None else reading.describe(), reading))
    if not rows:
        raise BwbenchError(f"none of its instances is a problem of {suite.path} (instance-N.pddl sources)", rf.path)
    card = aggregate([r.judgement for r in rows if r.judgement is not None], by=BY, metrics=OPTIMAL.metrics)
    return TaskFileScore(OPTIMAL, SCORES, rf, suite, tuple(rows), tuple(outside), exact, card, difference, 1)


def records(path: str | Path, suite: LoadedSuite) -> dict[str, dict]:
    """The optimal record each query of a task-2 file asks, by its problem's source file (nothing in a task-2 query
    is drawn at random: these are the task's own records)."""
    rf = read_results(path)
    by_source = {ex.record.get("source"): ex for ex in suite.examples if ex.record.get("source")}
    return {e.source: OPTIMAL.derive(by_source[e.source].record) for e in rf.entries if e.source in by_source}


__all__ = ["SCORES", "TASK_KEY", "difference", "records", "score_optimal_file"]
