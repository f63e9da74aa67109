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
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import BwbenchError
from ..judging.metrics import BY, Scorecard, aggregate
from ..judging.parse import parse_completion
from ..judging.states import facts_text
from ..runs import results as results_file
from ..suites.dataset import Example
from ..tasks.execute import EXECUTE, ExecuteJudgement, executed, judge_execute, planbench_prompt
from ..world.goal import Fact
from ..world.state import Action
from .planbench_rescore import LoadedSuite
from .planbench_results import FORMAT, Entry, ResultsFile, read_results

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


@dataclass(frozen=True)
class Rescored:
    """One answer: the entry, its execute record, bwbench's verdict (None: no answer) and PlanBench's."""

    entry: Entry
    example: Example  # the suite's problem, its record an execute record with the query's actions
    judgement: ExecuteJudgement | None
    planbench: bool | None
    planbench_facts: frozenset[Fact] | None  # PlanBench's extraction, in bwbench's fact names

    @property
    def disagrees(self) -> bool:
        return self.judgement is not None and self.planbench is not None and self.judgement.equal != self.planbench


def _fact(key: str, words: dict[str, str]) -> Fact:
    """``"on_a_b"`` → ``("on", "a", "b")``; PlanBench's colour names (``"on_red_blue"``) through ``words``."""
    role, *args = key.split("_")
    role = {"ontable": "on-table", "handempty": "arm-empty"}.get(role, role)
    return (role, *(words.get(a, a) for a in args))


def difference(r: Rescored) -> str:
    """Why bwbench's verdict and PlanBench's differ, as a kind: what in the answer each reading took otherwise."""
    j, raw = r.judgement, r.entry.response or ""
    ours, theirs = (j.reading.facts if j else frozenset()), (r.planbench_facts or frozenset())
    only_theirs, only_ours = theirs - ours, ours - theirs
    if only_theirs and re.search(r"\b(?:no longer|not)\b", raw):
        return "a denied fact: PlanBench reads 'X is no longer P' as P, bwbench as a denial"
    if only_ours and " with " in raw:
        return "one clause stating two facts ('X is on the table with no blocks on top of it'): PlanBench reads one"
    if only_ours and re.search(r"\b(?:both|are)\b", raw):
        return "two blocks in one clause: PlanBench reads the first block only, bwbench both"
    if not only_ours and not only_theirs and len(set(r.entry.extracted or ())) < len(r.entry.extracted or ()):
        return "a fact stated twice: PlanBench compares lists with duplicates, bwbench sets"
    if j is not None and j.reading.unreadable:
        return "a clause bwbench cannot read as a fact (the answer is then wrong for bwbench)"
    return "the two readings take other facts from the answer"


@dataclass(frozen=True)
class ExecuteFileScore:
    """A task-7 results file rescored on a suite."""

    file: ResultsFile
    suite: LoadedSuite
    rows: tuple[Rescored, ...]
    outside: tuple[int, ...]  # instances the suite does not have
    exact: int  # queries equal to bwbench's rendering
    card: Scorecard

    @property
    def judged(self) -> list[ExecuteJudgement]:
        return [r.judgement for r in self.rows if r.judgement is not None]

    @property
    def findings(self) -> list[Rescored]:
        return [r for r in self.rows if r.disagrees]

    def agreement(self) -> dict:
        both = [r for r in self.rows if r.judgement is not None and r.planbench is not None]
        kinds: dict[str, int] = {}
        for r in self.findings:
            kinds[difference(r)] = kinds.get(difference(r), 0) + 1
        agree = len(both) - len(self.findings)
        return {"n": len(both), "agree": agree, "rate": round(agree / len(both), 6) if both else None,
                "by_difference": dict(sorted(kinds.items()))}

    def planbench_figure(self) -> dict:
        marked = [e for e in self.file.entries if e.marked_correct is not None]
        right = sum(e.marked_correct for e in marked)
        return {"correct": right, "n": len(marked), "rate": round(right / len(marked), 6) if marked else None}

    def to_json(self) -> dict:
        """What ``bwbench score --json`` prints: the task, bwbench's figures (``correct``: equal), PlanBench's count
        (``planbench_correct``) and the share of equal verdicts (``agreement``)."""
        agreement, figure = self.agreement(), self.planbench_figure()
        return {"file": self.file.path, "format": FORMAT, "task": EXECUTE.name, "engine": self.file.engine,
                "suite": {"path": self.suite.path, "name": self.suite.name, "sha256": self.suite.sha256},
                "n": len(self.judged), "queries": {"exact": self.exact, "n": len(self.rows)},
                "outside_suite": list(self.outside), **self.card.to_json(correct=EXECUTE.primary),
                "planbench_correct": figure["correct"], "planbench": figure, "agreement": agreement["rate"],
                "agreement_detail": agreement}

    def results(self, model: str | None = None) -> dict:
        rf = self.file
        identity = {"task": EXECUTE.name, "protocol": "single", "model": model or rf.engine, "model_options": None,
                    "prompt": {"template": "planbench", "shots": 1, "shots_seed": 0, "shots_from": None,
                               "planbench_file": rf.name}, "generation": None}
        return results_file.build(
            identity, suite=self.suite.describe(), model_settings=None,
            metrics=self.card.to_json(correct=EXECUTE.primary), n_examples=len(self.judged),
            n_predictions=len(self.judged), complete=len(self.judged) == len(self.rows), failed={},
            rescored={"from": rf.path, "format": FORMAT, "sha256": rf.sha256, "engine": rf.engine},
            extra={"planbench": self.planbench_figure(), "agreement": self.agreement()})

    def report(self) -> str:
        """Every disagreement, with both readings and the kind of difference."""
        a = self.agreement()
        lines = [f"{self.file.path}: PlanBench task 7 (plan execution) rescored on {self.suite.name}",
                 f"bwbench equal: {sum(j.equal for j in self.judged)} of {len(self.judged)} · PlanBench correct: "
                 f"{self.planbench_figure()['correct']} · verdicts agree on {a['agree']} of {a['n']}", ""]
        for r in self.findings:
            j = r.judgement
            lines += [f"[instance {r.entry.instance_id}] bwbench: {j.status.value}; PlanBench: "
                      f"{'correct' if r.planbench else 'incorrect'} — {difference(r)}",
                      f"  answer: {' '.join((r.entry.response or '').split())[:600]}",
                      f"  bwbench read: {j.read_as()}",
                      f"  PlanBench read: {facts_text(r.planbench_facts or ())}",
                      *([f"  bwbench: {j.reason}"] if j.reason else []), ""]
        return "\n".join(lines)


def score_execute_file(path: str | Path, suite: LoadedSuite) -> ExecuteFileScore:
    """Read, match, judge and compare one task-7 file; ``BwbenchError`` naming the file and instance when it is not
    one of ``suite``'s problems."""
    rf = read_results(path)
    by_source = {ex.record.get("source"): ex for ex in suite.examples if ex.record.get("source")}
    rows, outside, exact = [], [], 0
    for e in rf.entries:
        ex = by_source.get(e.source)
        if ex is None:
            outside.append(e.instance_id)
            continue
        shown = by_source.get(f"instance-{e.instance_id - 1}.pddl")
        item, example_item = _items(e, ex, shown, rf.path)
        exact += planbench_prompt(item, example_item) == e.query
        j = None if e.response is None else judge_execute(item.init, _actions(item), e.response, ex.optimal_len,
                                                          ex.vocab)
        words = {w.removesuffix(" block"): name for name, w in (ex.vocab.objects.items() if ex.vocab else ())}
        facts = None if e.extracted is None else frozenset(_fact(k, words) for k in e.extracted)
        rows.append(Rescored(e, item, j, e.marked_correct, facts))
    if not rows:
        raise BwbenchError(f"none of its instances is a problem of {suite.path} (instance-N.pddl sources)", rf.path)
    card = aggregate([r.judgement for r in rows if r.judgement is not None], by=BY, metrics=EXECUTE.metrics)
    return ExecuteFileScore(rf, suite, tuple(rows), tuple(outside), exact, card)


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
    return replace(ex, record=record), shown


__all__ = ["ExecuteFileScore", "TASK_KEY", "difference", "score_execute_file", "sequence"]

