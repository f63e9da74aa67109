"""Reading datasets, in bwbench's JSONL format or the seed's (``instruction``/``input``/``output``).

Every error names the file and line. A record here is the problem, the gold
plan and where it came from; nothing is judged in this module.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import BwbenchError
from .goal import Goal, check_goal
from .state import InvalidState, State
from .text import NLStep, parse_plan, parse_problem
from .vocab import Vocabulary, vocabulary_of


@dataclass(frozen=True)
class Example:
    path: str
    line: int
    split: str | None
    init: State
    goal: State | Goal  # a configuration (towers), or a partial goal (facts)
    gold: tuple[NLStep, ...] | None  # None when the line has no gold plan
    record: dict

    @property
    def vocab(self) -> Vocabulary | None:
        """The domain's words the record carries (imported problems), or None."""
        return vocabulary_of(self.record)

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


def split_of(path: Path, record: dict) -> str | None:
    """The record's ``split`` field, else ``train``/``test`` from the file name."""
    if record.get("split") in ("train", "test", "validation"):
        return record["split"]
    name = path.name.lower()
    for split in ("train", "test"):
        if split in name:
            return split
    return None


def read_examples(path: str | Path) -> Iterator[Example]:
    """Examples of one JSONL file; ``BwbenchError`` at the first line that is not one."""
    path = Path(path)
    try:
        fh = path.open("rb")  # decoded line by line, so a bad byte is reported on its own line
    except OSError as exc:
        raise BwbenchError(f"cannot read: {exc.strerror}", str(path)) from None
    with fh:
        for lineno, raw in enumerate(fh, 1):
            where = f"{path}:{lineno}"
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise BwbenchError("not UTF-8 text", where) from None
            if not line.strip():
                continue
            yield to_example(path, lineno, json_object(line, where), where)


def json_object(line: str, where: str) -> dict:
    """One JSONL line as a JSON object; ``BwbenchError`` naming ``where`` otherwise."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BwbenchError(f"not valid JSON ({exc.msg}, column {exc.colno})", where) from None
    if not isinstance(record, dict):
        raise BwbenchError("a line must be a JSON object", where)
    return record


def read_goal(value: object) -> State | Goal:
    """A record's ``goal``: towers (a list of lists, bottom → top) or facts (``["(on b c)", ...]``)."""
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return Goal.from_json(value)
    if isinstance(value, list) and not value:
        raise ValueError("the goal is empty")
    return State.of(value)


def to_example(path: Path, lineno: int, record: dict, where: str) -> Example:
    """The problem and gold plan of one record; ``BwbenchError`` naming ``where`` when it has none."""
    try:
        if "init" in record and "goal" in record:
            init, goal = State.of(record["init"]), read_goal(record["goal"])
            check_goal(init, goal)
        elif "input" in record:
            init, goal = parse_problem(str(record["input"]))
        else:
            raise ValueError("no problem: needs 'init' and 'goal', or a seed-format 'input'")
        vocabulary_of(record)
    except (ValueError, TypeError, InvalidState) as exc:
        raise BwbenchError(str(exc), where) from None
    gold = None
    try:
        if isinstance(record.get("plan"), list):
            gold = tuple(parse_plan("Plan:\n" + "\n".join(f"step {i}: {s}" for i, s in enumerate(record["plan"], 1))))
        elif isinstance(record.get("output"), str):
            gold = tuple(parse_plan(record["output"]))
    except ValueError as exc:
        raise BwbenchError(f"gold plan: {exc}", where) from None
    return Example(str(path), lineno, split_of(path, record), init, goal, gold, record)
