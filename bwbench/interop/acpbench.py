"""ACPBench's items read: the question each asks, and the Blocksworld problem its PDDL embeds.

ACPBench (Kokel et al., 2025) keeps its items per task and split as JSON
(``dataset/val/dev.gen.json``, ``dataset/app/test.bool.json.gz``, ...): a
list of objects, each with an ``id``, a ``group`` naming the kind of
question (``validation_gen``, ``applicable_actions_gen``, ...), the
``context`` and ``question`` in words, the ``answer``, and, in its
generative items, the problem as PDDL (``PDDL_domain``, ``PDDL_problem``).
Its questions are about actions, change and planning (applicability,
progression, reachability, validation, justification, landmarks, the next
action), none of them plan generation, the one task bwbench has built: an
item of another kind is named, with its task, in the error that refuses it.
Items of other domains than Blocksworld (recognised by the structure of the
embedded domain's actions, as any import) are left out.
"""

from __future__ import annotations

import gzip
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import BwbenchError
from ..fileio import read_bytes, replace_dir
from ..suites.card import render_manifest
from ..suites.importing import ImportRequest, import_record, manifest, recognise_domain
from ..suites.manifest import NAME, Manifest, find_manifest
from ..world.goal import Goal
from ..world.pddl import read_problem_fast
from ..world.state import State
from ..world.vocab import Vocabulary

TASKS = {
    "applicable_actions": "action applicability (app)", "progression": "progression (prog)",
    "reachable_atom": "atom reachability (reach)", "validation": "plan validation (val)",
    "reachable_action": "action reachability (areach)", "action_justification": "justification (just)",
    "landmarks": "landmarks (land)", "next_action": "next action (nexta)",
    "plan_generation": "plan generation",
}
"""ACPBench's kinds of question, by the start of an item's ``group``, each with its task (ACPBench's short name)."""
PLAN_GENERATION = "plan_generation"


@dataclass(frozen=True)
class AcpItem:
    """One ACPBench item about a Blocksworld problem: what it asks, its answer, and the problem."""

    where: str
    id: str
    group: str
    context: str
    question: str
    answer: object
    init: State
    goal: Goal | State
    vocab: Vocabulary
    pddl: tuple[str, str]  # the domain and the problem, as the item embeds them

    @property
    def kind(self) -> str:
        """The kind of question (a key of :data:`TASKS`), or the group itself when ACPBench has no such kind."""
        return next((k for k in TASKS if self.group.startswith(k)), self.group)

    @property
    def task(self) -> str:
        return TASKS.get(self.kind, f"an unknown kind ({self.group})")


def looks_like_items(path: Path) -> bool:
    """Whether ``path`` opens as ACPBench's items do: a JSON list (gzipped or not) of objects with a ``group``."""
    if not path.is_file() or not path.name.endswith((".json", ".json.gz")):
        return False
    head = _text(path, 512).lstrip()
    return head.startswith("[") and head[1:].lstrip().startswith("{") and '"group"' in head


def read_items(path: Path) -> list[AcpItem]:
    """The Blocksworld items of an ACPBench file, in order; ``BwbenchError`` naming the file (and item) where it
    is not one. Items without PDDL (ACPBench's boolean and multiple-choice ones) cannot be placed in a problem:
    they are refused, naming their kind."""
    try:
        data = json.loads(_text(path))
    except (json.JSONDecodeError, UnicodeDecodeError, OSError) as exc:
        raise BwbenchError(f"not ACPBench's items (JSON: {exc})", str(path), field="problems") from None
    if not isinstance(data, list):
        raise BwbenchError("not ACPBench's items (a JSON list of objects)", str(path), field="problems")
    vocabs: dict[str, Vocabulary | None] = {}
    out = []
    for i, obj in enumerate(data):
        where = f"{path} (item {i + 1})"
        if not isinstance(obj, dict) or not all(isinstance(obj.get(k), str) for k in ("group", "context", "question")):
            raise BwbenchError("an item needs 'group', 'context' and 'question'", where, field="problems")
        domain, problem = obj.get("PDDL_domain"), obj.get("PDDL_problem")
        if not isinstance(domain, str) or not isinstance(problem, str):
            raise BwbenchError(f"a {obj['group']} item holds no PDDL (PDDL_domain, PDDL_problem): only ACPBench's "
                               "generative items (*.gen.json) name their problem", where, field="problems")
        if domain not in vocabs:
            vocabs[domain] = _blocksworld(domain)
        vocab = vocabs[domain]
        if vocab is None:
            continue  # another domain's item
        read = read_problem_fast(problem, vocab)
        if read is None:
            raise BwbenchError("its PDDL_problem is not a plain STRIPS Blocksworld problem", where, field="problems")
        out.append(AcpItem(where, str(obj.get("id", i)), obj["group"], obj["context"], obj["question"],
                           obj.get("answer"), read.init, read.goal, vocab, (domain, problem)))
    return out


def plan_generation_items(path: Path) -> list[AcpItem]:
    """The file's Blocksworld items, each of which asks for a plan; ``BwbenchError`` naming the first that asks
    another kind of question (ACPBench's tasks other than plan generation are not built in bwbench yet)."""
    items = read_items(path)
    if not items:
        raise BwbenchError("holds no Blocksworld item", str(path), field="problems")
    for item in items:
        if item.kind != PLAN_GENERATION:
            raise BwbenchError(f"a {item.group} item asks a question of {item.task}, a task bwbench has not built "
                               "yet (bwbench imports and scores plan-generation questions only)", item.where,
                               field="problems")
    return items


def import_items(request: ImportRequest, progress: Callable[[int], None] | None = None,
                 on_total: Callable[[int], None] | None = None) -> Manifest:
    """ACPBench's plan-generation items about Blocksworld, ``request.problems[0]``, as the suite ``request.out``;
    ``BwbenchError`` naming the first item that asks another kind of question."""
    path = request.problems[0]
    items = plan_generation_items(path)
    if on_total:
        on_total(len(items))
    with tempfile.TemporaryDirectory() as tmp:
        records = []
        for item in items:
            domain, problem = Path(tmp) / "domain.pddl", Path(tmp) / f"{item.id}.pddl"
            domain.write_text(item.pddl[0], encoding="utf-8")
            problem.write_text(item.pddl[1], encoding="utf-8")
            record = import_record(problem, item.vocab, domain, request.suite)
            record["source"] = f"{path.name}#{item.id}"
            records.append(record)
            if progress:
                progress(1)
        test = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
        man = manifest(replace(request, domain=None), items[0].vocab, records, test)
    files = {"test.jsonl": test, NAME: man.to_bytes(), "README.md": render_manifest(man, records[0]).encode("utf-8")}
    replace_dir(request.out, files, is_ours=lambda p: (m := find_manifest(p)) is not None and m.imported is not None)
    return man


def _blocksworld(domain: str) -> Vocabulary | None:
    """The words of an embedded domain when it is Blocksworld (recognised from its actions), else None."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "domain.pddl"
        path.write_text(domain, encoding="utf-8")
        try:
            return recognise_domain(path)
        except BwbenchError:
            return None


def _text(path: Path, limit: int | None = None) -> str:
    data = read_bytes(path)
    if path.name.endswith(".gz"):
        data = gzip.decompress(data)
    return (data if limit is None else data[:limit]).decode("utf-8")
