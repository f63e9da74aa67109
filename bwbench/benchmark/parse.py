"""Reading a plan out of model output: tolerant of how models really write, and never raising.

A completion is read line by line. Lines that start with a step marker
(``step 3:``, ``3.``, ``- ``) or an action verb are *step lines*; everything else
is chatter and is skipped. A step line is read as the seed's two-verb NL
(``pick-up X``, ``stack X on-top-of Y``), as a PDDL action (``(unstack x y)``) or
as the four operators in words (``unstack X from Y``, ``put down X``), in any
case, with optional ``the`` and ``block``. The plan ends at the end of the text,
at a chat template's end token, or where a second plan starts (a new ``Plan:``
header, or step numbers going back). A step line that cannot be read is kept
as *unreadable* at its position, so the judge can tell a hole in the plan from
a last line that was cut off.

Strict reading (exactly the seed's format, :func:`bwbench.benchmark.text.parse_plan`)
is tried first; it is both the fast path and the strict mode the judge reports.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Collection

from .state import TABLE, Action, Op
from .text import NLStep, strict_steps

Step = Action | NLStep

MAX_CHARS = 65_536
"""Only this much of a completion is read, so every example costs a bounded time.

No plan for 10 blocks needs more than a few thousand characters."""

_END = re.compile(r"</s>|<\|(?:eot_id|im_end|endoftext|end_of_text|end)\|>|<end_of_turn>|<eos>")
_HEADER = re.compile(r"[#>*\s]*plan\s*\**\s*(?::|$)\s*\**\s*(?P<rest>.*)", re.I)
_MARKER = re.compile(
    r"(?:[-*•+>]\s*)*"
    r"(?:\**\s*step\s*#?\s*(?P<n>\d+)\s*\**\s*[:.)-]?\s*\**\s*"
    r"|\(?#?(?P<m>\d+)\s*[:.)]\s*)?",
    re.I,
)
_INNER_STEP = re.compile(r"(?<=\S)\s+(?=(?:\**\s*)?step\s*#?\s*\d+\s*\**\s*[:.)])", re.I)
_VERBS = ("pick", "unstack", "stack", "put", "place")

_NAME = r"[^\W_][\w-]*"
_FREE = r"(?!(?:on|onto|from|to|atop|upon|the|top|of|off|down|up)\b)" + _NAME  # a name that is not a preposition
_Q = r"[<\"'`]?"  # a name may be quoted or bracketed: <red>, "red", `red`
_QE = r"[>\"'`]?"
_BLOCK = rf"(?:the\s+)?{_Q}(?P<b>{_NAME}){_QE}(?:\s+block)?"
_DEST = rf"(?:the\s+)?(?:top\s+of\s+(?:the\s+)?)?{_Q}(?P<d>{_NAME}){_QE}(?:\s+block)?"
_TAIL = r"\s*[.,;!]*(?:\s+(?:\(|#|//|--|—|–).*)?"

_PDDL = re.compile(r"\(\s*(?P<op>pick[-_]?up|put[-_]?down|unstack|stack)\s+(?P<b>[^\s()]+)(?:\s+(?P<d>[^\s()]+))?\s*\)", re.I)
_PDDL_LINE = re.compile(rf"(?:{_PDDL.pattern}\s*[,;]?\s*)+{_TAIL}", re.I)
_FORMS = (
    # pick-up X / pick up the X block / unstack X / pick X up, optionally "from Y" or "off Y"
    ("pick", re.compile(rf"(?P<v>pick[-_ ]?up|unstack|pick)\s+{_BLOCK}(?:\s+up)?"
                        rf"(?:\s+(?:from|off)\s+(?:of\s+)?(?:on\s+)?{_DEST})?{_TAIL}", re.I)),
    ("unstack2", re.compile(rf"unstack\s+(?P<b>{_FREE})\s+(?P<d>{_FREE}){_TAIL}", re.I)),
    ("down", re.compile(rf"(?:put[-_ ]?down\s+{_BLOCK}|put\s+(?:the\s+)?{_Q}(?P<b2>{_NAME}){_QE}(?:\s+block)?\s+down)"
                        rf"(?:\s+on(?:to)?\s+(?:the\s+)?table)?{_TAIL}", re.I)),
    # stack X on-top-of Y / put the X block on top of the Y block / place X onto the table
    ("stack", re.compile(rf"(?:stack|put|place)\s+{_BLOCK}\s+(?:on-top-of|on\s+top\s+of|onto|on|atop|upon|to)\s+{_DEST}{_TAIL}", re.I)),
    ("stack2", re.compile(rf"stack\s+(?P<b>{_FREE})\s+(?P<d>{_FREE}){_TAIL}", re.I)),
)
_PDDL_OPS = {"pickup": Op.PICK_UP, "putdown": Op.PUT_DOWN, "stack": Op.STACK, "unstack": Op.UNSTACK}


@dataclass(slots=True)
class ParsedPlan:
    """What was read from a completion.

    ``steps`` is the tolerant reading; ``strict_steps`` is the reading in exactly
    the seed's format, or None when the completion is not in that format.
    (Not frozen, for speed; treat it as read-only.)
    ``unreadable`` lists step lines that could not be read, each with the number
    of steps read before it. ``blank`` is true when the completion holds no text
    but whitespace, end tokens and a ``Plan:`` header.
    """

    steps: tuple[Step, ...]
    strict_steps: tuple[Step, ...] | None
    unreadable: tuple[tuple[int, str], ...] = ()
    notes: tuple[str, ...] = ()
    blank: bool = False

    @property
    def strict(self) -> bool:
        return self.strict_steps is not None


def parse_completion(text: str, blocks: Collection[str] | None = None) -> ParsedPlan:
    """Read a plan from free text. Never raises; block names match ``blocks`` regardless of case."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    notes: list[str] = []
    if len(text) > MAX_CHARS:
        text = text[:MAX_CHARS]
        notes.append(f"read only the first {MAX_CHARS:,} characters")
    strict = strict_steps(text)
    if strict is not None:
        strict = tuple(strict)
    if strict is not None and (blocks is None or all(fits(s, blocks) for s in strict)):
        return ParsedPlan(strict, strict, (), tuple(notes), blank=not strict)
    end = _END.search(text)
    if end is not None:
        if text[end.end():].strip():
            notes.append(f"ignored what follows the end token {end.group()}")
        text = text[:end.start()]
    steps, unreadable, blank = _tolerant(text, notes)
    if blocks is not None and not all(fits(s, blocks) for s in steps):
        names = {b.lower(): b for b in blocks}
        steps = [_rename(s, names) for s in steps]
    return ParsedPlan(tuple(steps), strict, tuple(unreadable), tuple(notes), blank)


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


# What one line holds, as a tuple of items: (_HEAD,) for a plan header, (_CHAT,) for
# chatter, (number or None, steps or None, text) for a step line (steps None: unreadable).
_HEAD, _CHAT = "head", "chat"


def _tolerant(text: str, notes: list[str]) -> tuple[list[Step], list[tuple[int, str]], bool]:
    steps: list[Step] = []
    unreadable: list[tuple[int, str]] = []
    last_n: int | None = None
    skipped = 0
    blank = True
    skip_noted = False
    # Lines end at \n or \r only: other control characters are noise inside a line, not breaks.
    for raw in (text.replace("\r", "\n") if "\r" in text else text).split("\n"):
        for item in (_line_cached(raw) if len(raw) <= 120 else _line(raw)):
            if item is _HEAD:
                if steps or unreadable:
                    notes.append("ignored a second plan after the first")
                    break
                continue
            blank = False
            if item is _CHAT:
                skipped += 1
                continue
            n, read, part = item
            if n is not None:
                if last_n is not None and n <= last_n and (steps or unreadable):
                    notes.append(f"ignored the rest from where numbering restarts at step {n}")
                    break
                if last_n is not None and n != last_n + 1 and not skip_noted:
                    notes.append(f"step numbers skip from {last_n} to {n}")
                    skip_noted = True
                last_n = n
            if read is None:
                unreadable.append((len(steps), part))
            else:
                steps.extend(read)
        else:
            continue
        break  # a second plan, or a restart
    if skipped:
        notes.append(f"skipped {skipped} line{'s that are not steps' if skipped > 1 else ' that is not a step'}")
    return steps, unreadable, blank


def _line(line: str) -> tuple:
    """The items of one line (names lower-cased); none for a blank line."""
    line = line.strip()
    if not line:
        return ()
    items: list = []
    header = _HEADER.fullmatch(line)
    if header is not None:
        items.append(_HEAD)
        line = header.group("rest").strip()
        if not line:
            return tuple(items)
    parts = _INNER_STEP.split(line) if line.lower().count("step") > 1 else (line,)
    for part in parts:
        marker = _MARKER.match(part)
        number = marker.group("n") or marker.group("m")
        body = part[marker.end():].strip(" \t*`")
        if not body.lower().startswith(_VERBS) and not body.startswith("(") and marker.group("n") is None:
            items.append(_CHAT)
            continue
        read = _read_step(body)
        items.append((None if number is None else int(number), None if read is None else tuple(read), part[:200]))
    return tuple(items)


# Lines repeat across completions ("(unstack red blue)", "2. Put the red block on the table");
# short ones are read once. Long lines bypass the cache, so it stays small.
_line_cached = functools.lru_cache(maxsize=16384)(_line)


def _read_step(body: str) -> list[Step] | None:
    """The action(s) one step line names, or None when it names none."""
    if body.startswith("("):
        if _PDDL_LINE.fullmatch(body) is None:
            return None
        out: list[Step] = []
        for m in _PDDL.finditer(body):
            op = _PDDL_OPS[m.group("op").lower().replace("-", "").replace("_", "")]
            b, d = m.group("b").lower(), m.group("d")
            if (op in (Op.STACK, Op.UNSTACK)) != (d is not None):
                return None
            out.append(Action(op, b, d.lower() if d is not None else None))
        return out
    for kind, pattern in _FORMS:
        m = pattern.fullmatch(body)
        if m is None:
            continue
        groups = m.groupdict()
        b = (groups.get("b") or groups.get("b2")).lower()
        d = groups.get("d")
        dest = None if d is None else d.lower()
        if kind == "pick":
            if dest is None:
                return [NLStep("pick-up", b)]
            return [Action(Op.PICK_UP, b) if dest == TABLE else Action(Op.UNSTACK, b, dest)]
        if kind == "unstack2":
            return [Action(Op.UNSTACK, b, dest)]
        if kind == "down":
            return [Action(Op.PUT_DOWN, b)]
        return [NLStep("stack", b, dest)]
    return None
