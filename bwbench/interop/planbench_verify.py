"""PlanBench's published task-3 (plan verification) answers rescored on a suite: bwbench's three scores beside
PlanBench's.

PlanBench shows three solved examples (other instances, drawn at random, one
candidate of each kind) before the problem, and its candidates are drawn at
random too; its code's seeds do not give the published ones, so everything is
read back from each query. Each ``[STATEMENT]`` is matched to the suite's
problem whose statement it is (by PlanBench's words for its initial state and
goal), and its candidate plan read in PlanBench's words. The entry becomes a
verify record naming its candidate and its examples, so the prompt bwbench
renders for it (:func:`bwbench.tasks.verify.planbench_prompt`) is checked to
be the query byte for byte; its raw answer is judged by bwbench's reader and
simulator (:func:`bwbench.tasks.verify.judge_verify`).

PlanBench reads the answer line by line for fixed phrases and judges an
explanation by its action's text and any one fact; it does not check the step
number. Where the verdicts differ, :func:`difference` names why.
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from ..errors import BwbenchError
from ..judging.metrics import BY, aggregate
from ..judging.parse import parse_completion
from ..suites.dataset import Example
from ..tasks.verify import KIND_OF, VERIFY, answer_text, judge_verify, planbench_prompt
from ..world import planbench as pb
from ..world.state import Action
from .planbench_rescore import LoadedSuite
from .planbench_results import read_results
from .planbench_tasks import Row, TaskFileScore, planbench_verdicts

TASK_KEY = "task_3_plan_verification"
"""What a PlanBench results file's ``task`` says for plan verification."""
SCORES = (("binary", "llm_correct_binary"), ("typed", "llm_correct_w_type"), ("explained", "llm_correct_w_expl"))
"""bwbench's three scores and the keys of PlanBench's verdicts for them."""
_STATEMENT = "\n[STATEMENT]\n"


def _head(ex: Example) -> str:
    """PlanBench's words for a problem's initial state and goal: what identifies a statement's problem."""
    config = pb.config_for(ex.vocab) if ex.vocab is not None else pb.BLOCKSWORLD
    config = config.for_objects(sorted(ex.init.blocks))
    problem = pb.problem_of(ex.init, ex.goal)
    words = [pb.conjunction([pb.fact_words(f, config) for f in pb.words_order(facts, config.vocabulary)])
             for facts in (problem.init, problem.goal)]
    return f"As initial conditions I have that, {words[0]}.\nMy goal is to have that {words[1]}. \n"


def _candidate(statement: str, ex: Example) -> list[str]:
    """The statement's candidate plan, read in PlanBench's words, as PDDL actions; ``ValueError`` otherwise."""
    start = statement.index("[PLAN]\n") + len("[PLAN]\n")
    text = statement[start:statement.index("[PLAN END]", start)]
    parsed = parse_completion(text, ex.init.blocks, ex.vocab)
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(parsed.steps) != len(lines) or any(s.__class__ is not Action for s in parsed.steps):
        raise ValueError(f"cannot read the candidate plan: {text!r}")
    return [a.pddl() for a in parsed.steps]


_BOTH = re.compile(r"precondition", re.I), re.compile(r"goal", re.I)
_GOAL_WORDING = re.compile(r"goal conditions? (?:is|are) unmet|goal (?:is|was) not (?:met|achieved|reached)", re.I)


def difference(r: Row, score: str) -> str:
    """Why bwbench's and PlanBench's ``score`` differ, as a kind."""
    j, raw = r.judgement, r.response or ""
    said, truth = j.said, j.truth
    if score == "binary":
        return "the verdict read otherwise (valid or invalid)"
    if score == "typed" or r.disagrees("typed"):
        if all(p.search(raw) for p in _BOTH):
            return ("both an unmet precondition and an unmet goal named: PlanBench counts the type wrong, bwbench "
                    "takes the first named")
        if _GOAL_WORDING.search(raw):
            return "a wording PlanBench's reader misses ('the goal condition is unmet')"
        return "the failure's type read otherwise"
    if truth.kind == "precondition" and said.step is not None and said.step != truth.step:
        return "a wrong step number: PlanBench does not check it"
    if truth.kind == "precondition" and said.action != truth.action:
        return "the action named is read otherwise"
    if j.explained and not r.planbench.get("explained"):
        return "a fact bwbench reads and PlanBench's reader misses"
    if not said.facts & set(truth.facts):
        return "no fact of the failure named (an action or other words where a fact is asked): PlanBench takes one"
    return "the facts named are read otherwise"


def score_verify_file(path: str | Path, suite: LoadedSuite) -> TaskFileScore:
    """Read, match, judge and compare one task-3 file; ``BwbenchError`` naming the file and instance when a
    statement is not one of ``suite``'s problems."""
    rf = read_results(path)
    verdicts = planbench_verdicts(path, SCORES)
    heads = {_head(ex): ex for ex in suite.examples}
    by_source = {ex.record.get("source"): ex for ex in suite.examples}
    rows, outside, exact = [], [], 0
    for e in rf.entries:
        ex = by_source.get(e.source)
        if ex is None:
            outside.append(e.instance_id)
            continue
        item = _item(e.query, ex, heads, f"{rf.path}: instance {e.instance_id}")
        shown = [(by_source[n["source"]], [_action(s) for s in n["candidate"]]) for n in item.record["examples"]]
        if planbench_prompt(item, shown) != e.query:
            raise BwbenchError(f"instance {e.instance_id}: the query is not PlanBench's verification prompt of "
                               f"{suite.path}'s {e.source}; a results file for another suite?", rf.path)
        exact += 1
        j = None if e.response is None else judge_verify(item.init, item.goal, [_action(s) for s in
                                                         item.record["candidate"]], e.response, ex.optimal_len, ex.vocab)
        rows.append(Row(e.instance_id, e.response, item, j, verdicts.get(e.instance_id, {})))
    if not rows:
        raise BwbenchError(f"none of its instances is a problem of {suite.path} (instance-N.pddl sources)", rf.path)
    card = aggregate([r.judgement for r in rows if r.judgement is not None], by=BY, metrics=VERIFY.metrics)
    return TaskFileScore(VERIFY, SCORES, rf, suite, tuple(rows), tuple(outside), exact, card, difference, 3)


def _action(text: str) -> Action:
    from ..world.vocab import IPC

    return IPC.read_action(text)


def _item(query: str, ex: Example, heads: dict[str, Example], where: str) -> Example:
    """The entry's problem as a verify record: the query's candidate, and its examples (source and candidate)."""
    statements = query.split(_STATEMENT)[1:]
    if len(statements) < 2:
        raise BwbenchError("not PlanBench's verification query (examples, then the problem)", where)
    examples = []
    try:
        for st in statements[:-1]:
            other = next((heads[h] for h in heads if st.startswith(h)), None)
            if other is None:
                raise ValueError("an example's problem is not one of the suite's")
            examples.append({"source": other.record.get("source"), "candidate": _candidate(st, other)})
        candidate = _candidate(statements[-1], ex)
    except ValueError as exc:
        raise BwbenchError(f"the query: {exc}", where) from None
    record = {**VERIFY.derive(ex.record), "candidate": candidate, "examples": examples}
    from ..judging.verification import outcome

    truth = outcome(ex.init, ex.goal, [_action(s) for s in candidate])
    record["candidate_kind"], record["output"] = KIND_OF[truth.kind], answer_text(truth)
    return replace(ex, record=record)


def records(path: str | Path, suite: LoadedSuite) -> dict[str, dict]:
    """The verify record each query of a task-3 file asks, by its problem's source file: the query's candidate and
    its examples."""
    rf = read_results(path)
    heads = {_head(ex): ex for ex in suite.examples}
    by_source = {ex.record.get("source"): ex for ex in suite.examples}
    return {e.source: _item(e.query, by_source[e.source], heads, f"{rf.path}: instance {e.instance_id}").record
            for e in rf.entries if e.source in by_source}


__all__ = ["SCORES", "TASK_KEY", "difference", "records", "score_verify_file"]
