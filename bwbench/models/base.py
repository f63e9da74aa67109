"""What every model is: a batch of queries in, completions out, and the settings that identify it."""

from __future__ import annotations

import hashlib
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


ENDS = ("eos", "stop", "length")
"""Why generation ended: the model ended its answer (its end-of-sequence token or end of turn), a stop string
ended it, or it ran into the token budget (``max_new_tokens``) and was cut off."""


@dataclass(frozen=True)
class Completion:
    """One answer as a model gave it: the text (cut at the first stop string), why it ended (one of
    :data:`ENDS`, None where the model does not say), and the tokens it cost where the model counts them."""

    text: str
    finish_reason: str | None = None
    tokens: int | None = None  # new tokens generated
    prompt_tokens: int | None = None


def ended(text: str, stop: Sequence[str], *, cut_off: bool, tokens: int | None = None,
          prompt_tokens: int | None = None) -> Completion:
    """A completion from raw generated ``text``: cut at the first stop string (``stop`` when it held one),
    else ``length`` when the budget ``cut_off`` generation, else ``eos``."""
    cut = cut_at_stop(text, stop)
    reason = "stop" if len(cut) < len(text) else "length" if cut_off else "eos"
    return Completion(cut.strip(), reason, tokens, prompt_tokens)


def sample_seed(seed: int, key: str, sample: int) -> int:
    """The seed of one problem's one sample: from the run's seed, the problem (its id) and the sample's number,
    so that a sample is the same whatever else is asked with it and in whatever order."""
    return int.from_bytes(hashlib.sha256(f"{seed}:{sample}:{key}".encode("utf-8")).digest()[:8], "big") >> 1


class Model(Protocol):
    """A model behind one interface. ``settings()`` is recorded with every run."""

    name: str

    def settings(self) -> dict: ...

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[Completion]]:
        """``gen.samples`` completions for each query, in order. A query's samples depend on the query and
        ``gen`` only (its id and the seed), not on the other queries of the batch or on the order of batches."""
        ...


class BatchFailed(Exception):
    """Some queries of a batch failed after retries; ``completions[i]`` is None for those.

    A model raises it so the run can keep the rest and record the failures."""

    def __init__(self, completions: list[list[Completion] | None], errors: list[str | None]):
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
