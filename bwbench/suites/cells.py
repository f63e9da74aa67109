"""What a suite asks for: cells, presets and block names.

A suite is a set of *cells*, one per (split, level, block count) with a quota
and a sampler (:mod:`.sampling` draws them). A preset is a named list of
cells; without one, ``n`` test and ``train`` train problems per level are
spread over the block counts asked for. Every value here arrives parsed (the
command line parses options); what cannot be is a ``BwbenchError`` naming the
request's field (``levels``, ``colors``, ...).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace

from ..errors import BwbenchError
from ..world.text import LARGE_PALETTE, SEED_PALETTE, check_names

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
AUTO_UNIFORM_BLOCKS = 7  # sampler "auto": uniform up to this many blocks (every published suite), walk beyond


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
    task: str = "plan"  # the question each problem asks (a task's name; the tasks stage knows them)

    def describe(self) -> dict:
        d = asdict(self)
        d["cells"] = [c.describe() for c in self.cells]
        return d

    @classmethod
    def from_manifest(cls, man: dict) -> GenerateConfig:
        """The config a generated suite's manifest records, which regenerates it byte for byte."""
        return cls(
            suite=man["suite"], cells=tuple(Cell(**c) for c in man["cells"]), seed=man["seed"],
            colors=tuple(man["colors"]), max_towers=man["max_towers"], planner=man["planner"],
            disjoint_renaming=man["disjoint_renaming"], preset=man["preset"], task=man.get("task", "plan"),
        )


@dataclass
class Suite:
    """A generated suite before it is written: its config, its records by split, and the candidates drawn."""

    config: GenerateConfig
    records: dict[str, list[dict]] = field(default_factory=dict)  # split -> records
    candidates: int = 0


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


# What ``bwbench generate`` draws when a value is not given (and there is no preset).
DEFAULT_LEVELS = (3,)
DEFAULT_N = 100
DEFAULT_TRAIN = 0
DEFAULT_BLOCKS = (4, 5, 6)
PRESET_FIXES = ("levels", "n", "train", "blocks")  # the fields a preset decides itself


def palette(colors: tuple[str, ...] | None, cells: Iterable[Cell] = ()) -> tuple[str, ...]:
    """The block names: ``colors`` when given, distinct and names a plan can name back (:func:`..world.text.check_names`,
    the rule every dataset is read with); ``BwbenchError`` naming the field ``colors`` otherwise.

    The default is the seed's palette, or :data:`..world.text.LARGE_PALETTE` where ``cells`` need more blocks than it has.
    """
    if colors is None:
        return SEED_PALETTE if max((c.n_blocks for c in cells), default=0) <= len(SEED_PALETTE) else LARGE_PALETTE
    names = tuple(colors)
    if len(set(names)) != len(names):
        raise BwbenchError(f"colours must be distinct: {', '.join(sorted({c for c in names if names.count(c) > 1}))}",
                           field="colors")
    try:
        check_names(names)
    except ValueError as exc:
        raise BwbenchError(str(exc), field="colors") from None
    return names


def suite_cells(preset: str | None = None, levels: Iterable[int] | None = None, n: int | None = None,
                train: int | None = None, blocks: Iterable[int] | None = None, sampler: str = "auto",
                allow_ties: bool = False) -> list[Cell]:
    """The cells asked for: a preset's, or ``n`` test and ``train`` train problems per level spread over ``blocks``.

    ``None`` means the value was not given. A preset fixes the levels, block
    counts and problem counts (:data:`PRESET_FIXES`), so any of those given with
    it is refused, naming the field, rather than silently ignored. ``sampler``:
    ``auto`` (uniform up to :data:`AUTO_UNIFORM_BLOCKS` blocks, walk beyond) or
    one of :data:`SAMPLERS` for every cell; ``allow_ties``: test problems may
    have several optimal plans.
    """
    if preset is not None and (sampler != "auto" or allow_ties):
        name = "sampler" if sampler != "auto" else "allow_ties"
        raise BwbenchError(f"preset {preset} fixes how its problems are drawn; drop {name}", field=name)
    cells = _cells_asked(preset, levels, n, train, blocks)
    return cells if preset is not None else [_with_sampler(c, sampler, allow_ties) for c in cells]


def _with_sampler(cell: Cell, sampler: str, allow_ties: bool) -> Cell:
    if sampler != "auto" and sampler not in SAMPLERS:
        raise BwbenchError(f"unknown sampler {sampler!r}; choose one of: auto, {', '.join(SAMPLERS)}", field="sampler")
    if sampler == "auto":
        sampler = "uniform" if cell.n_blocks <= AUTO_UNIFORM_BLOCKS else "walk"
    return replace(cell, sampler=sampler, unique=False if allow_ties and cell.split == "test" else None)


def _cells_asked(preset: str | None, levels: Iterable[int] | None, n: int | None, train: int | None,
                 blocks: Iterable[int] | None) -> list[Cell]:
    if preset is not None:
        if preset not in PRESETS:
            raise BwbenchError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}", field="preset")
        given = dict(zip(PRESET_FIXES, (levels, n, train, blocks)))
        extra = [name for name, value in given.items() if value is not None]
        if extra:
            raise BwbenchError(f"preset {preset} fixes the levels, block counts and problem counts; "
                               f"drop {', '.join(extra)}", field=extra[0])
        return PRESETS[preset][1]()
    lv = tuple(levels) if levels else DEFAULT_LEVELS
    bl = DEFAULT_BLOCKS if blocks is None else tuple(blocks)
    bad = [k for k in lv if k < 1]
    if bad:
        raise BwbenchError(f"not a level: {bad[0]!r} (levels are 1, 2, ...)", field="levels")
    if not bl or min(bl) < 1:
        raise BwbenchError(f"not block counts: {bl!r}", field="blocks")
    n = DEFAULT_N if n is None else n
    train = DEFAULT_TRAIN if train is None else train
    cells = spread(lv, bl, n, "test") + spread(lv, bl, train, "train")
    if not cells:
        raise BwbenchError("nothing to generate: n and train are both 0", field="n")
    return cells


def check_cell(cell: Cell, colors: tuple[str, ...]) -> None:
    """``BwbenchError`` naming the field when ``cell`` cannot be drawn: more blocks than names, or a level too long."""
    if cell.n_blocks > len(colors):
        raise BwbenchError(f"{cell.n_blocks} blocks need {cell.n_blocks} colours, only {len(colors)} given "
                           f"(the default palette has {len(SEED_PALETTE)}); name more", field="colors")
    # Every problem of n blocks is solved within 2n - 2 moves: put every block that
    # is not at the bottom of a tower on the table, then build the goal.
    if cell.level > 2 * cell.n_blocks - 2:
        raise BwbenchError(
            f"L{cell.level} is impossible with {cell.n_blocks} blocks (at most L{max(0, 2 * cell.n_blocks - 2)})",
            field="levels",
        )
