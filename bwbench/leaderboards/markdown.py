"""A leaderboard page: one Markdown table per set of problems, every figure taken from a results file.

A table's columns are its task's (:attr:`bwbench.tasks.base.Task.columns`:
for plan generation, valid by level with intervals, optimal, exact,
single-step), then n, the date and bwbench's version. Tables of runs with
PlanBench's prompts have the task's PlanBench columns, the prompt, and
PlanBench's own figure beside bwbench's. A table whose runs measured many
optimal plan lengths also gets the curve. Numbers from the literature are never
table rows: they sit in their own section, marked as reported, with their
source. The output depends only on the inputs, so the same results give a
byte-identical file.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import BwbenchError
from ..fileio import write_all
from ..runs.results import Block
from ..tasks import get_task
from ..tasks.base import Column
from .arrange import (
    Board,
    collect,
    curve_lengths,
    has_curve,
    heading,
    is_planbench,
    levels,
    model_name,
)
from .rows import Run, kind, prompt

# Reported, not measured here: complete-plan success on the paper's L3 test (Men et al., EMNLP 2024).
REFERENCES = {
    "paper": [
        ("Llama-2-7b-chat, full fine-tune", "61%", "Men et al., EMNLP 2024 (L3, complete-plan success)"),
        ("Vicuna-7B, full fine-tune", "63%", "Men et al., EMNLP 2024 (L3, complete-plan success)"),
    ],
}


def render(board: Board, command: str, title: str, references: str | None = None, image: str | None = None) -> str:
    lines = [f"<!-- regenerate: {command} -->", f"# {title}", ""]
    tasks = {p.task for p in board.tables} or {"plan"}
    planbench = board.tables and all(is_planbench(runs) for runs in board.tables.values())
    lines += [" ".join(get_task(t).planbench_intro if planbench else get_task(t).page_intro for t in sorted(tasks)), ""]
    for problems, runs in board.tables.items():
        lines += [f"## {heading(problems, runs)}", ""]
        lines += _planbench_table(runs) if is_planbench(runs) else _table(runs)
    if image:
        lines += [f"![{_image_alt(board)}]({image})", ""]
    if references:
        lines += ["## Reported in the literature (not measured here)", "",
                  "| model | L3 | source |", "|---|---|---|"]
        lines += [f"| {m} | {v} | {s} |" for m, v, s in REFERENCES[references]]
        lines.append("")
    if board.skipped:
        lines += ["## Left out", ""] + [f"- `{f}`: {why}" for f, why in sorted(board.skipped)] + [""]
    return "\n".join(lines)


def _headings(columns: tuple[Column, ...], lvs: list[str]) -> list[str]:
    return [h for c in columns for h in ([f"{lv} {c.heading}" for lv in lvs] if c.per_level else [c.heading])]


def _cells(run: Run, columns: tuple[Column, ...], lvs: list[str]) -> list[str]:
    return [cell for c in columns for cell in (
        [rate(run.by_level.get(lv), c.metric, c.interval) for lv in lvs] if c.per_level
        else [rate(run.overall, c.metric, c.interval)])]


def _table(runs: list[Run]) -> list[str]:
    columns = get_task(runs[0].task).columns
    lvs = levels(runs)
    heads = _headings(columns, lvs)
    lines = ["| model | kind | " + " | ".join(heads) + " | n | date | bwbench |",
             "|---|---|" + "---|" * len(heads) + "---|---|---|"]
    for run in runs:
        cells = [model_name(run), kind(run), *_cells(run, columns, lvs), _n(run), run.finished[:10], run.bwbench_version]
        lines.append("| " + " | ".join(cells) + " |")
    if has_curve(runs):
        lines += [""] + _curve_table(runs, kind, "kind")
    return lines + ["", "Results: " + ", ".join(f"`{r.file}`" for r in runs), ""]


def _planbench_table(runs: list[Run]) -> list[str]:
    columns = get_task(runs[0].task).planbench_columns
    lvs = [lv for lv in levels(runs) if any(lv in r.by_level for r in runs)]
    heads = _headings(columns, lvs)
    lines = ["| model | prompt | " + " | ".join(heads) + " | n | PlanBench's figure | date | bwbench |",
             "|---|---|" + "---|" * len(heads) + "---|---|---|---|"]
    notes = []
    for run in runs:
        cells = [model_name(run), prompt(run), *_cells(run, columns, lvs), _n(run), _planbench_figure(run),
                 run.finished[:10], run.bwbench_version]
        lines.append("| " + " | ".join(cells) + " |")
        if run.no_response:
            notes.append(f"- {model_name(run)}, {prompt(run)}: PlanBench's file has no answer for {run.no_response} "
                         f"of the suite's problems (`{run.file}`)")
    sizes = {lv: max((r.by_level[lv].n if lv in r.by_level else 0) for r in runs) for lv in lvs}
    lines += ["", "Problems per level: " + ", ".join(f"{lv} {sizes[lv]}" for lv in lvs) + "."]
    if has_curve(runs):  # the same breakdown, finer and with intervals
        lines += [""] + _curve_table(runs, prompt, "prompt")
    else:
        lines += ["", "By optimal plan length (Lk: 2k steps), valid / optimal / executable, in percent:", "",
                  "| model | prompt | " + " | ".join(lvs) + " |", "|---|---|" + "---|" * len(lvs)]
        for run in runs:
            lines.append(f"| {model_name(run)} | {prompt(run)} | "
                         + " | ".join(_three(run.by_level.get(lv)) for lv in lvs) + " |")
    if notes:
        lines += ["", "Incomplete runs:", ""] + notes
    return lines + ["", "Results: " + ", ".join(f"`{r.file}`" for r in runs), ""]


def _curve_table(runs: list[Run], second, column: str) -> list[str]:
    """The curve as a table: per model (and ``second(run)``: its prompt or kind), valid rate with its interval
    and optimal rate at each optimal plan length; runs without ``by_length`` are named below it."""
    lengths = curve_lengths(runs)
    drawn = [r for r in runs if r.by_length is not None]
    sizes = {k: max(r.by_length[k].n for r in drawn if k in r.by_length) for k in lengths}
    lines = ["### Valid (and optimal) by optimal plan length", "",
             "At each optimal plan length (steps; n: the problems of that length, and a cell's own n where its run "
             "judged fewer): valid plans in percent [95% Wilson interval] / valid and optimal plans in percent.", "",
             f"| model | {column} | " + " | ".join(f"{k} (n {sizes[k]})" for k in lengths) + " |",
             "|---|---|" + "---|" * len(lengths)]
    for run in drawn:
        lines.append(f"| {model_name(run)} | {second(run)} | "
                     + " | ".join(_curve_cell(run.by_length.get(k), sizes[k]) for k in lengths) + " |")
    absent = [r for r in runs if r.by_length is None]
    if absent:
        lines += ["", "Not by length (the results.json has no metrics.by_length; rescoring or re-running the eval "
                      "adds it): " + ", ".join(f"{model_name(r)}, {second(r)} (`{r.file}`)" for r in absent) + "."]
    return lines


def _curve_cell(rates: Block | None, size: int) -> str:
    """``58 [49, 67] / 40``: valid with its interval, and optimal, in whole percents; ``(n 29)`` where fewer than
    ``size`` problems of the length were judged."""
    if rates is None or rates.get("valid") is None:
        return "–"
    text = f"{100 * rates.get('valid'):.0f}"
    if rates.interval("valid"):
        text += " [{:.0f}, {:.0f}]".format(*(100 * x for x in rates.interval("valid")))
    text += " / " + ("–" if rates.get("optimal") is None else f"{100 * rates.get('optimal'):.0f}")
    return text + (f" (n {rates.n})" if rates.n != size else "")


def _image_alt(board: Board) -> str:
    curves = [has_curve(runs) for runs in board.tables.values()]
    if all(curves):
        return "Valid and optimal plans by optimal plan length, with 95% intervals"
    if any(curves):
        return "Valid plans by level, and valid and optimal plans by optimal plan length, with 95% intervals"
    return "Valid plans by level, with 95% intervals"


def _three(rates: Block | None) -> str:
    """``61 / 40 / 63``: valid, optimal and executable rates of one level, in whole percents."""
    if not rates:
        return "–"
    values = (rates.get("valid"), rates.get("optimal"), rates.get("executable"))
    return " / ".join("–" if v is None else f"{100 * v:.0f}" for v in values)


def _n(run: Run) -> str:
    """Problems judged; ``499 of 500`` where the run did not judge every problem of its table."""
    total = run.problems.n
    return str(run.n_examples) if run.n_examples == total else f"{run.n_examples} of {total}"


def _planbench_figure(run: Run) -> str:
    if run.planbench is None:
        return "—"
    correct, n = run.planbench
    return f"{100 * correct / n:.1f}% ({correct}/{n})"


def rate(rates: Block | None, key: str, ci: bool = False) -> str:
    value = rates.get(key) if rates else None
    if value is None:
        return "—"
    text = f"{100 * value:.1f}%"
    if ci and rates.interval(key):
        lo, hi = rates.interval(key)
        text += f" [{100 * lo:.1f}, {100 * hi:.1f}]"
    return text


def publish(results: list[Path], out: Path, command: str, title: str, references: str | None = None,
            plot_file: Path | None = None) -> Board:
    """Read ``results``, arrange them and write the page (and its plot); the board says what was left out."""
    if references is not None and references not in REFERENCES:
        raise BwbenchError(f"unknown reference set {references!r}; choose: {', '.join(REFERENCES)}",
                           field="reference")
    board = collect(results)
    if not board.tables:
        raise BwbenchError("no usable results: " + "; ".join(f"{f}: {why}" for f, why in board.skipped),
                           field="results")
    write(board, out, command, title, references, plot_file)
    return board


def write(board: Board, out: Path, command: str, title: str, references: str | None = None,
          plot_file: Path | None = None) -> None:
    """The page and its plot, together: both are written, or neither (``BwbenchError`` naming the path refused)."""
    files: dict[Path, bytes] = {}
    image = None
    if plot_file is not None:
        if Path(plot_file).resolve() == Path(out).resolve():
            raise BwbenchError("is the page's own file; choose another", str(plot_file), field="plot")
        from .plot import plot

        files[Path(plot_file)] = plot(board)
        image = os.path.relpath(Path(plot_file).resolve(), Path(out).resolve().parent).replace(os.sep, "/")
    files = {Path(out): render(board, command, title, references, image).encode("utf-8"), **files}
    write_all(files)
