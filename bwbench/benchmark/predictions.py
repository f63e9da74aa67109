"""Reading model predictions to judge, in bwbench's JSONL format or the seed's published results.

bwbench's format is one JSON object a line: the problem (``init`` and ``goal``
towers bottom → top, or a seed-format ``input``), the model's raw
``completion``, and optionally ``id``, the gold plan (``output`` text or
``plan`` steps) and ``optimal_len``. The seed's results are one JSON document
whose ``results`` list holds ``input``, ``expected`` and ``predicted``; a JSONL
file of such objects is read too. One format per file; every error names the
file and line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from ..errors import BwbenchError
from ..fileio import read_bytes
from .goal import Goal
from .judge import Judgement, judge
from .records import json_object, to_example
from .state import State
from .text import render_plan
from .vocab import Vocabulary

BWBENCH = "bwbench"
SEED_RESULTS = "seed results"
SEED_LINES = "seed-style JSONL"


@dataclass(frozen=True, slots=True)
class Prediction:
    """One example to judge: the problem, the model's raw completion, and the gold plan's text."""

    where: str
    id: str
    init: State
    goal: State | Goal
    completion: str
    gold: str | None
    optimal_len: int | None  # None: the judge computes it
    vocab: Vocabulary | None = None  # the domain's words, for a problem imported with them

    def judge(self) -> Judgement:
        return judge(self.init, self.goal, self.completion, self.gold, self.optimal_len, self.vocab)


@dataclass
class PredictionFile:
    path: str
    format: str
    predictions: list[Prediction]
    meta: dict = field(default_factory=dict)  # the seed's run_name, model_type and own metrics, when present


def read_predictions(path: str | Path) -> PredictionFile:
    """Read a predictions file; ``BwbenchError`` naming the file and line at the first bad record."""
    path = Path(path)
    data = read_bytes(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise BwbenchError("not UTF-8 text", f"{path}:{line}") from None
    first = next((ln for ln in text.split("\n") if ln.strip()), None)
    if first is None:
        raise BwbenchError("no predictions: the file is empty", str(path))
    try:
        head = json.loads(first)
    except json.JSONDecodeError:
        head = None
    if isinstance(head, dict) and not (isinstance(head.get("results"), list) and "completion" not in head):
        return _read_jsonl(path, text)
    return _read_results(path, text)


def _read_jsonl(path: Path, text: str) -> PredictionFile:
    preds: list[Prediction] = []
    fmt = None
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        record = json_object(line, where)
        kind = BWBENCH if "completion" in record else SEED_LINES if "predicted" in record else None
        if kind is None:
            raise BwbenchError("no 'completion' (the model's raw output): a dataset line, not a prediction?", where)
        if fmt is None:
            fmt = kind
        elif kind != fmt:
            raise BwbenchError(f"mixes formats: this line is {kind}, earlier lines are {fmt}; one format per file", where)
        preds.append(_prediction(path, lineno, record, where, f"{path.name}:{lineno}"))
    return PredictionFile(str(path), fmt or BWBENCH, preds)


def _read_results(path: Path, text: str) -> PredictionFile:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BwbenchError(
            f"neither JSONL predictions nor a JSON document ({exc.msg}, column {exc.colno})", f"{path}:{exc.lineno}"
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise BwbenchError("a JSON document of predictions needs a 'results' list (the seed's format)", f"{path}:1")
    lines = _element_lines(text)
    preds = []
    for i, record in enumerate(doc["results"]):
        where = f"{path}:{lines[i] if i < len(lines) else 1} (results[{i}])"
        if not isinstance(record, dict) or "predicted" not in record:
            raise BwbenchError("a result needs 'input', 'expected' and 'predicted'", where)
        ident = f"{record['example_id']}" if "example_id" in record else str(i)
        preds.append(_prediction(path, i, record, where, ident))
    meta = {k: v for k, v in doc.items() if k != "results"}
    return PredictionFile(str(path), SEED_RESULTS, preds, meta)


def _prediction(path: Path, lineno: int, record: dict, where: str, ident: str) -> Prediction:
    completion = record.get("completion", record.get("predicted"))
    if not isinstance(completion, str):
        raise BwbenchError("the completion must be a string", where)
    if "expected" in record and "output" not in record:
        record = {**record, "output": record["expected"]}
    ex = to_example(path, lineno, record, where)
    gold = record.get("output") if isinstance(record.get("output"), str) else (
        render_plan(ex.gold) if ex.gold is not None else None
    )
    opt = record.get("optimal_len")
    odd_ok = ex.goal.__class__ is Goal  # a partial goal's optimal plan may end on a pick
    if opt is not None and (not isinstance(opt, int) or isinstance(opt, bool) or opt < 0 or (opt % 2 and not odd_ok)):
        raise BwbenchError(f"optimal_len must be an even number of steps, not {opt!r}", where)
    return Prediction(where, str(record.get("id", ident)), ex.init, ex.goal, completion, gold, opt, ex.vocab)


def _element_lines(text: str) -> list[int]:
    """The line on which each element of the top-level ``results`` list starts."""
    m = re.search(r'"results"\s*:\s*\[', text)
    if m is None:
        return []
    decoder, skip = json.JSONDecoder(), re.compile(r"[\s,]*")
    lines, pos, line = [], m.end(), text.count("\n", 0, m.end()) + 1
    while True:
        start = skip.match(text, pos).end()
        if start >= len(text) or text[start] == "]":
            return lines
        line += text.count("\n", pos, start)
        lines.append(line)
        try:
            _, end = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            return lines
        line += text.count("\n", start, end)
        pos = end


def judge_all(preds: list[Prediction], progress: Callable[[int], None] | None = None) -> list[Judgement]:
    """Judge every prediction, in order."""
    out = []
    for i, p in enumerate(preds, 1):
        out.append(p.judge())
        if progress is not None and i % 256 == 0:
            progress(256)
    if progress is not None and len(preds) % 256:
        progress(len(preds) % 256)
    return out
