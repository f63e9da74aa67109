"""What every model is: a batch of queries in, completions out, and the settings that identify it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, Sequence

from ..tasks.prompts import Query


@dataclass(frozen=True)
class GenerationConfig:
    """How to generate. Greedy and one sample by default, which is deterministic."""

    max_new_tokens: int = 256
    temperature: float = 0.0
    samples: int = 1  # completions per query (pass@k)
    seed: int = 0
    stop: tuple[str, ...] = ("\n\n", "[INST]")  # the end of a plan in the seed's form (a task's budget says)

    @property
    def greedy(self) -> bool:
        return self.temperature <= 0.0


class Model(Protocol):
    """A model behind one interface. ``settings()`` is recorded with every run."""

    name: str

    def settings(self) -> dict: ...

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[str]]:
        """``gen.samples`` completions for each query, in order. A query's samples depend on the query and
        ``gen`` only (its id and the seed), not on the other queries of the batch or on the order of batches."""
        ...


class BatchFailed(Exception):
    """Some queries of a batch failed after retries; ``completions[i]`` is None for those.

    A model raises it so the run can keep the rest and record the failures."""

    def __init__(self, completions: list[list[str] | None], errors: list[str | None]):
        super().__init__(f"{sum(e is not None for e in errors)} queries failed")
        self.completions = completions
        self.errors = errors


def cut_at_stop(text: str, stop: Sequence[str]) -> str:
    """``text`` up to the first stop string (backends that stop on strings may leave it in)."""
    end = len(text)
    for s in stop:
        i = text.find(s)
        if 0 <= i < end:
            end = i
    return text[:end]
