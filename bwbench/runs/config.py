"""A run's settings (:class:`RunConfig`) and its identity (:class:`Identity`, the run directory's ``config.json``).

The identity is what makes two invocations one run: the task, the protocol,
the model and its options, the prompt, the generation settings and the
suite's problems (its sha256, split and levels). The suite's path and name
are recorded, not compared, so the same suite reached by another path is the
same run; ``limit`` and ``per_level`` are not part of it, so a run tried on a
few problems is extended by the same command without them. Version 2 is
written now; version 1 (no ``schema_version``) reads as plan generation with
one answer a problem.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BwbenchError
from ..models.base import GenerationConfig
from ..provenance import VERSION
from ..tasks.prompts import PromptConfig

SCHEMA_VERSION = 2
SUITE_RECORD = ("path", "name", "sha256", "split", "level")  # the suite as config.json records it
SUITE_IDENTITY = ("sha256", "split", "level")  # ... and the part that identifies the run's problems
COMPARED = ("task", "protocol", "model", "model_options", "prompt", "generation", "suite")


@dataclass(frozen=True, kw_only=True)
class RunConfig:
    """Everything a run needs to go: what identifies it, and how this invocation runs it."""

    model: str
    suite: str
    out: Path
    task: str = "plan"
    protocol: str = "single"
    split: str = "test"
    levels: tuple[int, ...] | None = None  # true levels to keep; None: all
    limit: int | None = None  # only the first N problems (not part of what identifies the run)
    per_level: int | None = None  # only N problems of each level (likewise)
    prompt: PromptConfig = field(default_factory=PromptConfig)
    generation: GenerationConfig = field(default_factory=GenerationConfig)
    batch_size: int = 8
    single_step: bool = True
    shots_from: str | None = None
    model_options: dict = field(default_factory=dict)
    backend: str = "local"
    gpu: str | None = None
    label: str | None = None  # what a leaderboard calls the run (recorded; not what identifies it)


@dataclass(frozen=True)
class Identity:
    """What identifies a run, as ``config.json`` holds it."""

    task: str
    protocol: str
    model: str
    model_options: Any
    prompt: Any
    generation: Any
    suite: dict
    schema_version: int = SCHEMA_VERSION
    label: str | None = None  # the leaderboard's name for the run: recorded, not compared

    @classmethod
    def of(cls, config: RunConfig, described: dict, shots_from: Path | None) -> "Identity":
        """The identity of ``config``'s run on the suite ``described`` (as the suite's view describes it), its
        few-shot examples taken from the file ``shots_from`` (None: none shown)."""
        digest = hashlib.sha256(shots_from.read_bytes()).hexdigest() if shots_from else None
        return cls(config.task, config.protocol, config.model, config.model_options,
                   config.prompt.describe(str(shots_from) if shots_from else None, digest),
                   _plain(asdict(config.generation)),
                   {k: described[k] for k in SUITE_RECORD}, label=config.label)

    def to_json(self) -> dict:
        out = {"schema_version": self.schema_version, "task": self.task, "protocol": self.protocol,
               "model": self.model, "model_options": self.model_options, "prompt": self.prompt,
               "generation": self.generation, "suite": self.suite}
        return {**out, "label": self.label} if self.label is not None else out

    def to_bytes(self) -> bytes:
        """``config.json``'s bytes: the identity and the bwbench version that wrote it."""
        return (json.dumps({**self.to_json(), "bwbench_version": VERSION}, indent=2) + "\n").encode()

    def compared(self) -> dict:
        """The part that identifies the run: everything but the suite's path and name."""
        out = {k: getattr(self, k) for k in COMPARED}
        out["suite"] = {k: v for k, v in self.suite.items() if k in SUITE_IDENTITY}
        if isinstance(self.prompt, dict) and self.prompt.get("shots_sha256"):  # the file by its bytes, not its path
            out["prompt"] = {k: v for k, v in self.prompt.items() if k != "shots_from"}
        return _plain(out)

    def differences(self, other: "Identity") -> list[str]:
        """What differs from ``other``, one phrase each (``its model differs: was planner, now random``)."""
        return differences(self.compared(), other.compared())


def read_identity(path: Path) -> Identity:
    """A run's ``config.json``, either version; ``BwbenchError`` when it cannot be read as one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise BwbenchError("not valid JSON; remove the directory to start again", str(path)) from None
    if not isinstance(data, dict):
        raise BwbenchError("not a run's config (not a JSON object); remove the directory to start again", str(path))
    version = data.get("schema_version", 1)
    if version not in (1, SCHEMA_VERSION):
        raise BwbenchError(f"schema_version is {version!r}; this bwbench reads versions 1 and {SCHEMA_VERSION}",
                           str(path))
    suite = data.get("suite")
    label = data.get("label")
    return Identity(data.get("task", "plan"), data.get("protocol", "single"), data.get("model", _ABSENT),
                    data.get("model_options", _ABSENT), data.get("prompt", _ABSENT),
                    data.get("generation", _ABSENT), suite if isinstance(suite, dict) else {"": suite},
                    version, label if isinstance(label, str) else None)


class _Absent:
    def __repr__(self) -> str:
        return "not set"


_ABSENT: Any = _Absent()


def _plain(value: Any) -> Any:
    """``value`` as JSON would give it back (tuples as lists), absent fields kept as absent."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def differences(before: Any, now: Any, path: str = "") -> list[str]:
    """What differs between two identities, one phrase each: ``its model differs: was planner, now random``;
    nested settings by their key path (``its generation.temperature differs: was 0.0, now 0.7``)."""
    if isinstance(before, dict) and isinstance(now, dict):
        out = []
        for key in list(before) + [k for k in now if k not in before]:
            out += differences(before.get(key, _ABSENT), now.get(key, _ABSENT), f"{path}.{key}" if path else key)
        return out
    if before == now and type(before) is type(now):
        return []
    return [f"its {path} differs: was {_shown(before)}, now {_shown(now)}"]


def _shown(value: Any) -> str:
    if value is _ABSENT:
        return "not set"
    return value if isinstance(value, str) else json.dumps(value)
