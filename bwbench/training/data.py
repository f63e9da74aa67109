"""Training examples: a suite's train split, or fresh problems for a model trained from scratch.

Each example is the prompt (the template the model will be evaluated with) and
the gold plan; only the plan's tokens (and the end of sequence) carry loss.
Problems generated for scratch training never include a test problem of the
chosen suite (compared canonically, so listing towers in another order does
not hide one).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable

from ..errors import BwbenchError
from ..suites.cells import Cell
from ..suites.dataset import Example, read_examples, to_example
from ..suites.generate import make_record
from ..suites.sampling import generate_cell
from ..suites.view import gold_text
from ..tasks.plan import question
from ..tasks.prompts import compose
from ..world.canon import problem_key
from ..world.text import SEED_PALETTE


@dataclass(frozen=True)
class Pair:
    prompt: str
    completion: str
    level: int


def pair(ex: Example, template: str) -> Pair:
    """Prompt and completion as the model will see them at evaluation."""
    q = compose(template, question(ex))
    answer = gold_text(ex)
    level = (len(ex.gold) if ex.gold is not None else 0) // 2
    return Pair(q.text, (" " if template == "seed" else "") + answer, level)


def suite_pairs(suite: Path, template: str) -> list[Pair]:
    """The train split of a suite directory (``BwbenchError`` when it has none)."""
    file = suite / "train.jsonl"
    if not file.is_file():
        raise BwbenchError(f"suite {suite} has no train split (train.jsonl)", field="suite")
    pairs = [pair(ex, template) for ex in read_examples(file)]
    if not pairs:
        raise BwbenchError("the train split is empty", str(file))
    return pairs


def held_out_keys(suite: Path) -> set:
    """Canonical keys of every test problem of the suite: what scratch data must leave out."""
    file = suite / "test.jsonl" if suite.is_dir() else suite
    if not file.is_file():
        raise BwbenchError(f"{suite} has no test split to keep out of training", str(suite))
    return {problem_key(ex.init, ex.goal) for ex in read_examples(file)}


def level_weights(levels: str) -> dict[int, float]:
    """``"1,2,3"`` or ``"1:1,2:2,3:6"`` → level (or block count) → weight (``ValueError`` for anything else)."""
    out: dict[int, float] = {}
    for item in filter(None, (x.strip() for x in levels.split(","))):
        level, _, weight = item.partition(":")
        lv, w = int(level.strip().upper().lstrip("L")), float(weight) if weight else 1.0
        if lv < 1 or w <= 0 or lv in out:
            raise ValueError(f"bad level weight {item!r}")
        out[lv] = w
    if not out:
        raise ValueError("no levels")
    return out


def block_range(text: str) -> tuple[int, ...]:
    """``"6"`` or ``"4-6"`` → the block counts (``ValueError`` for anything else)."""
    lo, _, hi = text.partition("-")
    try:
        a, b = int(lo), int(hi or lo)
    except ValueError:
        raise ValueError(f"not a block range: {text!r} (use 6 or 4-6)") from None
    if not 1 <= a <= b:
        raise ValueError(f"not a block range: {text!r}")
    return tuple(range(a, b + 1))


def apportion(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights``, summing to exactly ``total`` (largest remainder).

    Each share gets the whole part of its quota, and the units left over go to
    the largest fractional parts (ties: the earlier share). Computed exactly, so
    the split never depends on floating-point rounding.
    """
    exact = [Fraction(w) for w in weights]
    whole = sum(exact)
    quotas = [total * w / whole for w in exact]
    counts = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(quotas)), key=lambda i: -(quotas[i] - counts[i]))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def generated_pairs(n: int, levels: str, blocks: str, exclude: set, seed: int, template: str,
                    on_problem: Callable[[], None] | None = None) -> list[Pair]:
    """``n`` fresh problems spread over ``levels`` (by weight) and ``blocks``, none of them in ``exclude``."""
    try:
        weights = level_weights(levels)
        sizes = level_weights(blocks) if ":" in blocks else dict.fromkeys(block_range(blocks), 1.0)
    except ValueError as exc:
        raise BwbenchError(str(exc), field="levels" if "level" in str(exc) else "blocks") from None
    keys = [(lv, nb) for lv in weights for nb in sizes]
    counts = apportion(n, [weights[lv] * sizes[nb] for lv, nb in keys])
    cells = [Cell("train", lv, nb, count) for (lv, nb), count in zip(keys, counts) if count]
    frozen = frozenset(exclude)
    pairs = []
    for cell in cells:
        result = generate_cell(cell, seed, SEED_PALETTE, exclude=frozen, on_problem=on_problem)
        for i, p in enumerate(result.problems):
            rec = make_record("scratch", "train", i, cell.level, p.init, p.goal, p.init_towers, p.goal_towers,
                              p.n_optimal, p.plan)
            pairs.append(pair(to_example(Path("generated"), i, rec, "generated"), template))
    return pairs


def split(pairs: list[Pair], val_share: float, seed: int) -> tuple[list[Pair], list[Pair]]:
    """A seeded train/validation split (the validation share is held out from the start)."""
    order = pairs[:]
    random.Random(seed).shuffle(order)
    k = int(round(len(order) * val_share))
    if val_share > 0 and k == 0 and len(order) > 1:
        k = 1
    return order[k:], order[:k]
