"""Reading model predictions to judge, in bwbench's JSONL format or the seed's published results.

bwbench's format is one JSON object a line: the problem (``init`` and ``goal``
towers bottom → top, or a seed-format ``input``), the model's raw
``completion``, and optionally ``id``, the gold plan (``output`` text or
``plan`` steps) and ``optimal_len``. The seed's results are one JSON document
whose ``results`` list holds ``input``, ``expected`` and ``predicted``; a JSONL
file of such objects is read too. One format per file; every error names the
file and line.

A file is read in one pass and never held whole (:class:`PredictionSource`):
JSONL line by line; the seed's document block by block, its top-level object
key by key and each element of ``results`` on its own (``raw_decode`` on a
window of the text that slides forward), so its elements come one at a time
with the line each starts on. Errors are found in file order, each when its
record is reached. A document written on one line is that line, read whole.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator, NamedTuple

from ..errors import BwbenchError
from ..suites.dataset import json_line, to_example
from ..world.goal import Goal
from ..world.state import State
from ..world.text import render_plan
from ..world.vocab import Vocabulary

BWBENCH = "bwbench"
SEED_RESULTS = "seed results"
SEED_LINES = "seed-style JSONL"

CHUNK_RECORDS = 256
"""Records handed on together (to a worker process, say): enough to make handing them on cheap."""
CHUNK_BYTES = 1 << 20
"""... or fewer, when their text adds up to this many bytes (long completions)."""
BLOCK = 1 << 20
"""Bytes of the seed's document read at a time."""


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
    record: dict | None = field(default=None, repr=False, compare=False)  # the line's fields, for what a task adds


LINE_FIELDS = ("sample", "prompt_hash", "completion", "verdict", "seconds", "single_step", "finish_reason", "tokens")
"""What a prediction line holds beside its problem's fields, in the order ``bwbench eval`` writes them."""


@dataclass(frozen=True)
class PredictionLine:
    """One line of a predictions file in bwbench's format, defined here once.

    The problem's fields come first, as its task words them (``id``, ``init``,
    ``goal``, ... for plan generation), so that the line can be judged again on
    its own; then which sample of the problem it is, a hash of the prompt, the
    model's raw ``completion``, the verdict it got, the seconds its batch took
    per problem, (hf models) teacher-forced single-step success, why generation
    ended (``finish_reason``: eos, stop or length) and the tokens it cost. ``bwbench
    eval`` writes every field; a file made elsewhere needs only the problem and
    the completion. Schema version 1 is every line written so far, written as no
    field; a later version will write ``schema_version``.
    """

    problem: dict
    completion: str
    sample: int = 0
    prompt_hash: str | None = None
    verdict: dict | None = None
    seconds: float | None = None
    single_step: tuple[int, int] | None = None
    finish_reason: str | None = None  # why generation ended: eos, stop or length (the token budget)
    tokens: int | None = None  # the new tokens the answer cost, where the model counts them

    @property
    def id(self) -> str | None:
        return self.problem.get("id")

    def to_json(self) -> dict:
        out = {**self.problem, "sample": self.sample, "prompt_hash": self.prompt_hash, "completion": self.completion,
               "verdict": self.verdict, "seconds": self.seconds}
        if self.single_step is not None:
            out["single_step"] = list(self.single_step)
        if self.finish_reason is not None:
            out["finish_reason"] = self.finish_reason
        if self.tokens is not None:
            out["tokens"] = self.tokens
        return out

    def to_bytes(self) -> bytes:
        return (json.dumps(self.to_json(), ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def from_json(cls, record: dict) -> "PredictionLine":
        """A line's object read; ``ValueError`` naming the field that is not what the format says."""
        completion = record.get("completion")
        if not isinstance(completion, str):
            raise ValueError("the completion must be a string")
        sample = record.get("sample", 0)
        if not isinstance(sample, int) or isinstance(sample, bool) or sample < 0:
            raise ValueError(f"sample must be a whole number, not {sample!r}")
        step = record.get("single_step")
        single = tuple(step) if isinstance(step, list) and len(step) == 2 else None
        seconds = record.get("seconds")
        reason, tokens = record.get("finish_reason"), record.get("tokens")
        return cls({k: v for k, v in record.items() if k not in LINE_FIELDS}, completion, sample,
                   record.get("prompt_hash"), record.get("verdict"),
                   float(seconds) if isinstance(seconds, (int, float)) else None, single,
                   reason if isinstance(reason, str) else None,
                   tokens if isinstance(tokens, int) and not isinstance(tokens, bool) else None)


@dataclass
class PredictionFile:
    path: str
    format: str
    predictions: list[Prediction]
    meta: dict = field(default_factory=dict)  # the seed's run_name, model_type and own metrics, when present


class Entry(NamedTuple):
    """One record of a predictions file as found, before it is read as a prediction (:func:`prediction_of`).

    A tuple, so that chunks of entries go to worker processes cheaply.
    """

    index: int  # JSONL: the line; the seed's document: the index in its ``results`` list
    line: int  # the line it starts on
    data: object  # JSONL: the line's bytes, still to decode; the seed's document: the element, decoded
    size: int  # the record's length in the file (bytes of a line, characters of an element)


class PredictionSource:
    """A predictions file opened for one pass: its format and task (from its first line), then its entries in order.

    ``meta`` (the seed's document's fields other than ``results``) is complete
    once the entries have all been read. ``BwbenchError`` naming the file,
    and the line where there is one, for a file that cannot be read or is
    neither format.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.meta: dict = {}
        head = None
        with self._open() as fh:
            for raw in fh:
                try:
                    line = raw.decode("utf-8")
                    if not line.strip():
                        continue
                    head = json.loads(line)
                except (UnicodeDecodeError, json.JSONDecodeError):
                    head = False  # not a line of JSON: read as a document, which says what is wrong
                break
        if head is None:
            raise BwbenchError("no predictions: the file is empty", str(self.path))
        self.jsonl = isinstance(head, dict) and not (isinstance(head.get("results"), list) and "completion" not in head)
        if not self.jsonl:
            self.format = SEED_RESULTS
        else:
            self.format = SEED_LINES if "completion" not in head and "predicted" in head else BWBENCH
        task = head.get("task", "plan") if self.jsonl else "plan"
        self.task = task if isinstance(task, str) else repr(task)  # the task its answers were asked (a name)

    def _open(self) -> BinaryIO:
        try:
            return self.path.open("rb")
        except OSError as exc:
            raise BwbenchError(f"cannot read: {exc.strerror}", str(self.path)) from None

    def entries(self) -> Iterator[Entry]:
        """Every record, in file order (JSONL lines that are blank are left out)."""
        with self._open() as fh:
            if self.jsonl:
                for lineno, raw in enumerate(fh, 1):
                    if raw.strip():
                        yield Entry(lineno, lineno, raw, len(raw))
            else:
                yield from _Document(fh, self.path, self.meta).entries()

    def chunks(self, records: int = CHUNK_RECORDS, size: int = CHUNK_BYTES) -> Iterator[list[Entry]]:
        """The entries in order, in lists of up to ``records`` (fewer when they reach ``size`` in the file).

        At an error, the entries before it come first, then the error.
        """
        chunk: list[Entry] = []
        held = 0
        try:
            for entry in self.entries():
                chunk.append(entry)
                held += entry.size
                if len(chunk) >= records or held >= size:
                    yield chunk
                    chunk, held = [], 0
        except BwbenchError:
            if chunk:
                yield chunk
            raise
        if chunk:
            yield chunk


def prediction_of(source_format: str, path: Path, entry: Entry) -> Prediction | None:
    """The prediction an entry holds (None for a JSONL line of whitespace); ``BwbenchError`` naming its line."""
    index, lineno, data, _ = entry
    if source_format == SEED_RESULTS:
        where = f"{path}:{lineno} (results[{index}])"
        if not isinstance(data, dict) or "predicted" not in data:
            raise BwbenchError("a result needs 'input', 'expected' and 'predicted'", where)
        ident = f"{data['example_id']}" if "example_id" in data else str(index)
        return _prediction(path, index, data, where, ident)
    where = f"{path}:{lineno}"
    record = json_line(data, where)
    if record is None:
        return None
    kind = BWBENCH if "completion" in record else SEED_LINES if "predicted" in record else None
    if kind is None:
        raise BwbenchError("no 'completion' (the model's raw output): a dataset line, not a prediction?", where)
    if kind != source_format:
        raise BwbenchError(f"mixes formats: this line is {kind}, earlier lines are {source_format}; one format per file",
                           where)
    return _prediction(path, lineno, record, where, f"{path.name}:{lineno}")


def iter_predictions(source: PredictionSource) -> Iterator[Prediction]:
    """The predictions of a file, one at a time, in order."""
    for entry in source.entries():
        pred = prediction_of(source.format, source.path, entry)
        if pred is not None:
            yield pred


def read_predictions(path: str | Path) -> PredictionFile:
    """A whole predictions file in memory; ``BwbenchError`` naming the file and line at the first bad record."""
    source = PredictionSource(path)
    preds = list(iter_predictions(source))
    return PredictionFile(str(source.path), source.format, preds, source.meta)


_WS = re.compile(r"[ \t\n\r]*")  # JSON's whitespace
_DECODER = json.JSONDecoder()
_AFTER_ELEMENT = re.compile(r"[ \t\n\r]*,[ \t\n\r]*")
_RESULTS_LIST = "a JSON document of predictions needs a 'results' list (the seed's format)"


class _Document:
    """The seed's results document, read block by block: its ``results`` elements one at a time, the rest into ``meta``.

    The text held starts at a line's start and runs from what is being read to
    the end of the last block; ``mark`` is a position whose line is known, so
    each line number costs only the text since the last one.
    """

    def __init__(self, fh: BinaryIO, path: Path, meta: dict) -> None:
        self.fh, self.path, self.meta = fh, path, meta
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.text, self.pos, self.eof = "", 0, False
        self.mark, self.mark_line = 0, 1
        self.dropped = 0  # characters of the text dropped from the front
        self.newlines = 0  # newlines in the bytes decoded so far, for a decoding error's line

    def entries(self) -> Iterator[Entry]:
        self._skip()
        if self._peek() != "{":
            self._whole()
        self.pos += 1
        results = False  # a 'results' list was read (and was the last 'results')
        self._skip()
        if self._peek() == "}":
            self.pos += 1
        else:
            while True:
                self._skip()
                if self._peek() != '"':
                    raise self._syntax("Expecting property name enclosed in double quotes", self.pos)
                key = self._value()
                self._skip()
                if self._peek() != ":":
                    raise self._syntax("Expecting ':' delimiter", self.pos)
                self.pos += 1
                self._skip()
                if key == "results" and self._peek() == "[":
                    if results:
                        raise BwbenchError("a second 'results' list: the document must have one", self._where(self.pos))
                    yield from self._elements()
                    results = True
                elif key == "results":
                    self._value()
                    results = False
                else:
                    self.meta[key] = self._value()
                if not self._delimiter("}"):
                    break
        self._skip()
        if self._peek():
            raise self._syntax("Extra data", self.pos)
        if not results:
            raise BwbenchError(_RESULTS_LIST, f"{self.path}:1")

    def _elements(self) -> Iterator[Entry]:
        self.pos += 1  # the "["
        self._skip()
        if self._peek() == "]":
            self.pos += 1
            return
        decode, after = _DECODER.raw_decode, _AFTER_ELEMENT.match
        i = 0
        while True:
            self._skip()
            start = self.pos
            line = self._line(start)
            text = self.text
            try:  # the usual case, kept short: the element and the comma after it are in the text held
                value, end = decode(text, start)
                m = after(text, end)
                held = m is not None and m.end() < len(text)
            except json.JSONDecodeError:
                held = False
            if held:
                self.pos = m.end()
                yield Entry(i, line, value, end - start)
                i += 1
                continue
            start += self.dropped
            value = self._value()
            yield Entry(i, line, value, self.dropped + self.pos - start)
            i += 1
            if not self._delimiter("]"):
                return

    def _delimiter(self, close: str) -> bool:
        """Past a ``,`` (True: more follows) or ``close`` (False)."""
        self._skip()
        c = self._peek()
        if c not in (",", close):
            raise self._syntax("Expecting ',' delimiter", self.pos)
        self.pos += 1
        return c == ","

    def _more(self) -> None:
        """Read the next block (``eof`` at the end), dropping whole lines already read past."""
        cut = self.text.rfind("\n", 0, min(self.pos, self.mark)) + 1
        if cut > BLOCK:
            self.text, self.pos, self.mark = self.text[cut:], self.pos - cut, self.mark - cut
            self.dropped += cut
        data = self.fh.read(BLOCK)
        self.eof = not data
        try:
            self.text += self.decoder.decode(data, final=self.eof)
        except UnicodeDecodeError as exc:
            line = self.newlines + exc.object.count(b"\n", 0, exc.start) + 1
            raise BwbenchError("not UTF-8 text", f"{self.path}:{line}") from None
        self.newlines += data.count(b"\n")

    def _skip(self) -> None:
        while True:
            self.pos = _WS.match(self.text, self.pos).end()
            if self.pos < len(self.text) or self.eof:
                return
            self._more()

    def _peek(self) -> str:
        return self.text[self.pos:self.pos + 1]

    def _value(self) -> object:
        """The JSON value at ``pos``, reading more until it is whole; ``pos`` moves past it."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                # Cut off by the block's end (an error there, or in a string still open), or wrong.
                if self.eof or not (exc.pos >= len(self.text) - 64 or exc.msg.startswith("Unterminated string")):
                    raise self._syntax(exc.msg, exc.pos) from None
            else:
                if end < len(self.text) or self.eof:  # a number at the block's end may go on in the next
                    self.pos = end
                    return value
            self._more()

    def _line(self, pos: int) -> int:
        if pos >= self.mark:
            self.mark_line += self.text.count("\n", self.mark, pos)
            self.mark = pos
            return self.mark_line
        return self.mark_line - self.text.count("\n", pos, self.mark)

    def _where(self, pos: int) -> str:
        return f"{self.path}:{self._line(pos)}"

    def _syntax(self, msg: str, pos: int) -> BwbenchError:
        column = pos - self.text.rfind("\n", 0, pos)
        return BwbenchError(f"neither JSONL predictions nor a JSON document ({msg}, column {column})", self._where(pos))

    def _whole(self) -> None:
        """A document that is not an object: read whole, it is wrong either way, and says how."""
        while not self.eof:
            self._more()
        try:
            json.loads(self.text)
        except json.JSONDecodeError as exc:
            raise BwbenchError(f"neither JSONL predictions nor a JSON document ({exc.msg}, column {exc.colno})",
                               f"{self.path}:{self.mark_line + exc.lineno - 1}") from None
        raise BwbenchError(_RESULTS_LIST, f"{self.path}:1")


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
    # The optimal length is the planner's (to_example refuses a record whose optimal_len claims another).
    return Prediction(where, str(record.get("id", ident)), ex.init, ex.goal, completion, gold, ex.optimal_len, ex.vocab,
                      record)
