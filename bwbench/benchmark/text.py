"""The seed's natural-language format: rendering problems and plans, and reading them back.

Towers are written top first (``<blue on green on yellow>``: blue is on top);
bwbench's records list them bottom → top. Plans use two verbs, ``pick-up X``
and ``stack X on-top-of Y|table``, which :class:`NLStep` resolves to the four
PDDL operators against the state in which the step is taken.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Sequence

from .state import Action, State, Tower

INSTRUCTION = (
    "Given the rules, initial state, and goal state, generate an optimal plan "
    "to transform the initial state into the goal state."
)
RULE = (
    "Rule:\nYou can pick-up color1. You can stack color1 on-top-of color2. "
    "You can stack color1 on-top-of table."
)
SEED_PALETTE = ("red", "blue", "green", "yellow", "white", "black", "gray")


@dataclass(frozen=True, slots=True)
class NLStep:
    """One step in the two-verb language; ``dest`` is None for pick-up."""

    verb: str
    block: str
    dest: str | None = None

    def resolve(self, state: State) -> Action:
        return state.resolve(self.verb, self.block, self.dest)

    def __str__(self) -> str:
        if self.verb == "pick-up":
            return f"pick-up {self.block}"
        return f"stack {self.block} on-top-of {self.dest}"


def as_actions(init: State, steps: Sequence[Action | NLStep]) -> tuple[Action, ...]:
    """Steps as read (4-operator actions, or the seed's two verbs) as 4-operator actions, resolved along the way.

    Past a step that does not apply, the rest is resolved in the last state reached.
    """
    state, out = init, []
    for step in steps:
        action = step if step.__class__ is Action else step.resolve(state)
        out.append(action)
        try:
            state = state.apply(action)
        except ValueError:
            pass
    return tuple(out)


def render_towers(towers: Sequence[Tower]) -> str:
    return "\n".join("<" + " on ".join(reversed(t)) + ">" for t in towers)


def render_input(init: Sequence[Tower], goal: Sequence[Tower]) -> str:
    """The seed's ``input`` field, towers in the order given."""
    return f"{RULE}\n\nInit state:\n{render_towers(init)}\n\nGoal state:\n{render_towers(goal)}"


def render_plan(steps: Sequence[Action | NLStep]) -> str:
    """The seed's ``output`` field: ``Plan:`` and one ``step i: ...`` line per step."""
    lines = [f"step {i}: {s.nl() if isinstance(s, Action) else s}" for i, s in enumerate(steps, 1)]
    return "\n".join(["Plan:", *lines])


_TOWER = re.compile(r"^<\s*([^<>]+?)\s*>$")


def parse_towers(lines: Sequence[str]) -> list[Tower]:
    """``<a on b>`` lines → towers bottom → top; ``ValueError`` on anything else."""
    towers = []
    for line in lines:
        m = _TOWER.match(line.strip())
        if not m:
            raise ValueError(f"not a tower: {line.strip()!r}")
        blocks = [b.strip() for b in re.split(r"\s+on\s+", m.group(1))]
        if any(not b or " " in b for b in blocks):
            raise ValueError(f"not a tower: {line.strip()!r}")
        towers.append(tuple(reversed(blocks)))
    return towers


def parse_input(text: str) -> tuple[list[Tower], list[Tower]]:
    """The init and goal towers of a seed-format ``input`` (the rule line is optional)."""
    m = re.search(r"Init state:\s*\n(.*?)\n\s*Goal state:\s*\n(.*)", text, re.S)
    if not m:
        raise ValueError("no 'Init state:' followed by 'Goal state:'")
    init = parse_towers([ln for ln in m.group(1).splitlines() if ln.strip()])
    goal_lines = []
    for ln in m.group(2).splitlines():
        if not ln.strip():
            if goal_lines:
                break
            continue
        goal_lines.append(ln)
    goal = parse_towers(goal_lines)
    if not init or not goal:
        raise ValueError("empty init or goal state")
    return init, goal


def parse_problem(text: str) -> tuple[State, State]:
    """Init and goal states of a seed-format ``input``; ``ValueError`` when they do not fit."""
    init, goal = parse_input(text)
    s, g = State.of(init), State.of(goal)
    if s.blocks != g.blocks:
        raise ValueError(f"init and goal have different blocks: {sorted(s.blocks ^ g.blocks)}")
    return s, g


_STEP = re.compile(
    r"step\s+(\d+)\s*:\s*(?:pick-up\s+(\S+)|stack\s+(\S+)\s+on-top-of\s+(\S+))"
)
_HEADER = "Plan:"


def _read_line(line: str) -> tuple[int, NLStep] | str | None:
    """One line of a strict plan: ``""`` (blank), ``"Plan:"``, ``(number, step)``, or None."""
    line = line.strip()
    if not line or line == _HEADER:
        return line
    m = _STEP.fullmatch(line)
    if m is None:
        return None
    n, picked, stacked, dest = m.groups()
    return int(n), (NLStep("pick-up", picked) if picked else NLStep("stack", stacked, dest))


# Model outputs repeat the same short lines across thousands of examples; caching
# them makes strict reading several times faster. Long lines bypass the cache, so
# it stays a few megabytes whatever it is fed.
_cached_line = functools.lru_cache(maxsize=16384)(_read_line)


def _strict_line(line: str) -> tuple[int, NLStep] | str | None:
    return _cached_line(line) if len(line) <= 120 else _read_line(line)


def parse_plan(text: str) -> list[NLStep]:
    """A plan in exactly the seed's format (``Plan:`` then numbered steps); ``ValueError`` otherwise.

    Lines are separated by ``\\n``; blank lines and spaces around a line are
    ignored. This is the strict reading used for gold plans, and the judge's
    strict mode.
    """
    steps = strict_steps(text)
    if steps is not None:
        return steps
    lines = [ln.strip() for ln in text.split("\n") if ln.strip()]
    if not lines or lines[0] != _HEADER:
        raise ValueError("plan does not start with 'Plan:'")
    for i, line in enumerate(lines[1:], 1):
        read = _strict_line(line)
        if not isinstance(read, tuple) or read[0] != i:
            raise ValueError(f"step {i} is not in the seed's format: {line!r}")
    raise AssertionError("unreachable: strict_steps and parse_plan disagree")


def strict_steps(text: str) -> list[NLStep] | None:
    """:func:`parse_plan` without the explanation: the steps, or None when ``text`` is not in the format."""
    steps: list[NLStep] = []
    header = False
    for line in text.split("\n"):
        read = _strict_line(line)
        if read.__class__ is tuple:
            if not header or read[0] != len(steps) + 1:
                return None
            steps.append(read[1])
        elif read is None:
            return None
        elif read:  # the header
            if header:
                return None
            header = True
    return steps if header else None
