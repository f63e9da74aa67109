"""Which runs go in which table, in what order, and which are left out and why.

A table holds only runs of one task that measured the same problems: the same
suite (by its sha256), split, level(s) and limit, which its heading states
("test split, L3 only, 1,000 problems"). Within a table, only runs of one
bwbench version are compared (the newest present), and a run repeated with the
same model, model options, prompt and generation settings counts once (the
latest). Where runs of a table differ in such a setting, each row names its
value after the model (``random (samples 20, T 0.7)``). A rescored published
run cannot be resumed, so an incomplete one is shown, marked; an eval run still
under way is left out until it is resumed to the end.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from ..runs.results import ResultsError
from ..tasks import get_task
from .rows import Problems, Run, differences, read

CURVE_LENGTHS = 4  # a table whose runs measured at least this many optimal plan lengths gets the curve


@dataclass
class Board:
    tables: dict[Problems, list[Run]] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def collect(files: list[Path]) -> Board:
    """Read results files and decide what goes in which table, and what is skipped and why."""
    runs: list[Run] = []
    unreadable: list[tuple[str, str]] = []
    for f in files:
        try:
            runs.append(read(Path(f)))
        except ResultsError as exc:
            unreadable.append((str(f), str(exc)))
    board = arrange(runs)
    board.skipped += unreadable
    return board


def arrange(runs: list[Run]) -> Board:
    """Put runs in tables by the problems they measured, each ranked; list the runs left out and why."""
    board = Board()
    by_problems: dict[Problems, list[Run]] = {}
    for run in runs:
        if not run.complete and not run.rescored_from:
            board.skipped.append((run.file, "the run is not complete (resume it with the same bwbench eval command)"))
            continue
        by_problems.setdefault(run.problems, []).append(run)
    for problems in sorted(by_problems, key=Problems.order):
        kept = _latest(by_problems[problems], board)
        planbench = is_planbench(kept)
        measured = [lv for lv in levels(kept) if any(lv in r.by_level for r in kept)]
        ranked_by = "L3" if "L3" in measured or not measured else measured[-1]
        if planbench:
            ranked_by = "overall"  # PlanBench's suites mix levels L1-L8 as PlanBench drew them: rank by the whole
        shown = [replace(r, differs=d) for r, d in zip(kept, differences(kept, planbench))]
        board.tables[problems] = sorted(shown, key=lambda r: _rank(r, ranked_by))
    return board


def _latest(group: list[Run], board: Board) -> list[Run]:
    """The runs of one table worth comparing: the newest bwbench version's, each repeat once (its latest)."""
    newest = max((r.bwbench_version for r in group), key=_version_key)
    kept: dict[str, Run] = {}
    for run in sorted(group, key=lambda r: (r.finished, r.file)):
        if run.bwbench_version != newest:
            board.skipped.append((run.file, f"bwbench {run.bwbench_version}; this table compares "
                                             f"bwbench {newest} runs only"))
            continue
        if run.identity in kept:
            board.skipped.append((kept[run.identity].file, f"a duplicate of the later run {run.file}"))
        kept[run.identity] = run
    return list(kept.values())


def is_planbench(runs: list[Run]) -> bool:
    """A table of runs all with PlanBench's prompts (rescored PlanBench files or ``--template planbench`` runs)."""
    return all((r.template or "").startswith("planbench") for r in runs)


def levels(runs: list[Run]) -> list[str]:
    """L1-L3 always, and any higher level a run was measured on (L0, already solved problems, is left out)."""
    seen = {k for r in runs for k in r.by_level}
    return sorted({"L1", "L2", "L3"} | {k for k in seen if int(k[1:]) > 3}, key=lambda k: int(k[1:]))


def heading(problems: Problems, runs: list[Run]) -> str:
    """``standard, test split, all levels, 3,000 problems (suite sha256 `65557a6dc8d94697`)``."""
    return f"{runs[0].suite_name}, {problems.describe()} (suite sha256 `{problems.sha256[:16]}`)"


def curve_lengths(runs: list[Run]) -> list[int]:
    """The optimal plan lengths measured by the runs that record them (``metrics.by_length``), shortest first."""
    return sorted({k for r in runs if r.by_length for k in r.by_length})


def has_curve(runs: list[Run]) -> bool:
    """A table whose runs span many optimal plan lengths (:data:`CURVE_LENGTHS`): its page shows the curve."""
    return len(curve_lengths(runs)) >= CURVE_LENGTHS


def _rank(run: Run, level: str):
    """Best first by the task's primary figure, overall or at ``level``; then by name and file, so ties are stable."""
    rates = run.overall if level == "overall" else run.by_level.get(level)
    value = rates.get(get_task(run.task).primary) if rates else None
    return (-(value if value is not None else -1.0), model_name(run), run.file)


def model_name(run: Run) -> str:
    """The model's name, with the settings in which its run differs from the others of its table: ``random
    (samples 20)``."""
    name = run.model + (f" ({run.differs})" if run.differs else "")
    return name.replace("|", "\\|")


def _version_key(v: str):
    return tuple(int(p) if p.isdigit() else 0 for p in v.split("."))
