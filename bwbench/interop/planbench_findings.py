"""Why bwbench's and PlanBench's verdicts on an answer differ, and which reading the answer supports.

The rules of :func:`find`, in order, each decided by simulating both readings
and looking at the answer's text (bwbench's reading is "ours", PlanBench's "theirs"):

* theirs is not a plan VAL can read, or is empty, and ours is valid: PlanBench's
  "incorrect" is about its extraction (often an LLM's translation), not the answer;
* both are the same plan: the simulation's verdict stands (PlanBench's did not
  come from this plan; see the extracted-plan exceptions);
* the answer goes on past its plan into a ``[STATEMENT]`` of its own (a new
  problem), and ours is the plan before it: ours stands;
* the answer numbers several lists of steps and theirs is another list than
  ours: when each list is introduced as replacing the one before ("let me redo
  the plan", "the optimized plan") or as the plan after a walk-through
  ("**Plan of Actions:**"), the last list is the answer's plan;
  otherwise (alternatives offered) undecided, with both readings shown;
* ours is valid and theirs uses only its steps: PlanBench read the answer's
  steps again (a restated plan, a step and its explanation) or skipped some
  (lines its reader does not take: markdown, a third block named on the line);
* theirs is valid and lacks steps of ours: the answer has them, and with them it fails;
* theirs is ours written with names that are not the problem's objects (``object_b``);
* theirs fails at a step that ours lacks and that no line of the answer words
  (PlanBench took it from an explanation): ours stands;
* ours stops (an unreadable line, a step corrected in passing) where theirs
  goes on to a valid plan: PlanBench's stands;
* anything else is undecided, with both readings shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from ..judging.judge import Judgement, judge
from ..judging.parse import takes_back
from ..suites.dataset import Example
from ..world import planbench as pp
from ..world.state import Action
from ..world.text import as_actions
from ..world.vocab import IPC, Vocabulary
from .planbench_results import Entry, ExtractedReading

BWBENCH, PLANBENCH, UNDECIDED = "bwbench", "planbench", "undecided"


@dataclass(frozen=True, slots=True)
class Rescored:
    """One instance in the suite: bwbench's verdict on the answer, and PlanBench's reading and verdict."""

    entry: Entry
    example: Example
    optimal_len: int
    judgement: Judgement | None  # None when the run has no answer
    extracted: ExtractedReading | None  # None when PlanBench extracted or judged nothing

    @property
    def planbench(self) -> bool | None:
        return self.entry.marked_correct

    @property
    def disagrees(self) -> bool:
        return self.judgement is not None and self.planbench is not None and self.judgement.valid != self.planbench


@dataclass(frozen=True, slots=True)
class Finding:
    """Why bwbench's and PlanBench's verdicts on one answer differ, and which reading the answer supports."""

    kind: str
    right: str  # BWBENCH, PLANBENCH or UNDECIDED
    why: str


def find(row: Rescored) -> Finding:
    """Compare bwbench's and PlanBench's readings of an answer whose verdicts differ (see the module's rules)."""
    j, reading, ex = row.judgement, row.extracted, row.example
    reader = "PlanBench's extraction" + (" (an LLM's translation)" if row.entry.translated else "")
    if reading is None:
        return Finding("no_extraction", UNDECIDED, "PlanBench extracted no plan")
    if reading.plan is None:
        if j.valid:
            return Finding("planbench_unreadable", BWBENCH,
                           f"{reader} gave no plan VAL can read ({reading.problem}), so PlanBench counted it incorrect; "
                           f"the answer's plan, as bwbench reads it, is valid")
        return Finding("planbench_unreadable", UNDECIDED, f"{reader} gave no plan VAL can read ({reading.problem})")
    ours, theirs = list(as_actions(ex.init, j.plan)), list(reading.plan)
    for rules in (_read_alike, _planbench_misread, _other_readings):
        found = rules(row, reader, ours, theirs)
        if found is not None:
            return found
    return Finding("different_readings", UNDECIDED,
                   f"the readings differ in more than dropped or repeated steps: bwbench's is "
                   f"{'valid' if j.valid else j.reason or j.status.value}, PlanBench's {reading.describe()}")


def _read_alike(row: Rescored, reader: str, ours: list, theirs: list) -> Finding | None:
    """The same plan; nothing read; a new [STATEMENT] after the plan; several numbered lists."""
    j, reading, ex = row.judgement, row.extracted, row.example
    if ours == theirs:
        return Finding("same_reading", BWBENCH,
                       f"both read the same plan, which simulation finds {reading.describe()}; PlanBench's verdict "
                       f"({word(row.planbench)}) does not follow from it")
    if not theirs and j.valid:
        return Finding("planbench_empty", BWBENCH,
                       f"{reader} gave an empty plan for an answer whose {len(ours)} steps bwbench reads as a valid plan")
    text = row.entry.response or ""
    if "[STATEMENT]" in text:
        before = judge(ex.init, ex.goal, text[:text.index("[STATEMENT]")], None, row.optimal_len, ex.vocab)
        if list(as_actions(ex.init, before.plan)) == ours:
            return Finding("invented_statement", BWBENCH,
                           f"the answer goes on past its plan into a [STATEMENT] of its own (a new problem); bwbench "
                           f"reads the plan before it, {reader} a plan from further on ({reading.describe()})")
    return _several(answer_lists(row), ours, theirs)


def _planbench_misread(row: Rescored, reader: str, ours: list, theirs: list) -> Finding | None:
    """Ours is valid and PlanBench's reading repeats, drops or keeps steps the answer does not mean."""
    j, reading, vocab = row.judgement, row.extracted, row.example.vocab
    if not j.valid or row.planbench:
        return None
    if set(theirs) <= set(ours):
        if len(theirs) > len(ours) and theirs[:len(ours)] == ours:
            return Finding("planbench_restated", BWBENCH,
                           f"{reader} read the answer's {len(ours)} steps and then {len(theirs) - len(ours)} more that "
                           f"repeat them (the answer restates its plan); with the repeat the plan fails: "
                           f"{reading.describe()}")
        if len(theirs) < len(ours) and _subsequence(theirs, ours):
            dropped = _dropped(theirs, ours)
            return Finding("planbench_dropped", BWBENCH,
                           f"{reader} skipped {_steps(dropped, ours, vocab)} of the answer{_quote(dropped, ours, row)}; "
                           f"without {'it' if len(dropped) == 1 else 'them'} the plan fails: {reading.describe()}")
        return Finding("planbench_repeats", BWBENCH,
                       f"{reader} read the answer's steps again where they recur in the text (a step and its "
                       f"explanation, a summary): {len(theirs)} steps for the answer's {len(ours)}, which fail: "
                       f"{reading.describe()}")
    if len(theirs) > len(ours) and _subsequence(ours, theirs) and takes_back(row.entry.response or ""):
        extra = _dropped(ours, theirs)
        return Finding("planbench_retracted", BWBENCH,
                       f"{reader} kept {_steps(extra, theirs, vocab)}, which the answer takes back on its own line "
                       f"(\"... is not possible, so ...\"); with {'it' if len(extra) == 1 else 'them'} the plan fails: "
                       f"{reading.describe()}; without, bwbench's reading is valid")
    return None


def _other_readings(row: Rescored, reader: str, ours: list, theirs: list) -> Finding | None:
    """Steps PlanBench skipped that fail; names that are not the problem's; a step no line words; ours stopping."""
    j, reading, ex = row.judgement, row.extracted, row.example
    vocab = ex.vocab
    if row.planbench and not j.valid and len(theirs) < len(ours) and _subsequence(theirs, ours):
        dropped = _dropped(theirs, ours)
        return Finding("planbench_dropped_failing", BWBENCH,
                       f"{reader} skipped {_steps(dropped, ours, vocab)} of the answer{_quote(dropped, ours, row)}; "
                       f"with {'it' if len(dropped) == 1 else 'them'} the plan fails: {j.reason or j.status.value}")
    strangers = sorted({b for a in theirs for b in (a.block, a.target) if b and b not in ex.init.blocks})
    if j.valid and strangers and _renamed(theirs) == ours:
        return Finding("planbench_names", BWBENCH,
                       f"{reader} wrote the answer's plan with names that are not the problem's objects "
                       f"({', '.join(strangers)}), so VAL rejects it; with the problem's names it is bwbench's "
                       f"reading, which is valid")
    if j.valid and not row.planbench and reading.simulation.failed_step is not None:
        k = reading.simulation.failed_step
        if theirs[k] not in ours and not _quote([k], theirs, row):
            return Finding("planbench_misread", BWBENCH,
                           f"step {k + 1} {(vocab or IPC).write_action(theirs[k])} of {reader}, where its plan fails, "
                           f"is not a step of the answer: no line of the answer words it (it was taken from a line that "
                           f"names the blocks in another role, such as an explanation); bwbench's reading is valid")
    if row.planbench and not j.valid and len(ours) < len(theirs) and theirs[:len(ours)] == ours:
        return Finding("bwbench_stopped", PLANBENCH,
                       f"bwbench's reading ends after {len(ours)} steps ({j.status.value}: {j.reason}); PlanBench read "
                       f"on to a valid plan of {len(theirs)} steps")
    return None


_NUMBERED = re.compile(r"^\s*(?:[-*•>#]+\s*)*(?:\*\*)?\s*(?:step\s*)?(\d{1,3})\s*[.):]", re.IGNORECASE)
# Words with which an answer replaces the plan it has just given by the next one.
_REPLACES = re.compile(r"\b(?:redo|re-do|not correct|incorrect|can't be correct|cannot be correct|mistake|wrong|wait|"
                       r"instead|revise[ds]?|corrected|correct (?:plan|sequence|one)|let me|actually|optimi[sz]ed|"
                       r"improved|final)\b", re.IGNORECASE)

# ... or a heading that names what follows as the plan ("**Plan of Actions:**", "[PLAN]") after a walk-through.
_PLAN_HEADER = re.compile(r"(?:^|\n)[#*\s\[]*(?:final |complete |the )?plan\b[^\n]{0,20}[:\]]\W*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AnswerList:
    """One numbered list of steps in an answer, read by bwbench, and the text that leads to it from the list before."""

    plan: tuple[Action, ...]
    lead: str


def answer_lists(row: Rescored) -> list[AnswerList]:
    """The answer's numbered lists of steps (a new list where the numbering starts again), each read by bwbench."""
    chunks: list[list[str]] = []
    leads: list[list[str]] = [[]]
    last = None
    for line in (row.entry.response or "").splitlines():
        m = _NUMBERED.match(line)
        if m is not None:
            number = int(m.group(1))
            if last is None or number <= last:
                chunks.append([])
                leads.append([])
            last = number
            chunks[-1].append(line)
        elif chunks:
            chunks[-1].append(line)  # the list's own explanations, or what leads to the next list
            leads[-1].append(line)
    ex, out = row.example, []
    for i, chunk in enumerate(chunks):
        j = judge(ex.init, ex.goal, "\n".join(chunk), None, row.optimal_len, ex.vocab)
        out.append(AnswerList(tuple(as_actions(ex.init, j.plan)), "\n".join(leads[i]) if i else ""))
    return out


def _several(lists: list[AnswerList], ours: list[Action], theirs: list[Action]) -> Finding | None:
    plans = [list(x.plan) for x in lists]
    if len(plans) < 2 or theirs not in plans or ours == theirs:
        return None
    where = f"list {plans.index(theirs) + 1} of {len(plans)}" + (
        f", bwbench's list {plans.index(ours) + 1}" if ours in plans else "")
    cues = [_REPLACES.search(x.lead) or _PLAN_HEADER.search(x.lead) for x in lists[1:]]
    if all(cues) and plans[-1] in (ours, theirs):
        who = PLANBENCH if plans[-1] == theirs else BWBENCH
        said = cues[-1].group(0)
        return Finding("several_plans", who,
                       f"the answer gives {len(plans)} numbered lists, each replacing the one before (\"{said}\" before "
                       f"the last); PlanBench's reading is {where}: the last list, {'its' if who == PLANBENCH else 'our'} "
                       f"reading, is the answer's plan")
    return Finding("several_plans", UNDECIDED,
                   f"the answer gives {len(plans)} numbered lists of steps (a plan redone, improved or offered again); "
                   f"PlanBench's reading is {where}; which one the answer means is for a reader to say")


_PREFIX = re.compile(r"^(?:object|obj)[_-]?")


def _renamed(plan: Sequence[Action]) -> list[Action]:
    """``(feast object_a object_b)`` → ``(feast a b)``: objects written as their words, back to the problem's names."""
    def name(b: str | None) -> str | None:
        return None if b is None else _PREFIX.sub("", b)
    return [Action(a.op, name(a.block), name(a.target)) for a in plan]


def word(verdict: bool | None) -> str:
    return "correct" if verdict else "incorrect"


def _subsequence(short: Sequence, long: Sequence) -> bool:
    it = iter(long)
    return all(x in it for x in short)


def _dropped(short: Sequence, long: Sequence) -> list[int]:
    """Indices of ``long`` left out of the subsequence ``short`` (matched greedily from the start)."""
    out, k = [], 0
    for i, x in enumerate(long):
        if k < len(short) and short[k] == x:
            k += 1
        else:
            out.append(i)
    return out


def _steps(indices: Sequence[int], plan: Sequence[Action], vocab: Vocabulary | None) -> str:
    what = ", ".join(f"{i + 1} {(vocab or IPC).write_action(plan[i])}" for i in indices[:6]) + (" …" if len(indices) > 6 else "")
    return f"step{'s' if len(indices) > 1 else ''} {what}"


_NOT_NAMES = {"the", "block", "on", "top", "of", "from", "object", "another"}


def _quote(indices: Sequence[int], plan: Sequence[Action], row: Rescored) -> str:
    """`` (its line '…')``: the first line of the answer that words the first skipped step, when one does."""
    text = row.entry.response or ""
    config = pp.config_for(row.example.vocab) if row.example.vocab is not None else pp.BLOCKSWORLD
    config = config.for_objects(sorted(row.example.init.blocks))
    try:
        words = [w for w in pp.action_words(plan[indices[0]], config).lower().split() if w not in _NOT_NAMES]
    except ValueError:
        return ""
    pattern = re.compile(r"\b" + r"\b.*?\b".join(map(re.escape, words)) + r"\b")
    for line in text.splitlines():
        if pattern.search(line.lower()):
            line = line.strip()
            return f" (e.g. the line {line[:120] + ('…' if len(line) > 120 else '')!r})"
    return ""


