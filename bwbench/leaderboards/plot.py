"""A leaderboard's picture: per table, valid rate by level per model, or the curve by optimal plan length.

PNG bytes with no timestamp, so the same results give the same picture (with
the same matplotlib). matplotlib is an extra (``plot``), imported only here.
"""

from __future__ import annotations

import io
import math

from ..errors import MissingExtra
from ..tasks import get_task
from .arrange import (
    Board,
    curve_lengths,
    has_curve,
    heading,
    is_planbench,
    levels,
    model_name,
)
from .rows import Problems, Run, kind, prompt


def plot(board: Board) -> bytes:
    """Valid rate by level for each model, with 95% intervals, one panel per table; for a table with the curve
    (:func:`has_curve`), valid and optimal rate by optimal plan length, one small panel per model: PNG bytes (no
    timestamp)."""
    try:
        import matplotlib
    except ImportError:
        raise MissingExtra("the plot", "plot", "matplotlib") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tables = list(board.tables.items())
    if not any(has_curve(runs) for _, runs in tables):
        fig, axes = plt.subplots(len(tables), 1, figsize=(10, 3.2 * len(tables)), squeeze=False)
        for ax, (problems, runs) in zip(axes[:, 0], tables):
            _bars(ax, problems, runs)
        fig.tight_layout()
    else:
        heights = [_curve_height(runs) if has_curve(runs) else 3.2 for _, runs in tables]
        fig = plt.figure(figsize=(10, sum(heights)), layout="constrained")
        for sub, (problems, runs) in zip(fig.subfigures(len(tables), 1, height_ratios=heights, squeeze=False)[:, 0],
                                         tables):
            if has_curve(runs):
                _curves(sub, problems, runs)
            else:
                _bars(sub.subplots(), problems, runs)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def _bars(ax, problems: Problems, runs: list[Run]) -> None:
    """One table's panel: a bar per model and level, the task's per-level figure (valid) with its interval."""
    metric = next(c.metric for c in get_task(problems.task).columns if c.per_level)
    width = 0.8 / max(1, len(runs))
    lvs = levels(runs)
    for i, run in enumerate(runs):
        xs, ys, lo, hi = [], [], [], []
        for k, lv in enumerate(lvs, 1):
            rates = run.by_level.get(lv)
            value = rates.get(metric) if rates else None
            if value is not None:
                a, b = rates.interval(metric) or (value, value)
                xs.append(k + (i - (len(runs) - 1) / 2) * width)
                ys.append(100 * value)
                lo.append(100 * max(0.0, value - a))
                hi.append(100 * max(0.0, b - value))
        ax.bar(xs, ys, width, yerr=[lo, hi], capsize=3, label=model_name(run))
    ax.set_xticks(range(1, len(lvs) + 1), lvs)
    ax.set_ylim(0, 105)
    ax.set_ylabel("valid plans (%)")
    ax.set_title(heading(problems, runs).replace("`", ""), fontsize=10)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))


CURVE_COLUMNS = 4  # small panels per row of the curve


def _curve_height(runs: list[Run]) -> float:
    drawn = sum(1 for r in runs if r.by_length is not None)
    return 0.8 + 2.1 * math.ceil(drawn / CURVE_COLUMNS)


def _curves(sub, problems: Problems, runs: list[Run]) -> None:
    """One table's curve: per model, valid and optimal rate against optimal plan length, with 95% intervals."""
    from matplotlib.ticker import MaxNLocator

    drawn = [r for r in runs if r.by_length is not None]
    lengths = curve_lengths(runs)
    rows = math.ceil(len(drawn) / CURVE_COLUMNS)
    axes = sub.subplots(rows, CURVE_COLUMNS, sharex=True, sharey=True, squeeze=False)
    second = prompt if is_planbench(runs) else kind
    for ax, run in zip(axes.flat, drawn):
        for key, style, shift in (("valid", "o-", -0.1), ("optimal", "s--", 0.1)):
            xs, ys, lo, hi = [], [], [], []
            for k in lengths:
                rates = run.by_length.get(k)
                value = rates.get(key) if rates else None
                if value is None:
                    continue
                a, b = rates.interval(key) or (value, value)
                xs.append(k + shift)
                ys.append(100 * value)
                lo.append(100 * max(0.0, value - a))
                hi.append(100 * max(0.0, b - value))
            label = "valid" if key == "valid" else "valid and optimal"
            ax.errorbar(xs, ys, yerr=[lo, hi], fmt=style, markersize=3, linewidth=1, elinewidth=0.8, capsize=2,
                        label=label)
        ax.set_title(_panel_title(run, second), fontsize=7)
        ax.set_ylim(0, 105)
        ax.tick_params(labelsize=7)
        ax.grid(alpha=0.3)
    if len(lengths) <= 12:
        axes.flat[0].set_xticks(lengths)
    else:
        axes.flat[0].xaxis.set_major_locator(MaxNLocator(integer=True))
    for ax in axes.flat[len(drawn):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("plans (%)", fontsize=7)
    for column in range(CURVE_COLUMNS):  # the lowest panel drawn in each column carries the length axis
        ax = axes[(len(drawn) - 1 - column) // CURVE_COLUMNS, column] if column < len(drawn) else None
        if ax is not None:
            ax.xaxis.set_tick_params(labelbottom=True)
            ax.set_xlabel("optimal plan length (steps)", fontsize=7)
    axes.flat[0].legend(fontsize=6, loc="lower left")
    sub.suptitle(heading(problems, runs).replace("`", "") + ": by optimal plan length", fontsize=10)


def _panel_title(run: Run, second) -> str:
    """The model, and how its row tells it apart (``second``: the prompt or the kind), as plain text."""
    text = model_name(run) if run.model in ("planner", "random") else f"{model_name(run)}, {second(run)}"
    return text.replace("\\|", "|").replace("`", "")
