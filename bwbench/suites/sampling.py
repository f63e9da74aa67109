"""Drawing a cell's problems: uniformly over the level's problems, or by walks away from a goal.

Uniform cells draw candidate (init, goal) pairs uniformly at random among all
configurations of their blocks (numpy, in batches), discard those whose lower
bound on moves already exceeds the level, and keep a candidate only when the
exact search finds its optimal length equal to the level (and, for test
splits, exactly one optimal plan): a uniform sample over the problems of that
level. Walk cells draw a goal, then walk k moves away from it. Each cell (and
each walk attempt) has its own random stream derived from the seed, so cells
run in any order or in parallel with byte-identical results.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..errors import BwbenchError
from ..planning import deadlock
from ..planning.moves import Below, decode, moves, moves_to_actions
from ..planning.planner import SEARCH_BLOCKS
from ..planning.result import COUNT_CAP
from ..planning.search import distance_and_count, first_optimal_moves
from ..world.canon import problem_key, shape_key
from ..world.state import State
from .cells import GENERATED_SPLITS, Cell, check_cell


def _lah(n: int, t: int) -> int:
    """Ways to arrange n labelled blocks into t unordered towers (Lah numbers)."""
    return math.comb(n - 1, t - 1) * math.factorial(n) // math.factorial(t)


def _tower_weights(counts: list[int]) -> np.ndarray:
    """``counts`` as floats in the same proportions: as they are while a float holds them (so that a seed draws
    what it always drew), else all shifted right alike (past about 170 blocks the largest is beyond a float; what
    the shift loses is below 2**-900 of the total)."""
    shift = max(0, max(counts).bit_length() - 1000)
    return np.array([c >> shift for c in counts], dtype=float)


def sample_states(rng: np.random.Generator, n: int, size: int, max_towers: int | None = None) -> np.ndarray:
    """``size`` states of n blocks, uniform over configurations with at most ``max_towers`` towers.

    Returns ``below`` arrays (block index under each block, -1 for the table).
    A uniform number of towers weighted by the Lah numbers, a random order of
    blocks and a uniform choice of cut points give each ordered list of towers
    equal probability, and so each configuration.
    """
    t_max = min(n, max_towers or n)
    weights = _tower_weights([_lah(n, t) for t in range(1, t_max + 1)])
    towers = rng.choice(np.arange(1, t_max + 1), size=size, p=weights / weights.sum())
    order = np.argsort(rng.random((size, n)), axis=1)
    # Cut before position j (1..n-1) for the t-1 gaps with the smallest random keys.
    gap_rank = np.argsort(np.argsort(rng.random((size, n - 1)), axis=1), axis=1) if n > 1 else np.zeros((size, 0), int)
    cut = np.concatenate([np.ones((size, 1), bool), gap_rank < (towers - 1)[:, None]], axis=1)
    prev = np.concatenate([np.full((size, 1), -1), order[:, :-1]], axis=1)
    below = np.empty((size, n), dtype=np.int64)
    np.put_along_axis(below, order, np.where(cut, -1, prev), axis=1)
    return below


def misplaced_np(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Row-wise :func:`..planning.moves.misplaced`: blocks not well placed (each must move)."""
    return a.shape[1] - _well_placed(a, g).sum(axis=1)


def _well_placed(a: np.ndarray, g: np.ndarray) -> np.ndarray:
    """A block is well placed when it and everything under it sit as in the goal."""
    same = a == g
    well = same & (a == -1)
    safe = np.where(a < 0, 0, a)
    for _ in range(a.shape[1]):
        well = same & ((a == -1) | np.take_along_axis(well, safe, axis=1))
    return well


def hopeful(a: np.ndarray, g: np.ndarray, moves: int) -> np.ndarray:
    """Rows that may need exactly ``moves`` moves: a cheap necessary test before the search.

    With h misplaced blocks the optimum is at least h moves. It is exactly h
    only if some misplaced clear block can go straight to its goal place
    (onto the table, or onto a clear well-placed block), so h == moves needs
    such a move; and one misplaced block always takes exactly one move.
    """
    size, n = a.shape
    well = _well_placed(a, g)
    h = n - well.sum(axis=1)
    covered = np.zeros((size, n + 1), dtype=bool)
    covered[np.arange(size)[:, None], a + 1] = True
    clear = ~covered[:, 1:]
    gsafe = np.where(g < 0, 0, g)
    ready = (g == -1) | (np.take_along_axis(well & clear, gsafe, axis=1) & (g >= 0))
    constructive = (~well & clear & ready).any(axis=1)
    ok = (h == moves) & constructive if moves == 1 else ((h == moves) & constructive) | ((h > 1) & (h < moves))
    return np.nonzero(ok)[0]


# --------------------------------------------------------------------------- uniform cells

@dataclass(frozen=True)
class Drawn:
    """One problem drawn for a cell, before it gets its id."""

    init: State
    goal: State
    init_towers: list  # the order the towers are shown in (part of the problem text)
    goal_towers: list
    n_optimal: int | None  # None: more than COUNT_CAP - 1, not counted further
    plan: tuple | None  # the gold plan, or None when another planner makes it


@dataclass
class CellResult:
    """A cell's problems, in the order drawn, and how many candidates (or walk attempts) it took."""

    cell: Cell
    problems: list[Drawn]
    candidates: int


def _cell_rng(seed: int, cell: Cell) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, GENERATED_SPLITS.index(cell.split), cell.level, cell.n_blocks])))


PATIENCE = 3_000_000  # candidates in a row without a new problem before a cell gives up


def generate_cell(
    cell: Cell,
    seed: int,
    colors: tuple[str, ...],
    max_towers: int | None = None,
    exclude: frozenset = frozenset(),
    exclude_shapes: frozenset = frozenset(),
    own_plans: bool = True,
    on_problem: Callable[[], None] | None = None,
) -> CellResult:
    """Draw the problems of one cell (deterministic given ``seed`` and the cell)."""
    check_cell(cell, colors)
    rng = _cell_rng(seed, cell)
    k, n, unique = cell.level, cell.n_blocks, cell.needs_unique
    keys: set = set()
    out = []
    candidates = since_new = 0
    batch = 2048
    while len(out) < cell.count:
        a_all = sample_states(rng, n, batch, max_towers)
        g_all = sample_states(rng, n, batch, max_towers)
        candidates += batch
        since_new += batch
        for i in hopeful(a_all, g_all, k).tolist():
            a, g = tuple(a_all[i].tolist()), tuple(g_all[i].tolist())
            found = _level_and_count(a, g, k)
            if found is None or found[0] != k or (unique and found[1] != 1):
                continue
            # Sampled states are uniform over labellings, so giving index i the i-th
            # of the chosen colours in sorted order keeps them uniform, and makes the
            # index order the name order that the planner breaks ties by.
            names = sorted(colors[j] for j in rng.choice(len(colors), n, replace=False))
            init, goal = decode(a, names), decode(g, names)
            key = problem_key(init, goal)
            if key in keys or key in exclude or (exclude_shapes and shape_key(init, goal) in exclude_shapes):
                continue
            keys.add(key)
            # The order towers are shown in is part of the problem text; draw it too.
            init_towers = sorted(init.towers)
            goal_towers = sorted(goal.towers)
            rng.shuffle(init_towers)
            rng.shuffle(goal_towers)
            path = first_optimal_moves(a, g, k) if n <= SEARCH_BLOCKS else deadlock.first_moves(a, g)
            plan = moves_to_actions(a, path, names) if own_plans else None
            out.append(Drawn(init, goal, init_towers, goal_towers, found[1], plan))
            since_new = 0
            if on_problem:
                on_problem()
            if len(out) == cell.count:
                break
        if since_new >= PATIENCE:
            raise BwbenchError(
                f"found only {len(out)} of {cell.count} {cell.split} problems at L{k} with {n} blocks "
                f"after {candidates:,} candidates; ask for fewer, or more blocks or colours, "
                f"or draw them by walks (sampler walk)",
                field="n",
            )
    return CellResult(cell, out, candidates)


def _level_and_count(a: Below, g: Below, k: int) -> tuple[int, int | None] | None:
    """Optimal moves (None past ``k``) and optimal plans: exactly by the search up to
    :data:`..planning.planner.SEARCH_BLOCKS` blocks, by :mod:`..planning.deadlock` beyond (counted up to
    :data:`..planning.result.COUNT_CAP`, None meaning that many or more)."""
    if len(a) <= SEARCH_BLOCKS:
        return distance_and_count(a, g, k)
    moves_ = deadlock.distance(a, g)
    if moves_ != k:
        return None
    count = deadlock.count_plans(a, g, COUNT_CAP)
    return moves_, None if count >= COUNT_CAP else count


def draw_cell(args: tuple) -> CellResult:
    """:func:`generate_cell` of a tuple of its arguments, for a process pool's ``map``."""
    return generate_cell(*args)


# --------------------------------------------------------------------------- the walk sampler

WALK_CHUNK = 16  # attempts per unit of work; attempt i has its own random stream, so output does not depend on how many jobs run
WALK_PATIENCE = 20_000  # attempts in a row without a new problem before a walk cell gives up


def walk_away(rng: np.random.Generator, goal: Below, k: int, unique: bool = False) -> Below | None:
    """A state exactly ``k`` moves from ``goal``: each step uniform among the moves one further away.

    Moving a well-placed block always takes the state one move further (it
    must come back); any other move is measured by :func:`..planning.deadlock.distance`.
    Every problem of the level is the end of such a walk (its optimal plan,
    reversed). With ``unique``, a step may only reach a state whose one optimal
    move is the way back, so the end has exactly one optimal plan, and every
    such problem is the end of such a walk. None when the walk reaches a state
    with no move that qualifies.
    """
    s = goal
    for d in range(k):
        misplaced = deadlock.misplaced_mask(s, goal)
        further = [t for (x, _), t in moves(s) if not misplaced >> x & 1 or deadlock.distance(t, goal) == d + 1]
        if unique:
            further = [t for t in further if _one_way_back(t, goal, d + 1)]
        if not further:
            return None
        s = further[int(rng.integers(len(further)))]
    return s


def _one_way_back(s: Below, goal: Below, left: int) -> bool:
    ways = deadlock.optimal_moves(s, goal, left)
    next(ways)
    return next(ways, None) is None


def _attempt_rng(seed: int, cell: Cell, attempt: int) -> np.random.Generator:
    key = [seed, GENERATED_SPLITS.index(cell.split), cell.level, cell.n_blocks, 1, attempt]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(key)))


def walk_attempt(cell: Cell, seed: int, attempt: int, colors: tuple[str, ...], max_towers: int | None,
                 own_plans: bool) -> Drawn | None:
    """Attempt number ``attempt`` of a walk cell: a problem, or None (no walk, too many towers, not unique)."""
    rng = _attempt_rng(seed, cell, attempt)
    n, k = cell.n_blocks, cell.level
    g = tuple(sample_states(rng, n, 1, max_towers)[0].tolist())
    a = walk_away(rng, g, k, cell.needs_unique)
    if a is None or (max_towers is not None and a.count(-1) > max_towers):
        return None
    count = _level_and_count(a, g, k)[1]
    if cell.needs_unique and count != 1:
        return None
    names = sorted(colors[j] for j in rng.choice(len(colors), n, replace=False))
    init, goal = decode(a, names), decode(g, names)
    init_towers, goal_towers = sorted(init.towers), sorted(goal.towers)
    rng.shuffle(init_towers)
    rng.shuffle(goal_towers)
    plan = moves_to_actions(a, deadlock.first_moves(a, g), names) if own_plans else None
    return Drawn(init, goal, init_towers, goal_towers, count, plan)


def _walk_chunk(args: tuple) -> list[Drawn | None]:
    cell, seed, chunk, colors, max_towers, own_plans = args
    start = chunk * WALK_CHUNK
    return [walk_attempt(cell, seed, i, colors, max_towers, own_plans) for i in range(start, start + WALK_CHUNK)]


def walk_cell(cell: Cell, seed: int, colors: tuple[str, ...], max_towers: int | None = None,
              exclude: frozenset = frozenset(), exclude_shapes: frozenset = frozenset(), own_plans: bool = True,
              on_problem: Callable[[], None] | None = None, pool: ProcessPoolExecutor | None = None,
              jobs: int = 1) -> CellResult:
    """The problems of one walk cell: attempts in order, the first ``cell.count`` distinct ones kept.

    With ``pool``, chunks of attempts run in its workers (``jobs`` chunks ahead
    of the one being read) and are read in order, so the result is the same.
    """
    check_cell(cell, colors)
    keys: set = set()
    out: list[Drawn] = []
    attempts = since_new = 0
    pending: list = []
    chunk = 0

    def submit() -> None:
        nonlocal chunk
        args = (cell, seed, chunk, colors, max_towers, own_plans)
        pending.append(pool.submit(_walk_chunk, args) if pool else args)
        chunk += 1

    try:
        while len(out) < cell.count:
            while len(pending) < (2 * jobs if pool else 1):
                submit()
            head = pending.pop(0)
            for drawn in (head.result() if pool else _walk_chunk(head)):
                attempts += 1
                since_new += 1
                if drawn is None:
                    continue
                key = problem_key(drawn.init, drawn.goal)
                if key in keys or key in exclude or (exclude_shapes and shape_key(drawn.init, drawn.goal) in exclude_shapes):
                    continue
                keys.add(key)
                out.append(drawn)
                since_new = 0
                if on_problem:
                    on_problem()
                if len(out) == cell.count:
                    break
            if since_new >= WALK_PATIENCE:
                what = "unique-optimal " if cell.needs_unique else ""
                hint = ("; problems this long with this many blocks rarely have a unique optimal plan: "
                        "ask for fewer, or allow several optimal plans (allow_ties)") if cell.needs_unique else \
                    "; ask for fewer, or more blocks"
                raise BwbenchError(f"found only {len(out)} of {cell.count} {what}{cell.split} problems at L{cell.level} "
                                   f"with {cell.n_blocks} blocks after {attempts:,} walks{hint}", field="n")
    finally:
        for f in pending:
            if pool:
                f.cancel()
    return CellResult(cell, out, attempts)

