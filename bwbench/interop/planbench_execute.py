"""PlanBench's published task-7 (plan execution) answers rescored on a suite: bwbench's verdict beside PlanBench's.

PlanBench asks for the state a prefix of its gold plan leads to, one-shot (the
instance before, with a prefix of its own). The prefixes were drawn at random
and its code's seeds do not give the published ones, so they are read back
from each query: its last ``[ACTION SEQUENCE]`` is the problem's, its first the
example's. Each entry becomes an execute record of the suite's problem (so the
prompt bwbench renders for it, :func:`bwbench.tasks.execute.planbench_prompt`,
is checked to be the query byte for byte) and its raw answer is judged by
bwbench's reader and simulator (:func:`bwbench.tasks.execute.judge_execute`).

PlanBench reads an answer by splitting it at commas, dropping pieces with
" not ", and taking the first phrase and colours it finds; its verdict is list
equality with the true facts, duplicates included. Where the two verdicts
differ, :func:`difference` names why.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from ..errors import BwbenchError
from ..judging.metrics import BY, aggregate
from ..judging.parse import parse_completion
from ..judging.states import facts_text, state_text
from ..suites.dataset import Example
from ..tasks.execute import (
    EXECUTE,
    executed,
    judge_execute,
    planbench_prompt,
    resulting,
)
from ..world.goal import Fact
from ..world.state import Action
from .planbench_rescore import LoadedSuite
from .planbench_results import Entry, read_results
from .planbench_tasks import Row, TaskFileScore, planbench_verdicts

TASK_KEY = "task_7_plan_execution"
"""What a PlanBench results file's ``task`` says for plan execution."""
_STATEMENT = "\n[STATEMENT]\n"
_SEQUENCE = "[ACTION SEQUENCE]\n"
_SEQUENCE_END = "[ACTION SEQUENCE END]"


def sequence(statement: str, example: Example) -> tuple[Action, ...]:
    """The actions of one ``[STATEMENT]``'s ``[ACTION SEQUENCE]``, read in the problem's words; ``ValueError`` when
    they do not read or apply in turn."""
    start = statement.index(_SEQUENCE) + len(_SEQUENCE)
    text = statement[start:statement.index(_SEQUENCE_END, start)]
    parsed = parse_completion(text, example.init.blocks, example.vocab)
    if len(parsed.steps) != len([ln for ln in text.splitlines() if ln.strip()]):
        raise ValueError(f"cannot read the action sequence: {text!r}")
    state, out = example.init, []
    for step in parsed.steps:
        action = step if step.__class__ is Action else step.resolve(state)
        why = state.why_not(action)
        if why is not None:
            raise ValueError(f"{action.nl()} does not apply: {why}")
        state = state.apply(action)
        out.append(action)
    return tuple(out)


def _fact(key: str, words: dict[str, str]) -> Fact:
    """``"on_a_b"`` → ``("on", "a", "b")``; PlanBench's colour names (``"on_red_blue"``) through ``words``."""
    role, *args = key.split("_")
    role = {"ontable": "on-table", "handempty": "arm-empty"}.get(role, role)
    return (role, *(words.get(a, a) for a in args))


SCORES = (("equal", "llm_correct"),)
"""bwbench's score and the key of PlanBench's verdict for it."""


def difference(r: Row, score: str = "equal") -> str:
    """Why bwbench's verdict and PlanBench's differ, as a kind: what in the answer each reading took otherwise."""
    j, raw = r.judgement, r.response or ""
    ours, theirs = (j.reading.facts if j else frozenset()), frozenset(r.planbench_parsed or ())
    only_theirs, only_ours = theirs - ours, ours - theirs
    if only_theirs and re.search(r"\b(?:no longer|not)\b", raw):
        return "a denied fact: PlanBench reads 'X is no longer P' as P, bwbench as a denial"
    if only_ours and " with " in raw:
        return "one clause stating two facts ('X is on the table with no blocks on top of it'): PlanBench reads one"
    if only_ours and re.search(r"\band\s+(?:is\s+|are\s+)?(?:now\s+|still\s+|also\s+)?(?:clear|on)\b", raw):
        return "two facts of one block ('X is clear and on the table'): PlanBench reads the first only"
    if only_ours and re.search(r"\b(?:both|are)\b", raw):
        return "two blocks in one clause: PlanBench reads the first block only, bwbench both"
    extracted = r.planbench_parsed or ()  # PlanBench's facts as it listed them, repeats kept
    if not only_ours and not only_theirs and len(set(extracted)) < len(extracted):
        return "a fact stated twice: PlanBench compares lists with duplicates, bwbench sets"
    if j is not None and j.reading.unreadable:
        return "a clause bwbench cannot read as a fact (the answer is then wrong for bwbench)"
    return "the two readings take other facts from the answer"


def score_execute_file(path: str | Path, suite: LoadedSuite) -> TaskFileScore:
    """Read, match, judge and compare one task-7 file; ``BwbenchError`` naming the file and instance when it is not
    one of ``suite``'s problems."""
    rf = read_results(path)
    verdicts = planbench_verdicts(path, SCORES)
    by_source = {ex.record.get("source"): ex for ex in suite.examples if ex.record.get("source")}
    rows, outside, exact = [], [], 0
    for e in rf.entries:
        ex = by_source.get(e.source)
        if ex is None:
            outside.append(e.instance_id)
            continue
        shown = by_source.get(f"instance-{e.instance_id - 1}.pddl")
        item, example_item = _items(e, ex, shown, rf.path)
        if planbench_prompt(item, example_item) != e.query:
            raise BwbenchError(f"instance {e.instance_id}: the query is not PlanBench's execution prompt of "
                               f"{suite.path}'s {e.source}; a results file for another suite?", rf.path)
        exact += 1
        j = None if e.response is None else judge_execute(item.init, _actions(item), e.response, ex.optimal_len,
                                                          ex.vocab)
        words = {w.removesuffix(" block"): name for name, w in (ex.vocab.objects.items() if ex.vocab else ())}
        facts = None if e.extracted is None else tuple(_fact(k, words) for k in e.extracted)
        rows.append(Row(e.instance_id, e.response, item, j, verdicts.get(e.instance_id, {}),
                        None if facts is None else facts_text(facts), facts))
    if not rows:
        raise BwbenchError(f"none of its instances is a problem of {suite.path} (instance-N.pddl sources)", rf.path)
    card = aggregate([r.judgement for r in rows if r.judgement is not None], by=BY, metrics=EXECUTE.metrics)
    return TaskFileScore(EXECUTE, SCORES, rf, suite, tuple(rows), tuple(outside), exact, card, difference, 1)


def _actions(ex: Example) -> tuple[Action, ...]:
    return executed(ex.record, ex.init)


def _items(e: Entry, ex: Example, shown: Example | None, path: str) -> tuple[Example, Example]:
    """The entry's problem as an execute record with the query's actions (and its example's), and the example."""
    parts = e.query.split(_STATEMENT)
    where = f"{path}: instance {e.instance_id}"
    if len(parts) != 3 or shown is None:
        raise BwbenchError("not PlanBench's one-shot execution query of a suite problem (an example, then the "
                           "problem)", where)
    try:
        own, example = sequence(parts[2], ex), sequence(parts[1], shown)
    except ValueError as exc:
        raise BwbenchError(f"the query's actions: {exc}", where) from None
    record = {**EXECUTE.derive(ex.record), "actions": [a.nl() for a in own],
              "example_actions": [a.nl() for a in example]}
    record["output"] = state_text(resulting(ex.init, own))
    return replace(ex, record=record), shown


def records(path: str | Path, suite: LoadedSuite) -> dict[str, dict]:
    """The execute record each query of a task-7 file asks, by its problem's source file: the query's actions and
    its example's."""
    rf = read_results(path)
    by_source = {ex.record.get("source"): ex for ex in suite.examples if ex.record.get("source")}
    return {e.source: _items(e, by_source[e.source], by_source.get(f"instance-{e.instance_id - 1}.pddl"),
                             rf.path)[0].record for e in rf.entries if e.source in by_source}


__all__ = ["SCORES", "TASK_KEY", "difference", "records", "score_execute_file", "sequence"]

