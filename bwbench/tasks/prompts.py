"""Prompt templates and few-shot examples: how a problem is put to a model.

``seed`` is the seed's Llama-2 form, ``[INST] {instruction}\\n\\n{input} [/INST]``,
what its fine-tuned models saw (the default for fine-tuned models); ``chat``
hands the same words to the model's own chat template; ``plain`` is the text
alone, for base models. Few-shot examples come from a train split, never from
the examples being evaluated. ``planbench`` and ``planbench-1shot`` send what
PlanBench sends (its rules and ``[STATEMENT]`` in the domain's words,
:mod:`.interop.planbench_prompts`), zero-shot or after one solved problem chosen
as PlanBench chooses it (:func:`planbench_example`).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass
from typing import Sequence

from ..models.base import Query
from ..suites.dataset import Example
from ..world.state import Action
from ..world.text import INSTRUCTION, as_actions, render_input, render_plan
from ..world.vocab import IPC
from ..errors import BwbenchError

TEMPLATES = ("seed", "chat", "plain", "planbench", "planbench-1shot")
PLANBENCH = ("planbench", "planbench-1shot")


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


def build(ex: Example, config: PromptConfig, shots: Sequence[Example], example: Example | None = None) -> Query:
    """The query for ``ex``; ``example`` is the solved problem a ``planbench-1shot`` prompt shows first."""
    if config.template in PLANBENCH:
        text = planbench_prompt(ex, example if config.template == "planbench-1shot" else None)
        return Query(text, ({"role": "user", "content": text},), False, ex)
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


def planbench_prompt(ex: Example, example: Example | None = None, pddl: bool = False) -> str:
    """PlanBench's prompt for ``ex`` (after the solved ``example``), in words or in PDDL, in its record's
    vocabulary (PlanBench's Blocksworld words by default)."""
    from . import planbench_words as pb

    config = pb.config_for(ex.vocab) if ex.vocab is not None else pb.BLOCKSWORLD
    blocks = sorted(ex.init.blocks | (example.init.blocks if example is not None else set()))
    config = config.for_objects(blocks)
    shown = None if example is None else planbench_problem(example, example_plan(example))
    return pb.render_prompt(planbench_problem(ex), config, example=shown, pddl=pddl)


def planbench_problem(ex: Example, plan: Sequence = ()):
    """``ex`` as PlanBench's prompts take a problem: objects, init and goal facts (and a plan, for an example)."""
    from .planbench_words import problem_of

    return problem_of(ex.init, ex.goal, plan)


def example_plan(ex: Example) -> tuple[Action, ...]:
    """The plan a one-shot prompt shows: the source's own (``source_plan``, PlanBench's), else the gold plan."""
    rec = ex.record
    if isinstance(rec.get("source_plan"), list):
        return IPC.read_plan(rec["source_plan"])  # bwbench's names, as import keeps them
    return as_actions(ex.init, ex.gold or ())


def planbench_example(ex: Example, suite: Sequence[Example]) -> Example:
    """The solved problem PlanBench shows before ``ex`` (see :func:`planbench_examples`)."""
    return planbench_examples([ex], suite)[0]


def planbench_examples(exs: Sequence[Example], suite: Sequence[Example]) -> list[Example]:
    """The solved problem PlanBench shows before each of ``exs``: the instance numbered one less (``instance-11.pddl``
    before ``instance-12.pddl``) when the suite has it, else the problem before it in the suite (the last, for the first)."""
    import re

    from .planbench_words import oneshot_example_id

    if len(suite) < 2:
        raise BwbenchError("planbench-1shot shows another problem of the suite first, and this suite has one problem",
                           "--template")
    by_source = {e.record.get("source"): e for e in suite if e.record.get("source")}
    position = {(e.path, e.line): i for i, e in enumerate(suite)}
    out = []
    for ex in exs:
        m = re.fullmatch(r"(.*?)(\d+)(\.pddl)", str(ex.record.get("source") or ""))
        prev = None
        if m is not None and int(m.group(2)) > 0:
            prev = by_source.get(f"{m.group(1)}{oneshot_example_id(int(m.group(2)), first=0)}{m.group(3)}")
        out.append(prev if prev is not None else suite[position[(ex.path, ex.line)] - 1])
    return out
