"""Which runs go in which table, in what order, and which are left out and why.

A table holds only runs of one task that measured the same problems: the same
suite (by its sha256), split, level(s) and limit, which its heading states
("test split, L3 only, 1,000 problems"); a page's tables follow one another by
suite name. Within a table, only runs of one bwbench version are compared (the
newest present), and a run repeated with the same model, label, model options,
prompt and generation settings counts once (the latest). Where runs of a table
differ in such a setting, each row names its value after the model (``random
(samples 20, T 0.7)``). A rescored published run cannot be resumed, so an
incomplete one is shown, marked; one that answered fewer than half of the
problems is ranked apart, in the table's "incomplete" table, since its figures
rest on the few it answered. An eval run still under way is left out until it
is resumed to the end.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..runs.results import ResultsError
from ..tasks import get_task
from .rows import Problems, Run, differences, prompt_kind, read

CURVE_LENGTHS = 4  # a table whose runs measured at least this many optimal plan lengths gets the curve
FEW = 10  # a figure of fewer problems is shown as a count (1/1), and its length is not drawn in the curve


@dataclass
class Board:
    tables: dict[Problems, list[Run]] = field(default_factory=dict)
    incomplete: dict[Problems, list[Run]] = field(default_factory=dict)  # runs that answered under half the problems
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def sections(self) -> list[tuple[Problems, list[Run], bool]]:
        """The page's tables in order, each a set of problems, its ranked runs and whether they are the incomplete
        ones: every set of problems in turn (by suite name), its table first."""
        order = sorted(dict.fromkeys([*self.tables, *self.incomplete]),
                       key=lambda p: _page_order(p, self.tables.get(p) or self.incomplete[p]))
        return [(p, group[p], group is self.incomplete) for p in order for group in (self.tables, self.incomplete)
                if p in group]

    def runs(self) -> list[Run]:
        """Every run on the page."""
        return [r for _, runs, _ in self.sections() for r in runs]


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
    for problems in sorted(by_problems, key=lambda p: _page_order(p, by_problems[p])):
        kept = _latest(by_problems[problems], board)
        for group, answered_half in ((board.tables, True), (board.incomplete, False)):
            runs_of = [r for r in kept if (2 * r.n_examples >= problems.n) == answered_half]
            if runs_of:
                group[problems] = _ranked(runs_of)
    return board


def _page_order(problems: Problems, runs: list[Run]) -> tuple:
    """Tables follow one another by task, then suite name (then split, levels, limit; the sha256 last)."""
    return problems.task, min(r.suite_name for r in runs), problems.order()


def _ranked(runs: list[Run]) -> list[Run]:
    """One table's runs, each told apart from the others where its settings differ, best first."""
    planbench = is_planbench(runs)
    measured = levels(runs)
    ranked_by = "L3" if "L3" in measured or not measured else measured[-1]
    if planbench:
        ranked_by = "overall"  # PlanBench's suites mix levels L1-L8 as PlanBench drew them: rank by the whole
    alike = Counter((r.name, prompt_kind(r)) for r in runs)  # rows that would read the same but for their file
    shown = [replace(r, differs=d, by_file=planbench and alike[r.name, prompt_kind(r)] > 1)
             for r, d in zip(runs, differences(runs, planbench))]
    return sorted(shown, key=lambda r: _rank(r, ranked_by))


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
    """The levels some run of ``runs`` was measured on, L0 (problems solved before any step) included, in order."""
    return sorted({k for r in runs for k in r.by_level}, key=lambda k: int(k[1:]))


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
    name = run.name + (f" ({run.differs})" if run.differs else "")
    return name.replace("|", "\\|")


def _version_key(v: str):
    return tuple(int(p) if p.isdigit() else 0 for p in v.split("."))
