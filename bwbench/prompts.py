"""Prompt templates and few-shot examples: how a problem is put to a model.

``seed`` is the seed's Llama-2 form, ``[INST] {instruction}\\n\\n{input} [/INST]``,
what its fine-tuned models saw (the default for fine-tuned models); ``chat``
hands the same words to the model's own chat template; ``plain`` is the text
alone, for base models. Few-shot examples come from a train split, never from
the examples being evaluated.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from typing import Sequence

from .adapters.base import Query
from .benchmark.records import Example
from .benchmark.text import INSTRUCTION, render_input, render_plan

TEMPLATES = ("seed", "chat", "plain")


@dataclass(frozen=True)
class PromptConfig:
    template: str = "seed"
    shots: int = 0
    shots_seed: int = 0

    def describe(self, shots_from: str | None) -> dict:
        return {"template": self.template, "shots": self.shots, "shots_seed": self.shots_seed, "shots_from": shots_from}


def problem_text(ex: Example) -> tuple[str, str]:
    """The seed's ``instruction`` and ``input`` for an example (its own fields when it has them)."""
    rec = ex.record
    instruction = rec.get("instruction") if isinstance(rec.get("instruction"), str) else INSTRUCTION
    if isinstance(rec.get("input"), str):
        return instruction, rec["input"]
    return instruction, render_input(ex.init.sorted_towers(), ex.goal.sorted_towers())


def answer_text(ex: Example) -> str:
    rec = ex.record
    if isinstance(rec.get("output"), str):
        return rec["output"]
    return render_plan(ex.gold or ())


def choose_shots(pool: Sequence[Example], k: int, seed: int) -> list[Example]:
    """``k`` examples from ``pool`` (a train split), the same ones for every query of a run."""
    if k <= 0:
        return []
    return random.Random(seed).sample(list(pool), k)


def build(ex: Example, config: PromptConfig, shots: Sequence[Example]) -> Query:
    instruction, inp = problem_text(ex)
    turns = [(f"{problem_text(s)[0]}\n\n{problem_text(s)[1]}", answer_text(s)) for s in shots]
    user = f"{instruction}\n\n{inp}"
    messages = []
    for q, a in turns:
        messages += [{"role": "user", "content": q}, {"role": "assistant", "content": a}]
    messages.append({"role": "user", "content": user})
    if config.template == "seed":
        text = "".join(f"[INST] {q} [/INST] {a} </s><s>" for q, a in turns) + f"[INST] {user} [/INST]"
    elif config.template == "plain":
        text = "".join(f"{q}\n\n{a}\n\n" for q, a in turns) + f"{user}\n\n"
    else:
        text = ""  # rendered by the model's own chat template
    return Query(text, tuple(messages), config.template == "chat", ex)


def prompt_hash(q: Query) -> str:
    """A short hash of what is sent: the text, or the messages for a chat template."""
    payload = json.dumps(q.messages, sort_keys=True) if q.chat else q.text
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]
