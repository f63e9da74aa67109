"""Protocols: how a model is asked. One answer a problem (and sample) today; stepwise play, feedback rounds and
best-of-n are protocols too, each a class here with the same :meth:`answer`.

A protocol asks the model about a batch of a run's items, judges each answer
with the run's task, and returns the prediction lines to append (and the
problems a server failed on), so that the runner only writes and counts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Sequence

from ..errors import BwbenchError
from ..judging.predictions import PredictionLine
from ..models.base import BatchFailed, GenerationConfig, Model
from ..tasks.prompts import Query, prompt_hash


@dataclass
class Answered:
    """What a batch gave: the lines to append, their judgements, the problems that failed and those finished."""

    lines: list[PredictionLine] = field(default_factory=list)
    judgements: list = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)  # id -> why the server gave up on it
    finished: list[str] = field(default_factory=list)  # ids with all their samples now written


class SingleAnswer:
    """One answer a problem and sample, judged whole (PlanBench's task 1, the seed's protocol)."""

    name = "single"

    def answer(self, model: Model, task, batch: Sequence, queries: dict[str, Query], gen: GenerationConfig,
               done: set[tuple[str, int]], single_step: bool) -> Answered:
        """Ask ``model`` about each item of ``batch`` (those samples not ``done``) and judge each answer."""
        out = Answered()
        asked = [queries[t.id] for t in batch]
        t0 = time.perf_counter()
        try:
            completions = model.generate(asked, gen)
        except BatchFailed as exc:  # a server gave up on some queries: record them, keep the rest
            completions = exc.completions
            out.errors = {t.id: exc.errors[j] for j, t in enumerate(batch) if exc.errors[j] is not None}
        steps = model.single_step(asked, [t.gold for t in batch]) \
            if single_step and hasattr(model, "single_step") else [None] * len(batch)
        per = (time.perf_counter() - t0) / len(batch)
        for t, samples, ss in zip(batch, completions, steps):
            if samples is None:
                continue
            for k, c in enumerate(samples):
                if (t.id, k) in done:
                    continue
                j = task.judge(t, c.text)
                out.judgements.append(j)
                out.lines.append(PredictionLine(task.problem(t), c.text, k, prompt_hash(queries[t.id]), j.to_json(),
                                                round(per, 6), tuple(ss) if ss is not None else None,
                                                c.finish_reason, c.tokens))
            out.finished.append(t.id)
        return out


PROTOCOLS = {p.name: p for p in (SingleAnswer,)}


def get_protocol(name: str):
    """The protocol called ``name``; ``BwbenchError`` naming those there are."""
    if name not in PROTOCOLS:
        raise BwbenchError(f"unknown protocol {name!r}; choose one of: {', '.join(PROTOCOLS)}", field="protocol")
    return PROTOCOLS[name]()
