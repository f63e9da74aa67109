"""A faithful re-implementation of the seed's generator *approach*, as a speed baseline.

Order-sensitive list-of-lists states (towers compared in order), breadth-first
search over single actions up to the level's plan length with a visited set,
and rejection sampling of (init, goal) pairs until the BFS length equals the
level. Kept only for benchmarks: its notion of "same state" is the seed's bug.
"""

from __future__ import annotations

import random
from collections import deque

PALETTE = ["red", "blue", "green", "yellow", "white", "black", "gray"]


def random_towers(rng: random.Random, n: int) -> list[list[str]]:
    blocks = PALETTE[:n]
    rng.shuffle(blocks)
    towers: list[list[str]] = []
    for b in blocks:
        if towers and rng.random() < 0.5:
            rng.choice(towers).append(b)
        else:
            towers.append([b])
    return towers


def _key(towers: list[list[str]], hand: str | None):
    return (tuple(tuple(t) for t in towers), hand)


def _successors(towers: list[list[str]], hand: str | None):
    if hand is None:
        for i, t in enumerate(towers):
            new = [list(x) for x in towers]
            b = new[i].pop()
            if not new[i]:
                del new[i]
            yield new, b, f"pick-up {b}"
    else:
        yield [list(x) for x in towers] + [[hand]], None, f"stack {hand} on-top-of table"
        for i in range(len(towers)):
            new = [list(x) for x in towers]
            new[i].append(hand)
            yield new, None, f"stack {hand} on-top-of {towers[i][-1]}"


def bfs(init: list[list[str]], goal: list[list[str]], max_steps: int):
    target = _key(goal, None)
    queue = deque([(init, None, [])])
    visited = {_key(init, None)}
    while queue:
        towers, hand, plan = queue.popleft()
        if _key(towers, hand) == target:
            return plan
        if len(plan) == max_steps:
            continue
        for new, h, step in _successors(towers, hand):
            k = _key(new, h)
            if k not in visited:
                visited.add(k)
                queue.append((new, h, plan + [step]))
    return None


def generate(rng: random.Random, level: int, n_blocks: int):
    steps = 2 * level
    while True:
        init, goal = random_towers(rng, n_blocks), random_towers(rng, n_blocks)
        plan = bfs(init, goal, steps)
        if plan is not None and len(plan) == steps:
            return init, goal, plan
