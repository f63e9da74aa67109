"""Problem generation: sampling, levels, splits, dedupe, presets, suites and manifests.

A suite is a set of *cells*, one per (split, level, block count) with a quota.
Each cell draws candidate (init, goal) pairs uniformly at random among all
configurations of its blocks (numpy, in batches), discards those whose lower
bound on moves already exceeds the level, and keeps a candidate only when the
exact search finds its optimal length equal to the level (and, for test
splits, exactly one optimal plan). The result is a uniform sample over the
problems of that level. Each cell has its own random stream derived from the
seed, so cells run in any order or in parallel with byte-identical results;
train cells run after test cells and skip every test problem.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

import numpy as np

from .. import __version__
from ..errors import BwbenchError
from ..fileio import replace_dir, stage
from ..world.canon import problem_key, shape_key
from ..planning import exact
from ..planning.result import COUNT_CAP
from ..planning.planner import SEARCH_BLOCKS, get_planner
from ..planning.moves import Below, decode, moves, moves_to_actions
from ..planning.search import distance_and_count, first_optimal_moves
from ..world.state import State
from ..world.text import INSTRUCTION, LARGE_PALETTE, SEED_PALETTE, check_names, render_input, render_plan
from ..world.simulate import simulate

GENERATED_SPLITS = ("test", "train")  # the splits generate writes, in this order (a seed stream per split index)

# The paper's Table 1 (Men et al., 2024): problems per split, level and block count (4, 5, 6).
PAPER_TABLE = {
    "train": {1: (3, 1, 3), 2: (17, 23, 48), 3: (25, 121, 326)},
    "test": {1: (24, 34, 57), 2: (60, 115, 232), 3: (80, 268, 709)},
}


SAMPLERS = {
    "uniform": "uniform random (init, goal) pairs, kept when the exact search finds the level: uniform over the "
               "level's problems, but it finds nothing where the level is far from typical for the block count",
    "walk": "a uniform random goal, then a walk of k moves away from it, each uniform among the moves that take "
            "the state one move further from the goal: every problem of the level can be drawn, not uniformly",
}
AUTO_UNIFORM_BLOCKS = 7  # --sampler auto: uniform up to this many blocks (every published suite), walk beyond


@dataclass(frozen=True)
class Cell:
    """One (split, level, block count) and how many problems; ``unique`` None means the split's rule (test: unique)."""

    split: str
    level: int
    n_blocks: int
    count: int
    sampler: str = "uniform"
    unique: bool | None = None

    @property
    def needs_unique(self) -> bool:
        """Whether each problem must have exactly one optimal plan."""
        return self.split == "test" if self.unique is None else self.unique

    def describe(self) -> dict:
        """The cell as the manifest records it: settings at their defaults are left out (older manifests lack them)."""
        d = {"split": self.split, "level": self.level, "n_blocks": self.n_blocks, "count": self.count}
        if self.sampler != "uniform":
            d["sampler"] = self.sampler
        if self.unique is not None:
            d["unique"] = self.unique
        return d


@dataclass(frozen=True)
class GenerateConfig:
    """Everything that determines a suite; the same config gives byte-identical files."""

    suite: str = "custom"
    cells: tuple[Cell, ...] = ()
    seed: int = 0
    colors: tuple[str, ...] = SEED_PALETTE
    max_towers: int | None = None
    planner: str = "bwbench"
    disjoint_renaming: bool = False  # also keep splits apart up to renaming of colours
    preset: str | None = None

    def describe(self) -> dict:
        d = asdict(self)
        d["cells"] = [c.describe() for c in self.cells]
        return d

    @classmethod
    def from_manifest(cls, man: dict) -> "GenerateConfig":
        """The config a generated suite's manifest records, which regenerates it byte for byte."""
        return cls(
            suite=man["suite"], cells=tuple(Cell(**c) for c in man["cells"]), seed=man["seed"],
            colors=tuple(man["colors"]), max_towers=man["max_towers"], planner=man["planner"],
            disjoint_renaming=man["disjoint_renaming"], preset=man["preset"],
        )


def parse_level(text: str) -> int:
    t = text.strip().upper()
    if not (t.startswith("L") and t[1:].isdigit() and int(t[1:]) >= 1):
        raise ValueError(f"not a level: {text!r} (use L1, L2, ...)")
    return int(t[1:])


def parse_levels(level: str | None, levels: str | None) -> list[int] | None:
    """The levels asked for by ``--level L3`` or ``--levels L1,L2`` (``None``: neither given).

    Both at once is refused rather than one silently dropped; ``BwbenchError`` names the option.
    """
    if level is not None and levels is not None:
        raise BwbenchError("give --level or --levels, not both", "--levels")
    if level is not None and "," in level:
        raise BwbenchError(f"one level, not {level!r}; for several, --levels", "--level")
    text, option = (levels, "--levels") if levels is not None else (level, "--level")
    if text is None:
        return None
    try:
        return [parse_level(x) for x in text.split(",")]
    except ValueError as exc:
        raise BwbenchError(str(exc), option) from None


def parse_blocks(text: str) -> tuple[int, ...]:
    lo, _, hi = text.partition("-")
    try:
        a, b = int(lo), int(hi or lo)
    except ValueError:
        raise ValueError(f"not a block range: {text!r} (use 6 or 4-6)") from None
    if not 1 <= a <= b:
        raise ValueError(f"not a block range: {text!r}")
    return tuple(range(a, b + 1))


def spread(levels: Iterable[int], blocks: tuple[int, ...], n: int, split: str) -> list[Cell]:
    """``n`` problems per level, spread as evenly as possible over the block counts."""
    cells = []
    for level in levels:
        q, r = divmod(n, len(blocks))
        for i, nb in enumerate(blocks):
            # The remainder goes to the largest block counts, where problems are most varied.
            count = q + (1 if i >= len(blocks) - r else 0)
            if count:
                cells.append(Cell(split, level, nb, count))
    return cells


def paper_cells() -> list[Cell]:
    return [
        Cell(split, level, nb, count)
        for split in GENERATED_SPLITS
        for level, counts in PAPER_TABLE[split].items()
        for nb, count in zip((4, 5, 6), counts)
    ]


LADDER_BLOCKS = (4, 6, 8, 10, 12, 15, 20, 25, 30)
LADDER_PER_RUNG = 100  # a 95% interval of at most ±9.8 points at any rate


def ladder_cells() -> list[Cell]:
    """One rung per level L1-L20 (plans of 2 to 40 steps), 100 test problems each, spread over the block counts of
    :data:`LADDER_BLOCKS` that have at least k blocks; every cell drawn by walks, so the rungs differ only in length."""
    return [replace(c, sampler="walk")
            for k in range(1, 21)
            for c in spread((k,), tuple(n for n in LADDER_BLOCKS if n >= k), LADDER_PER_RUNG, "test")]


PRESETS: dict[str, tuple[str, Callable[[], list[Cell]]]] = {
    "paper": ("the paper's Table 1, exactly (1,579 test, 567 train; 4-6 blocks)", paper_cells),
    "standard": (
        "1,000 unique-optimal test problems per level L1-L3 and a 20,000-problem train pool (4-6 blocks)",
        lambda: spread((1, 2, 3), (4, 5, 6), 1000, "test")
        + spread((1,), (4, 5, 6), 2000, "train")
        + spread((2,), (4, 5, 6), 6000, "train")
        + spread((3,), (4, 5, 6), 12000, "train"),
    ),
    "ladder": ("100 unique-optimal test problems per plan length, 2 to 40 steps (L1-L20), 4-30 blocks, drawn by walks",
               ladder_cells),
}


# What ``bwbench generate`` draws when an option is not given (and there is no preset).
DEFAULT_LEVELS = (3,)
DEFAULT_N = 100
DEFAULT_TRAIN = 0
DEFAULT_BLOCKS = "4-6"
PRESET_FIXES = ("--level", "--levels", "--n", "--train", "--blocks")  # what a preset decides itself


def parse_colors(text: str | None, cells: Iterable[Cell] = ()) -> tuple[str, ...]:
    """The block names of ``--colors``: distinct, and names a plan can name back (:func:`.text.check_names`,
    the rule every dataset is read with); ``BwbenchError`` naming the option.

    The default is the seed's palette, or :data:`.text.LARGE_PALETTE` where ``cells`` need more blocks than it has.
    """
    if text is None:
        return SEED_PALETTE if max((c.n_blocks for c in cells), default=0) <= len(SEED_PALETTE) else LARGE_PALETTE
    palette = tuple(c.strip() for c in text.split(",") if c.strip())
    if len(set(palette)) != len(palette):
        raise BwbenchError(f"colours must be distinct: {', '.join(sorted({c for c in palette if palette.count(c) > 1}))}",
                           "--colors")
    try:
        check_names(palette)
    except ValueError as exc:
        raise BwbenchError(str(exc), "--colors") from None
    return palette


def suite_cells(preset: str | None = None, level: str | None = None, levels: str | None = None,
                n: int | None = None, train: int | None = None, blocks: str | None = None,
                sampler: str = "auto", allow_ties: bool = False) -> list[Cell]:
    """The cells asked for: a preset's, or ``n`` test and ``train`` train problems per level spread over ``blocks``.

    ``None`` means the option was not given. A preset fixes the levels, block
    counts and problem counts (``PRESET_FIXES``), so any of those given with it
    is refused, naming the option, rather than silently ignored. ``sampler``:
    ``auto`` (uniform up to :data:`AUTO_UNIFORM_BLOCKS` blocks, walk beyond) or
    one of :data:`SAMPLERS` for every cell; ``allow_ties``: test problems may
    have several optimal plans.
    """
    if preset is not None and (sampler != "auto" or allow_ties):
        option = "--sampler" if sampler != "auto" else "--allow-ties"
        raise BwbenchError(f"--preset {preset} fixes how its problems are drawn; drop {option}", option)
    cells = _cells_asked(preset, level, levels, n, train, blocks)
    return cells if preset is not None else [_with_sampler(c, sampler, allow_ties) for c in cells]


def _with_sampler(cell: Cell, sampler: str, allow_ties: bool) -> Cell:
    if sampler != "auto" and sampler not in SAMPLERS:
        raise BwbenchError(f"unknown sampler {sampler!r}; choose one of: auto, {', '.join(SAMPLERS)}", "--sampler")
    if sampler == "auto":
        sampler = "uniform" if cell.n_blocks <= AUTO_UNIFORM_BLOCKS else "walk"
    return replace(cell, sampler=sampler, unique=False if allow_ties and cell.split == "test" else None)


def _cells_asked(preset: str | None, level: str | None, levels: str | None, n: int | None, train: int | None,
                 blocks: str | None) -> list[Cell]:
    if preset is not None:
        if preset not in PRESETS:
            raise BwbenchError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}", "--preset")
        given = dict(zip(PRESET_FIXES, (level, levels, n, train, blocks)))
        extra = [option for option, value in given.items() if value is not None]
        if extra:
            raise BwbenchError(f"--preset {preset} fixes the levels, block counts and problem counts; "
                               f"drop {', '.join(extra)}", extra[0])
        return PRESETS[preset][1]()
    lv = parse_levels(level, levels) or list(DEFAULT_LEVELS)
    try:
        bl = parse_blocks(DEFAULT_BLOCKS if blocks is None else blocks)
    except ValueError as exc:
        raise BwbenchError(str(exc), "--blocks") from None
    n = DEFAULT_N if n is None else n
    train = DEFAULT_TRAIN if train is None else train
    cells = spread(lv, bl, n, "test") + spread(lv, bl, train, "train")
    if not cells:
        raise BwbenchError("nothing to generate: --n and --train are both 0", "--n")
    return cells


# --------------------------------------------------------------------------- sampling

def _lah(n: int, t: int) -> int:
    """Ways to arrange n labelled blocks into t unordered towers (Lah numbers)."""
    return math.comb(n - 1, t - 1) * math.factorial(n) // math.factorial(t)


def sample_states(rng: np.random.Generator, n: int, size: int, max_towers: int | None = None) -> np.ndarray:
    """``size`` states of n blocks, uniform over configurations with at most ``max_towers`` towers.

    Returns ``below`` arrays (block index under each block, -1 for the table).
    A uniform number of towers weighted by the Lah numbers, a random order of
    blocks and a uniform choice of cut points give each ordered list of towers
    equal probability, and so each configuration.
    """
    t_max = min(n, max_towers or n)
    weights = np.array([_lah(n, t) for t in range(1, t_max + 1)], dtype=float)
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
    """Row-wise :func:`planner.misplaced`: blocks not well placed (each must move)."""
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


# --------------------------------------------------------------------------- cells

@dataclass(frozen=True)
class Drawn:
    """One problem drawn for a cell, before it gets its id."""

    init: State
    goal: State
    init_towers: list  # the order the towers are shown in (part of the problem text)
    goal_towers: list
    n_optimal: int | None  # None: more than planner.COUNT_CAP - 1, not counted further
    plan: tuple | None  # the gold plan, or None when another planner makes it


@dataclass
class _CellResult:
    cell: Cell
    problems: list[Drawn]
    candidates: int


def _cell_rng(seed: int, cell: Cell) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, GENERATED_SPLITS.index(cell.split), cell.level, cell.n_blocks])))


def _check_cell(cell: Cell, colors: tuple[str, ...]) -> None:
    if cell.n_blocks > len(colors):
        raise BwbenchError(f"{cell.n_blocks} blocks need {cell.n_blocks} colours, only {len(colors)} given "
                           f"(the default palette has {len(SEED_PALETTE)}); name more with --colors", "--colors")
    # Every problem of n blocks is solved within 2n - 2 moves: put every block that
    # is not at the bottom of a tower on the table, then build the goal.
    if cell.level > 2 * cell.n_blocks - 2:
        raise BwbenchError(
            f"L{cell.level} is impossible with {cell.n_blocks} blocks (at most L{max(0, 2 * cell.n_blocks - 2)})",
            "--level",
        )


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
) -> _CellResult:
    """Draw the problems of one cell (deterministic given ``seed`` and the cell)."""
    _check_cell(cell, colors)
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
            path = first_optimal_moves(a, g, k) if n <= SEARCH_BLOCKS else exact.first_moves(a, g)
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
                f"or draw by walks (--sampler walk)",
                "--n",
            )
    return _CellResult(cell, out, candidates)


def _level_and_count(a: Below, g: Below, k: int) -> tuple[int, int | None] | None:
    """Optimal moves (None past ``k``) and optimal plans: exactly by the search up to
    :data:`.planner.SEARCH_BLOCKS` blocks, by :mod:`.exact` beyond (counted up to
    :data:`.planner.COUNT_CAP`, None meaning that many or more)."""
    if len(a) <= SEARCH_BLOCKS:
        return distance_and_count(a, g, k)
    moves_ = exact.distance(a, g)
    if moves_ != k:
        return None
    count = exact.count_plans(a, g, COUNT_CAP)
    return moves_, None if count >= COUNT_CAP else count


def _run_cell(args: tuple) -> _CellResult:
    return generate_cell(*args)


# --------------------------------------------------------------------------- the walk sampler

WALK_CHUNK = 16  # attempts per unit of work; attempt i has its own random stream, so output does not depend on --jobs
WALK_PATIENCE = 20_000  # attempts in a row without a new problem before a walk cell gives up


def walk_away(rng: np.random.Generator, goal: Below, k: int, unique: bool = False) -> Below | None:
    """A state exactly ``k`` moves from ``goal``: each step uniform among the moves one further away.

    Moving a well-placed block always takes the state one move further (it
    must come back); any other move is measured by :func:`.exact.distance`.
    Every problem of the level is the end of such a walk (its optimal plan,
    reversed). With ``unique``, a step may only reach a state whose one optimal
    move is the way back, so the end has exactly one optimal plan, and every
    such problem is the end of such a walk. None when the walk reaches a state
    with no move that qualifies.
    """
    s = goal
    for d in range(k):
        misplaced = exact.misplaced_mask(s, goal)
        further = [t for (x, _), t in moves(s) if not misplaced >> x & 1 or exact.distance(t, goal) == d + 1]
        if unique:
            further = [t for t in further if _one_way_back(t, goal, d + 1)]
        if not further:
            return None
        s = further[int(rng.integers(len(further)))]
    return s


def _one_way_back(s: Below, goal: Below, left: int) -> bool:
    ways = exact.optimal_moves(s, goal, left)
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
    plan = moves_to_actions(a, exact.first_moves(a, g), names) if own_plans else None
    return Drawn(init, goal, init_towers, goal_towers, count, plan)


def _walk_chunk(args: tuple) -> list[Drawn | None]:
    cell, seed, chunk, colors, max_towers, own_plans = args
    start = chunk * WALK_CHUNK
    return [walk_attempt(cell, seed, i, colors, max_towers, own_plans) for i in range(start, start + WALK_CHUNK)]


def walk_cell(cell: Cell, seed: int, colors: tuple[str, ...], max_towers: int | None = None,
              exclude: frozenset = frozenset(), exclude_shapes: frozenset = frozenset(), own_plans: bool = True,
              on_problem: Callable[[], None] | None = None, pool: ProcessPoolExecutor | None = None,
              jobs: int = 1) -> _CellResult:
    """The problems of one walk cell: attempts in order, the first ``cell.count`` distinct ones kept.

    With ``pool``, chunks of attempts run in its workers (``jobs`` chunks ahead
    of the one being read) and are read in order, so the result is the same.
    """
    _check_cell(cell, colors)
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
                        "ask for fewer, or allow several optimal plans (--allow-ties)") if cell.needs_unique else \
                    "; ask for fewer, or more blocks"
                raise BwbenchError(f"found only {len(out)} of {cell.count} {what}{cell.split} problems at L{cell.level} "
                                   f"with {cell.n_blocks} blocks after {attempts:,} walks{hint}", "--n")
    finally:
        for f in pending:
            if pool:
                f.cancel()
    return _CellResult(cell, out, attempts)


# --------------------------------------------------------------------------- suites

@dataclass
class Suite:
    config: GenerateConfig
    records: dict[str, list[dict]] = field(default_factory=dict)  # split -> records
    candidates: int = 0


def make_record(suite: str, split: str, index: int, level: int, init: State, goal: State,
                init_towers, goal_towers, n_optimal: int, plan) -> dict:
    return {
        "id": f"{suite}-{split}-L{level}-{index:05d}",
        "suite": suite,
        "split": split,
        "level": level,
        "n_blocks": len(init.blocks),
        "init": [list(t) for t in init_towers],
        "goal": [list(t) for t in goal_towers],
        "plan": [a.nl() for a in plan],
        "optimal_len": len(plan),
        "n_optimal_plans": n_optimal,
        "instruction": INSTRUCTION,
        "input": render_input(init_towers, goal_towers),
        "output": render_plan(plan),
    }


def generate(config: GenerateConfig, jobs: int = 1, progress: Callable[[int], None] | None = None) -> Suite:
    """Generate every cell of ``config`` (test cells first), checking every gold plan.

    Uniform cells run in parallel with each other; a walk cell runs its attempts
    in parallel. Either way the output does not depend on ``jobs``.
    """
    for cell in config.cells:
        _check_cell(cell, config.colors)
    planner = get_planner(config.planner)
    suite = Suite(config, {s: [] for s in GENERATED_SPLITS if any(c.split == s for c in config.cells)})
    exclude: set = set()
    exclude_shapes: set = set()
    own_plans = config.planner == "bwbench"
    tick = (lambda: progress(1)) if progress else None
    pool = ProcessPoolExecutor(max_workers=jobs) if jobs > 1 else None
    try:
        for split in GENERATED_SPLITS:
            cells = [c for c in config.cells if c.split == split]
            if not cells:
                continue
            shapes = frozenset(exclude_shapes) if config.disjoint_renaming else frozenset()
            uniform = [(c, config.seed, config.colors, config.max_towers, frozenset(exclude), shapes, own_plans)
                       for c in cells if c.sampler == "uniform"]
            if pool and len(uniform) > 1:
                drawn = []
                for r in pool.map(_run_cell, uniform):
                    drawn.append(r)
                    if progress:
                        progress(len(r.problems))
            else:
                drawn = [generate_cell(*a, on_problem=tick) for a in uniform]
            walked = [walk_cell(c, config.seed, config.colors, config.max_towers, frozenset(exclude), shapes,
                                own_plans, tick, pool, jobs) for c in cells if c.sampler == "walk"]
            counters: dict[int, int] = {}
            for c in cells:  # in the config's order, whichever sampler drew them
                r = (drawn if c.sampler == "uniform" else walked).pop(0)
                suite.candidates += r.candidates
                for p in r.problems:
                    plan = _checked(planner, p.init, p.goal, c.level, p.plan)
                    index = counters.get(c.level, 0)
                    counters[c.level] = index + 1
                    suite.records[split].append(
                        make_record(config.suite, split, index, c.level, p.init, p.goal,
                                    p.init_towers, p.goal_towers, p.n_optimal, plan)
                    )
                    exclude.add(problem_key(p.init, p.goal))
                    if config.disjoint_renaming:
                        exclude_shapes.add(shape_key(p.init, p.goal))
    finally:
        if pool:
            pool.shutdown(cancel_futures=True)
    return suite


def _checked(planner, init: State, goal: State, level: int, plan):
    """The gold plan (from ``planner`` unless the cell already made it), simulated before use."""
    if plan is None:
        plan = planner.solve(init, goal).plan
    if not simulate(init, goal, plan) or len(plan) != 2 * level:
        # A planner that disagrees with the search is a bug, not bad input.
        raise AssertionError(
            f"{planner.name}: gold plan {[a.pddl() for a in plan]} is not a valid "
            f"{2 * level}-step plan for an L{level} problem"
        )
    return plan


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def dump_jsonl(records: list[dict]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode()


def manifest(suite: Suite, files: dict[str, bytes], pddl: str | None = None) -> dict:
    """The suite's manifest; ``pddl``: the directory inside the suite that holds its ``.pddl`` files, if any."""
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for split, records in suite.records.items():
        by_level: dict[str, dict[str, int]] = {}
        for r in records:
            cell = by_level.setdefault(f"L{r['level']}", {})
            cell[str(r["n_blocks"])] = cell.get(str(r["n_blocks"]), 0) + 1
        counts[split] = by_level
    cfg = suite.config
    return {
        "suite": cfg.suite,
        "bwbench_version": __version__,
        "preset": cfg.preset,
        "seed": cfg.seed,
        "planner": cfg.planner,
        "colors": list(cfg.colors),
        "max_towers": cfg.max_towers,
        "disjoint_renaming": cfg.disjoint_renaming,
        "semantics": semantics(cfg.cells),
        "cells": [c.describe() for c in cfg.cells],
        "counts": counts,
        "files": {name: {"sha256": _sha256(data), "lines": data.count(b"\n")} for name, data in files.items()},
    } | ({"pddl": pddl} if pddl is not None else {})


def semantics(cells: Iterable[Cell]) -> str:
    """What a suite's problems are, for its manifest (the sentence older manifests have, when it still holds)."""
    cells = list(cells)
    text = "IPC 4-operator Blocksworld; towers unordered; full goal configurations; level Lk = optimal plan of 2k steps"
    tied = [f"L{level} with {n} blocks" for level, n in
            sorted({(c.level, c.n_blocks) for c in cells if c.split == "test" and not c.needs_unique})]
    unique_train = any(c.split == "train" and c.needs_unique for c in cells)
    if not tied:
        text += "; test problems have exactly one optimal plan"
    else:
        text += ("; test problems have exactly one optimal plan, except " + ", ".join(tied) +
                 ", where several optimal plans are allowed")
    if unique_train:
        text += "; train problems also have exactly one optimal plan"
    walk = [c for c in cells if c.sampler == "walk"]
    if walk:
        text += ("; " + ("all" if len(walk) == len(cells) else "some") + " cells drawn by the walk sampler "
                 "(a uniform goal, then k moves each one further from it), not uniformly over the level")
    if any(c.n_blocks > SEARCH_BLOCKS for c in cells):
        text += (f"; beyond {SEARCH_BLOCKS} blocks n_optimal_plans is counted up to {COUNT_CAP}, "
                 f"null meaning {COUNT_CAP} or more")
    return text


def is_generated_suite(path: Path) -> bool:
    """A directory written by ``bwbench generate`` (its manifest says so): the only one it may replace.

    An imported suite (``bwbench import``) is not one, as a generated suite is not one for an import.
    """
    return _generated_manifest(path) is not None


def _generated_manifest(path: Path) -> dict | None:
    try:
        man = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return man if isinstance(man, dict) and "cells" in man and "imported" not in man else None


def unexpected_entry(out: Path, man: dict) -> Path | None:
    """The first entry (in name order) of the generated suite ``out`` that ``bwbench generate`` did not write there.

    It writes ``manifest.json``, the split files the manifest lists, ``README.md``, and, where the manifest
    records a ``pddl`` directory inside the suite, that directory holding ``<id>.pddl`` for the suite's problems.
    """
    allowed = {"manifest.json", "README.md", *(man.get("files") or {})}
    pddl = man.get("pddl")
    parts = Path(pddl).parts if isinstance(pddl, str) and pddl and not Path(pddl).is_absolute() else ()
    if ".." in parts:
        parts = ()
    if parts:
        allowed.add(parts[0])
    for entry in sorted(out.iterdir()):
        if entry.name not in allowed:
            return entry
    if not parts:
        return None
    where = out
    for part, following in zip(parts, parts[1:]):  # directories on the way hold only the next one
        where = where / part
        if not where.is_dir():
            return where
        for entry in sorted(where.iterdir()):
            if entry.name != following:
                return entry
    where = out.joinpath(*parts)
    if not where.is_dir():
        return where
    ids = {f"{r}.pddl" for r in _suite_ids(man)}
    for entry in sorted(where.iterdir()):
        if entry.name not in ids or entry.is_symlink() or not entry.is_file():
            return entry
    return None


def _suite_ids(man: dict) -> list[str]:
    """The problem ids of a generated suite, from its manifest's counts (indices run per split and level)."""
    ids = []
    for split, by_level in (man.get("counts") or {}).items():
        for lvl, by_blocks in by_level.items():
            ids += [f"{man.get('suite')}-{split}-{lvl}-{i:05d}" for i in range(sum(by_blocks.values()))]
    return ids


def check_out(out: Path) -> None:
    """Refuse (``BwbenchError`` naming ``out``) anything but a missing or empty directory or an earlier generated suite.

    A generated suite holding anything generate did not write there (notes, another directory) is refused too,
    naming that entry: replacing the suite would delete it.
    """
    if not out.exists():
        return
    if not out.is_dir():
        raise BwbenchError("exists and is not a directory; choose another --out", str(out))
    if not any(out.iterdir()):
        return
    man = _generated_manifest(out)
    if man is None:
        raise BwbenchError("not empty and not a suite written by bwbench generate; choose another --out", str(out))
    extra = unexpected_entry(out, man)
    if extra is not None:
        raise BwbenchError("not written by bwbench generate, and replacing the suite would delete it; "
                           "move it away or choose another --out", str(extra))


def _inside(pddl_dir: Path, out: Path) -> bool:
    return Path(pddl_dir).resolve().is_relative_to(out.resolve())


def check_pddl_dir(pddl_dir: Path | None, out: Path) -> None:
    """Refuse (``BwbenchError`` naming ``pddl_dir``) a ``--pddl`` directory outside ``out`` that cannot be written.

    One inside ``out`` is written with the suite (:func:`check_out` covers it). Elsewhere, the nearest
    existing directory on its path must take a file (a probe, removed again), and no file may stand in its way.
    """
    if pddl_dir is None or _inside(pddl_dir, out):
        return
    pddl_dir = Path(pddl_dir)
    anchor = next(p for p in (pddl_dir, *pddl_dir.parents) if os.path.lexists(p))
    if not anchor.is_dir():
        why = "exists and is not a directory" if anchor == pddl_dir else f"cannot be made: {anchor} is a file"
        raise BwbenchError(f"{why}; choose another --pddl", str(pddl_dir))
    try:
        fd, probe = tempfile.mkstemp(prefix=".bwbench-probe-", dir=anchor)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise BwbenchError(f"cannot write: {exc.strerror}; choose another --pddl", str(pddl_dir)) from None


def write_suite(suite: Suite, out: Path, pddl_dir: Path | None = None) -> dict:
    """Write the suite to ``out`` whole; returns the manifest.

    ``<split>.jsonl`` and ``manifest.json`` are written into a fresh directory
    beside ``out`` and swapped in, so an earlier suite there is replaced with
    nothing of it left over (an old ``train.jsonl`` included). If that suite
    had a dataset card (``README.md``), the new one gets a card rendered from
    the new manifest, as ``bwbench card`` would. ``pddl_dir`` inside ``out`` is
    written in the same swap (and recorded in the manifest as ``pddl``); one
    elsewhere has its files written to temporaries before the swap and renamed
    into place after it, so a directory that cannot take them leaves the old suite.
    ``out`` must pass :func:`check_out` and ``pddl_dir`` :func:`check_pddl_dir`; nothing is written when they do not.
    """
    check_out(out)
    check_pddl_dir(pddl_dir, out)
    files = {f"{split}.jsonl": dump_jsonl(recs) for split, recs in suite.records.items()}
    inside = pddl_dir is not None and _inside(pddl_dir, out)
    rel = Path(pddl_dir).resolve().relative_to(out.resolve()).as_posix() if inside else None
    man = manifest(suite, files, pddl=rel)
    files["manifest.json"] = (json.dumps(man, indent=2) + "\n").encode()
    if (out / "README.md").is_file():
        from .card import render_manifest

        first = next(recs[0] for recs in (suite.records.get("train"), suite.records.get("test")) if recs)
        files["README.md"] = render_manifest(man, first).encode("utf-8")
    pddl = pddl_files(suite) if pddl_dir is not None else {}
    if inside:
        files.update({f"{rel}/{name}": data for name, data in pddl.items()})
    staged = stage({Path(pddl_dir) / name: data for name, data in pddl.items()} if pddl_dir is not None and not inside else {})
    try:
        replace_dir(out, files, is_ours=lambda d: (m := _generated_manifest(d)) is not None and unexpected_entry(d, m) is None)
    except BaseException:
        staged.discard()
        raise
    staged.commit()
    return man


def pddl_files(suite: Suite) -> dict[str, bytes]:
    """``<id>.pddl`` for every problem of the suite."""
    from ..world.pddl import to_pddl

    return {f"{r['id']}.pddl": to_pddl(State.of(r["init"]), State.of(r["goal"]), r["id"]).encode()
            for records in suite.records.values() for r in records}
