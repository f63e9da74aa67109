"""A folder of answers, one file per problem matched by its file name, as LLM+P writes them.

LLM+P (Liu et al., 2023) keeps its problems as ``domains/blocksworld/p01.pddl``
... and writes each method's answer to a file named after the problem:
``results/<method>/blocksworld/p01.pddl`` in words ("1. Unstack b4 from b1"),
``plans/<method>/blocksworld/p01.pddl`` or ``p01.pddl.soln`` as Fast Downward's
plan (``(unstack b4 b1)`` ... ``; cost = 8 (unit cost)``). Imported as a suite
(``bwbench import domains/blocksworld``), each problem keeps its file's name;
an answer is the file whose name is that name, or its stem, with answer
suffixes after it (:data:`ANSWER_SUFFIXES`). Other files (Fast Downward's
``p01.pddl.sas``, ``validation.txt``) answer nothing and are left alone; a
problem with no answer file is counted as missing. The answers are judged as
any predictions file is (:func:`bwbench.judging.scoring.score_file`), one
line each, the problem's record and the file's text.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from ..errors import BwbenchError
from ..judging.predictions import BWBENCH, CHUNK_RECORDS, Entry
from ..suites.view import load_suite

FORMAT = "answer folder"
ANSWER_SUFFIXES = (".pddl", ".soln", ".sol", ".plan", ".txt", ".nl", ".out", ".ans")
"""Suffixes an answer file's name may add to its problem's name (``p01.pddl.soln``, ``p01.txt``)."""


def answer_key(name: str) -> str:
    """The problem name an answer file's name stands for: answer suffixes taken off, case aside."""
    name = name.lower()
    while True:
        for suffix in ANSWER_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                name = name[: -len(suffix)]
                break
        else:
            return name


@dataclass
class AnswerFolder:
    """A folder of answers matched to a suite's problems, as a predictions source for
    :func:`~bwbench.judging.scoring.score_file`: its entries are bwbench prediction lines, in the suite's order.

    ``meta`` says how many answers were matched and which problems have none.
    """

    path: Path
    lines: list[tuple[int, bytes]]  # (the problem's line in the suite, the prediction line)
    meta: dict = field(default_factory=dict)
    format: str = BWBENCH  # read as bwbench's prediction lines
    label: str = FORMAT  # what the scored file and the report say it is
    task: str = "plan"  # answers in a folder are plans

    def entries(self) -> Iterator[Entry]:
        for line, data in self.lines:
            yield Entry(line, line, data, len(data))

    def chunks(self, records: int = CHUNK_RECORDS, size: int = 0) -> Iterator[list[Entry]]:
        entries = list(self.entries())
        for i in range(0, len(entries), records):
            yield entries[i:i + records]


def _names(item) -> list[str]:
    """The names an answer to ``item`` may bear: its problem file's (``p01.pddl``), its id, and its id without the
    suite's name (an imported problem's id is ``<suite>-<file stem>``)."""
    record = item.example.record
    names = [Path(record["source"]).name] if isinstance(record.get("source"), str) else []
    suite = record.get("suite")
    if isinstance(suite, str) and item.id.startswith(f"{suite}-"):
        names.append(item.id[len(suite) + 1:])
    return names + [item.id]


def read_folder(folder: Path, suite: Path) -> AnswerFolder:
    """The answers in ``folder`` to ``suite``'s problems; ``BwbenchError`` when a problem has two answer files, or
    none of the folder's files answers any of the suite's problems."""
    view = load_suite(suite)
    by_name: dict[str, int] = {}
    for i, item in enumerate(view.items):
        for name in _names(item):
            by_name.setdefault(answer_key(name), i)
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file())
    except OSError as exc:
        raise BwbenchError(f"cannot read: {exc.strerror}", str(folder), field="files") from None
    found: dict[int, Path] = {}
    for path in files:
        i = by_name.get(answer_key(path.name))
        if i is None:
            continue
        if i in found:
            raise BwbenchError(f"two answers to {view.items[i].id}: {found[i].name} and {path.name}; keep one",
                               str(folder), field="files")
        found[i] = path
    if not found:
        raise BwbenchError(f"none of its {len(files)} files is named after a problem of {suite} (an answer to "
                           f"p01.pddl is p01.pddl, p01.pddl.soln, p01.txt, ...)", str(folder), field="files")
    lines = []
    for i in sorted(found):
        item = view.items[i]
        text = found[i].read_bytes().decode("utf-8", errors="replace")
        problem = {**item.record(), "answer_file": found[i].name}
        lines.append((i + 1, (json.dumps({**problem, "completion": text}, ensure_ascii=False) + "\n").encode()))
    missing = [t.id for i, t in enumerate(view.items) if i not in found]
    return AnswerFolder(folder, lines, {"answers": len(found), "problems": len(view.items), "missing": missing})
