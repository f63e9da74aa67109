"""Reading a plan out of model output: tolerant of how models really write, and never raising.

A completion is read line by line (:mod:`.lines` says how a line is read).

Where the plan is. The text is read up to a chat template's end token. When
it marks its plan PlanBench's way, only the first marked part that holds a step
is read: what lies between ``[PLAN]`` and ``[PLAN END]``, or what precedes a
first ``[PLAN END]`` (the prompt itself ended with ``[PLAN]``); what follows
``[PLAN END]`` is not plan. Otherwise the steps fall into *runs*, and one run
is the plan:

- A new run starts where step numbers go back (``1.`` after ``6.``); where
  numbered steps start after unnumbered ones and other text; and where
  unnumbered steps follow numbered ones and other text, or follow a header
  (``Plan:``, ``**Summary of Actions:**``, ``### Final Plan``, a short line
  ending in a colon).
- Unnumbered lines indented under a numbered step that was read explain it:
  one that restates it (``1. **Unstack red from blue**`` then ``   - Action:
  unstack red from blue``) or cannot be read is skipped; one that names
  another action (``   - Put down red``) is a step of it.
- Runs that agree step for step, as far as the shorter goes, are one plan
  read more than once (an explanation then its summary, a plan then the same
  plan in PDDL, a check of the plan cut short): it is read once, as far as
  the longest goes.
- Of the runs that differ, the plan is the first (a completion that goes on
  to pose and solve another problem is read for its own plan), unless a later
  run is introduced as the outcome, by a header that says final, summary,
  corrected, revised, answer and the like (reasoning, then the plan it
  settled on), and is read as fully (no more unreadable lines than the run
  it would replace).

Strict reading (exactly the seed's format, :func:`bwbench.world.text.parse_plan`)
is tried first; it is both the fast path and the strict mode the judge reports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Collection

from ..world.state import TABLE, Action, Op
from ..world.text import NLStep, strict_steps
from ..world.vocab import Vocabulary
from .lines import (
    CHAT,
    CHAT_LINE,
    END,
    HEAD,
    MARK,
    OUT,
    RETRACT,
    LineReader,
    Step,
    reader,
)

MAX_CHARS = 65_536
"""Only this much of a completion is read, so every example costs a bounded time.

No plan for 10 blocks needs more than a few thousand characters."""

@dataclass(slots=True)
class ParsedPlan:
    """What was read from a completion.

    ``steps`` is the tolerant reading; ``strict_steps`` is the reading in exactly
    the seed's format, or None when the completion is not in that format.
    (Not frozen, for speed; treat it as read-only.)
    ``unreadable`` lists step lines that could not be read, each with the number
    of steps read before it. ``blank`` is true when the completion holds no text
    but whitespace, end tokens and a ``Plan:`` header; ``empty`` when it holds no
    step but says its plan is empty (:func:`says_empty`).
    """

    steps: tuple[Step, ...]
    strict_steps: tuple[Step, ...] | None
    unreadable: tuple[tuple[int, str], ...] = ()
    notes: tuple[str, ...] = ()
    blank: bool = False
    empty: bool = False

    @property
    def strict(self) -> bool:
        return self.strict_steps is not None


def parse_completion(text: str, blocks: Collection[str] | None = None, vocab: Vocabulary | None = None) -> ParsedPlan:
    """Read a plan from free text. Never raises; block names match ``blocks`` regardless of case.

    With ``vocab``, the domain's action names and templates are read too, and
    objects come back as the vocabulary's PDDL names whichever of its words the
    text used (the strict reading keeps names as written).
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    notes: list[str] = []
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        notes.append(f"read only the first {MAX_CHARS:,} characters")
    strict = strict_steps(text)
    lines = reader(vocab)
    # The seed's exact format is read as the seed's two-verb language, when its names are the problem's
    # (a vocabulary's PDDL names count; its words, "red", go through the tolerant reading, which maps them).
    if strict is not None and (blocks is None or all(fits(s, blocks) for s in strict)) and \
            (not lines.names or all(fits(s, vocab.objects) for s in strict)):
        return ParsedPlan(strict, strict, (), tuple(notes), blank=not strict)
    end = END.search(text)
    if end is not None:
        if text[end.end():].strip():
            notes.append(f"ignored what follows the end token {end.group()}")
        text = text[:end.start()]
    read = None
    if "[" in text and MARK.search(text) is not None:
        for section in _sections(text):
            marked: list[str] = []
            read = _tolerant(section, lines, marked)
            if read[0] or read[1]:
                notes.append("read only the part marked as the plan ([PLAN] … [PLAN END])")
                notes.extend(marked)
                break
            read = None
    if read is None:
        read = _tolerant(text, lines, notes)
    steps, unreadable, blank = read
    if not steps and not unreadable and not blank:
        how = says_empty(text)
        if how is not None:
            return ParsedPlan((), strict, (), (f"read as an empty plan ({how})",), empty=True)
    if blocks is not None and not all(fits(s, blocks) for s in steps):
        names = {b.lower(): b for b in blocks}
        steps = [_rename(s, names) for s in steps]
    return ParsedPlan(tuple(steps), strict, tuple(unreadable), tuple(notes), blank)


_MARKED_EMPTY = re.compile(r"(?:\A|\[\s*(?:query[\s_]*)?plan\s*\])\s*\[\s*(?:query[\s_]*)?plan[\s_]*end\s*\]", re.I)
_FD_COST_0 = re.compile(r";\s*cost\s*=\s*0(?:\.0*)?\s*(?:\(.*\))?\s*", re.I)
_NONE = r"(?:no|zero|0)\s+(?:further\s+|more\s+|additional\s+|other\s+)?(?:actions?|steps?|moves?)"
_EMPTY_WORDS = re.compile(
    rf"\b{_NONE}\s+(?:(?:are|is|will\s+be)\s+)?(?:required|needed|necessary)\b|\b{_NONE}\s+to\s+(?:take|perform|do)\b"
    r"|\b(?:do(?:es)?\s+not|don't|doesn't)\s+(?:need|require)\s+any\s+(?:actions?|steps?|moves?)\b"
    r"|\bempty\s+plan\b|\bplan\s+is\s+empty\b|\bto\s+do\s+nothing\b|\bnothing\s+(?:needs\s+to\s+be\s+done|to\s+do)\b"
    r"|\bgoal(?:\s+state)?\s+(?:is|are)\s+already\s+(?:satisfied|achieved|reached|met|true)\b"
    r"|\balready\s+(?:matches|satisfies)\s+the\s+goal\b",
    re.I,
)


def says_empty(text: str) -> str | None:
    """How ``text``, which holds no step, says that its plan is empty, or None when it does not.

    Three ways, as planners and models write it: Fast Downward's plan file of
    no steps (comments only, one ``; cost = 0 (unit cost)``); PlanBench's
    marks around nothing (``[PLAN]`` then ``[PLAN END]``, or ``[PLAN END]``
    first, the prompt having ended with ``[PLAN]``); and words ("no actions
    are required", "the goal is already satisfied", "empty plan"). Anything
    else without a step is no plan, which the judge calls a parse error.
    """
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if lines and all(ln.startswith(";") for ln in lines) and any(_FD_COST_0.fullmatch(ln) for ln in lines):
        return "a plan file of no steps, cost 0"
    if "[" in text and _MARKED_EMPTY.search(text) is not None:
        return "nothing between [PLAN] and [PLAN END]"
    words = _EMPTY_WORDS.search(text)
    return None if words is None else f"says {words.group()!r}"


def takes_back(text: str) -> bool:
    """Whether some line of ``text`` takes a step back ("stack red on blue is not possible, so ...")."""
    return any(RETRACT.search(line) is not None for line in text.splitlines())


def fits(step: Step, blocks: Collection[str]) -> bool:
    """Whether every name in ``step`` is one of ``blocks`` (or the table)."""
    other = step.dest if step.__class__ is NLStep else step.target
    return step.block in blocks and (other is None or other in blocks or other == TABLE)


def _rename(step: Step, names: dict[str, str]) -> Step:
    """The step with its names matched to the problem's blocks regardless of case."""
    if step.__class__ is NLStep:
        dest = step.dest if step.dest in (None, TABLE) else names.get(step.dest.lower(), step.dest)
        return NLStep(step.verb, names.get(step.block.lower(), step.block), dest)
    target = None if step.target is None else names.get(step.target.lower(), step.target)
    return Action(step.op, names.get(step.block.lower(), step.block), target)


def _sections(text: str) -> list[str]:
    """The parts of ``text`` marked as a plan, in order: between ``[PLAN]`` and ``[PLAN END]``, or before a first
    ``[PLAN END]`` that no ``[PLAN]`` precedes, or after a last ``[PLAN]`` that nothing closes."""
    out: list[str] = []
    start: int | None = 0
    for m in MARK.finditer(text):
        if m.group("end"):
            if start is not None:
                out.append(text[start:m.start()])
            start = None
        else:
            start = m.end()
    if start:
        out.append(text[start:])
    return out


def _tolerant(text: str, reader: LineReader, notes: list[str]) -> tuple[list[Step], list[tuple[int, str]], bool]:  # long: one pass over the lines, its state in locals (the judge's hot loop)
    runs: list[tuple[list[Step], list[tuple[int, str]], bool]] = []  # (steps, unreadable, introduced as the outcome)
    steps: list[Step] = []
    unreadable: list[tuple[int, str]] = []
    outcome = False  # whether the run being read was introduced as the outcome
    last_n: int | None = None
    skipped = 0
    blank = True
    gap = False  # whether lines that are not steps came since the last step
    header: str | None = None  # the last header since the last step
    skip_noted = False
    under: int | None = None  # the indentation of the numbered step whose explanation may follow, indented deeper
    above: tuple = ()  # what that step read
    told: set[tuple] | None = None  # what it and the steps under it did (gist), once needed
    cached, read_line = reader.line, reader.read_line
    # Lines end at \n or \r only: other control characters are noise inside a line, not breaks.
    for raw in (text.replace("\r", "\n") if "\r" in text else text).split("\n"):
        items = cached(raw) if len(raw) <= 120 else read_line(raw)
        if not items:
            continue
        if under is not None and (not raw[0].isspace() or len(raw) - len(raw.lstrip()) <= under):
            under = None
        if items is CHAT_LINE:
            blank = False
            skipped += 1
            gap = True
            continue
        for item in items:
            if item.__class__ is str:
                if item is not HEAD:
                    blank = False
                    skipped += 1
                if item is not CHAT:
                    header = item
                gap = True
                continue
            blank = False
            n, read, part = item
            if n is None:
                if under is not None:  # indented under a numbered step: its explanation, or a step in it
                    if told is None:
                        told = {gist(s) for s in above}
                    if read is None or all(gist(s) in told for s in read):
                        skipped += 1  # "   - Action: unstack red from blue" restates "1. **Unstack red from blue**"
                        continue
                    told.update(gist(s) for s in read)
                elif gap and (header is not None or last_n is not None) and (steps or unreadable):
                    runs.append((steps, unreadable, outcome))
                    steps, unreadable, last_n, skip_noted = [], [], None, False
            else:
                if (steps or unreadable) and (n <= last_n if last_n is not None else n == 1 and gap):
                    runs.append((steps, unreadable, outcome))
                    steps, unreadable, last_n, skip_noted = [], [], None, False
                under = None if read is None else len(raw) - len(raw.lstrip()) if raw[0].isspace() else 0
                above, told = read or (), None
                if last_n is not None and n != last_n + 1 and not skip_noted:
                    notes.append(f"step numbers skip from {last_n} to {n}")
                    skip_noted = True
                last_n = n
            if not steps and not unreadable:
                outcome = header is OUT
            gap = False
            header = None
            if read is None:
                unreadable.append((len(steps), part))
            else:
                steps.extend(read)
    if steps or unreadable:
        runs.append((steps, unreadable, outcome))
    if len(runs) > 1:
        steps, unreadable = _choose(runs, notes)
    if skipped:
        notes.append(f"skipped {skipped} line{'s that are not steps' if skipped > 1 else ' that is not a step'}")
    return steps, unreadable, blank


def gist(step: Step) -> tuple:
    """What a step does, whichever way it is written: picks up a block, or puts it on another or the table."""
    if step.__class__ is NLStep:
        return ("pick", step.block) if step.verb == "pick-up" else ("put", step.block, step.dest)
    if step.op is Op.PICK_UP or step.op is Op.UNSTACK:
        return ("pick", step.block)
    return ("put", step.block, step.target or TABLE)


def _choose(runs: list[tuple[list[Step], list[tuple[int, str]], bool]],
            notes: list[str]) -> tuple[list[Step], list[tuple[int, str]]]:
    """The plan among several runs of steps: the first, or the last run introduced as the outcome; repeats are one."""
    distinct: list[int] = []
    for i, (steps, unreadable, _) in enumerate(runs):
        for k, j in enumerate(distinct):
            other = runs[j][0]
            if (steps[:len(other)] == other if len(steps) > len(other) else other[:len(steps)] == steps) and (
                    steps or len(unreadable) == len(runs[j][1])):
                if len(steps) > len(other):
                    distinct[k] = i  # the same plan, read further
                break
        else:
            distinct.append(i)
    if len(distinct) < len(runs):
        notes.append(f"read {len(runs)} runs of steps that repeat one plan as one" if len(distinct) == 1
                     else f"ignored {len(runs) - len(distinct)} run(s) of steps that repeat an earlier one")
    chosen = distinct[0]
    for i in distinct[1:]:
        if runs[i][2] and len(runs[i][1]) <= len(runs[chosen][1]):  # introduced as the outcome, and read as fully
            chosen = i
    if len(distinct) > 1:
        notes.append(f"read run {distinct.index(chosen) + 1} of {len(distinct)} different runs of steps "
                     f"({'the last introduced as the outcome' if chosen else 'the first'})")
    return runs[chosen][0], runs[chosen][1]
