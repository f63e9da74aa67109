"""llm-reasoners' Blocksworld plan sets imported as a suite, their plans kept as ``source_plan``.

llm-reasoners (Hao et al., 2024) keeps its Blocksworld test cases as JSON
files (``examples/CoT/blocksworld/data/split_v1/split_v1_step_6_data.json``,
``data/full_data/step_4.json``, ...), each a list of ``[instance path, plan,
length]``: the path of one of PlanBench's instances as their repository
holds it (``LLMs-Planning/llm_planning_analysis/instances/blocksworld/
generated_basic/instance-12.pddl``), a plan in PDDL, one action a line, and
its length in steps. The instances come from two of PlanBench's folders,
``generated_basic`` and ``generated_basic_3``, whose file names repeat, so a
problem's id and ``source`` name its folder too (``<suite>-generated_basic-
instance-12``). A path is found under the folder of PlanBench's instances
given (the part after ``instances/``), else as written, from the current
directory or from the plan set's own folder and those above it. Each plan is
checked by simulation and kept as ``source_plan``; a length that is not the
plan's is refused, as is an instance listed twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from ..errors import BwbenchError
from ..fileio import read_bytes, replace_dir
from ..suites.card import render_manifest
from ..suites.importing import ImportRequest, import_record, manifest, recognise_domain
from ..suites.manifest import NAME, Manifest, find_manifest


@dataclass(frozen=True)
class PlanEntry:
    """One element of a plan set: where it is (``file.json (entry 3)``), the instance path as written, the plan."""

    where: str
    instance: str
    plan: str
    length: int


def looks_like_plan_set(path: Path) -> bool:
    """Whether ``path`` is a JSON file that opens the way llm-reasoners' plan sets do: a list of lists."""
    if path.suffix.lower() != ".json" or not path.is_file():
        return False
    with open(path, "rb") as fh:
        head = fh.read(256).decode("utf-8", "replace").lstrip()
    return head.startswith("[") and head[1:].lstrip().startswith(("[", "]"))


def read_plan_set(path: Path) -> list[PlanEntry]:
    """The entries of a plan set; ``BwbenchError`` naming the file (and entry) where it is not one."""
    try:
        data = json.loads(read_bytes(path))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BwbenchError(f"not JSON ({exc})", str(path), field="problems") from None
    if not isinstance(data, list) or not data:
        raise BwbenchError("an llm-reasoners plan set is a list of [instance path, plan, length]; this one is empty"
                           if isinstance(data, list) else "not an llm-reasoners plan set (a JSON list)", str(path),
                           field="problems")
    out = []
    for i, entry in enumerate(data):
        where = f"{path} (entry {i + 1})"
        if not (isinstance(entry, list) and len(entry) == 3 and isinstance(entry[0], str) and
                isinstance(entry[1], str) and isinstance(entry[2], int) and not isinstance(entry[2], bool)):
            raise BwbenchError(f"an entry must be [instance path, plan, length], not {json.dumps(entry)[:80]}", where,
                               field="problems")
        out.append(PlanEntry(where, *entry))
    return out


def resolve(entry: PlanEntry, instances: Path | None, plan_set: Path) -> Path:
    """The instance file an entry names; ``BwbenchError`` naming the entry where it is not found."""
    written = PurePosixPath(entry.instance.replace("\\", "/"))
    parts = written.parts
    candidates = []
    if instances is not None:
        if "instances" in parts:
            candidates.append(instances.joinpath(*parts[len(parts) - parts[::-1].index("instances"):]))
        candidates += [instances.joinpath(*parts[-k:]) for k in (3, 2)]
    else:
        candidates.append(Path(*parts))
        candidates += [base.joinpath(*parts) for base in plan_set.resolve().parents]
    for path in candidates:
        if path.is_file():
            return path
    where = f"under {instances}" if instances is not None else "from here or beside the plan set"
    raise BwbenchError(f"no instance {entry.instance} {where}: give the folder of PlanBench's instances "
                       "(the one holding blocksworld/generated_basic)", entry.where, field="instances")


def import_plan_set(request: ImportRequest, instances: Path | None = None,
                    progress: Callable[[int], None] | None = None,
                    on_total: Callable[[int], None] | None = None) -> Manifest:
    """Import the plan set ``request.problems[0]`` as the suite ``request.out``; returns the manifest."""
    if instances is not None and not instances.is_dir():
        raise BwbenchError("no such directory", str(instances), field="instances")
    plan_set = request.problems[0]
    entries = read_plan_set(plan_set)
    if on_total:
        on_total(len(entries))
    files = [resolve(e, instances, plan_set) for e in entries]
    seen: dict[str, PlanEntry] = {}
    for entry, path in zip(entries, files):
        key = f"{path.parent.name}/{path.name}"
        if key in seen:
            raise BwbenchError(f"lists {key} again (first in {seen[key].where})", entry.where, field="problems")
        seen[key] = entry
    domain = request.domain
    vocab = recognise_domain(domain, files[0] if domain is None else None)
    records = []
    for entry, path in zip(entries, files):
        try:
            record = import_record(path, vocab, domain, request.suite, {path.name: entry.plan}, plan_set)
        except BwbenchError as exc:  # the plan's fault is the entry's: say which entry, not just the file name
            where = entry.where if exc.where and exc.where.startswith(str(plan_set)) else exc.where
            raise BwbenchError(exc.message, where, field="problems") from None
        if len(record["source_plan"]) != entry.length:
            raise BwbenchError(f"says its plan has {entry.length} steps; it has {len(record['source_plan'])}",
                               entry.where, field="problems")
        record["id"] = f"{request.suite}-{path.parent.name}-{path.stem}"
        record["source"] = f"{path.parent.name}/{path.name}"
        records.append(record)
        if progress:
            progress(1)
    test = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()
    man = manifest(replace(request, plans=plan_set), vocab, records, test)
    files_out = {"test.jsonl": test, NAME: man.to_bytes(), "README.md": render_manifest(man, records[0]).encode("utf-8")}
    replace_dir(request.out, files_out, is_ours=_earlier_import)
    return man


def _earlier_import(path: Path) -> bool:
    """An earlier import (its manifest says so): the only directory an import may replace."""
    man = find_manifest(path)
    return man is not None and man.imported is not None
