"""Queries: a question put to a model in one of the templates every task shares, with few-shot turns.

``seed`` is the seed's Llama-2 form, ``[INST] {question} [/INST]``, what its
fine-tuned models saw; ``chat`` hands the same words to the model's own chat
template; ``plain`` is the text alone, for base models. A task supplies the
question and answer texts (:mod:`.plan`), and may have templates of its own
(PlanBench's prompts, :mod:`.planbench`). Few-shot examples come from a train
split, never from the problems being evaluated.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

SHARED_TEMPLATES = ("seed", "chat", "plain")


@dataclass(frozen=True)
class Query:
    """One prompt: as text (seed and plain templates) and as chat messages; what it asks about.

    ``item`` is the task's item (a problem to plan for), and ``task`` the task asking, so that an oracle model
    can answer it; ``id`` is the item's id in the run, which seeds its samples.
    """

    text: str
    messages: tuple[dict, ...]
    chat: bool  # whether the template is the model's chat template
    item: Any = field(default=None, compare=False)
    task: Any = field(default=None, compare=False)
    id: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PromptConfig:
    template: str = "seed"
    shots: int = 0
    shots_seed: int = 0

    def describe(self, shots_from: str | None, shots_sha256: str | None = None) -> dict:
        """The prompt as a run records it: the file its few-shot examples came from, and that file's sha256
        (which is what identifies it: the same file reached by another path is the same prompt)."""
        out = {"template": self.template, "shots": self.shots, "shots_seed": self.shots_seed, "shots_from": shots_from}
        return out | ({"shots_sha256": shots_sha256} if shots_sha256 else {})


def compose(template: str, question: str, turns: Sequence[tuple[str, str]] = (), item: Any = None,
            task: Any = None) -> Query:
    """``question`` after the solved ``turns`` (question, answer), in one of :data:`SHARED_TEMPLATES`."""
    messages: list[dict] = []
    for q, a in turns:
        messages += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    messages.append({"role": "user", "content": question})
    if template == "seed":
        text = "".join(f"[INST] {q} [/INST] {a} </s><s>" for q, a in turns) + f"[INST] {question} [/INST]"
    elif template == "plain":
        text = "".join(f"{q}\n\n{a}\n\n" for q, a in turns) + f"{question}\n\n"
    else:
        text = ""  # rendered by the model's own chat template
    return Query(text, tuple(messages), template == "chat", item, task)


def single_turn(text: str, item: Any = None, task: Any = None) -> Query:
    """A prompt sent as it is: the text, or one user message of it."""
    return Query(text, ({"role": "user", "content": text},), False, item, task)


def choose_shots(pool: Sequence, k: int, seed: int) -> list:
    """``k`` examples from ``pool`` (a train split), the same ones for every query of a run."""
    if k <= 0:
        return []
    return random.Random(seed).sample(list(pool), k)


def prompt_hash(q: Query) -> str:
    """A short hash of what is sent: the text, or the messages for a chat template."""
    payload = json.dumps(q.messages, sort_keys=True) if q.chat else q.text
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
