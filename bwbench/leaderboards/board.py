"""Leaderboards from eval results: one markdown table per set of problems, every figure taken from a results.json.

A table holds only runs that measured the same problems: the same suite (by its
sha256), split, level(s) and limit, which its heading states ("test split, L3
only, 1,000 problems"). Within a table, only runs of one bwbench version are
compared (the newest present), and a run repeated with the same model, model
options, prompt and generation settings counts once (the latest). Where runs of
a table differ in such a setting, each row names its value after the model
(``random (samples 20, T 0.7)``). Each results.json is read
once, by :func:`parse`, into a :class:`Run` holding everything the page shows;
a file that lacks a field or has one of the wrong type is left out with the
reason (:class:`ResultsError`), like everything else left out. Numbers from the
literature are never table rows: they sit in their own section, marked as
reported, with their source. The output depends only on the inputs, so the same
results give a byte-identical file.

Tables of runs with PlanBench's prompts (rescored PlanBench results files, and
bwbench's own runs with ``--template planbench``) have their own columns: the
prompt (zero- or one-shot, words or PDDL), valid, optimal and executable, valid
by level up to the longest measured, n out of the suite's problems, and
PlanBench's own figure beside bwbench's. A rescored published run cannot be
resumed, so an incomplete one is shown, marked, rather than left out.

A table whose runs measured problems of many optimal plan lengths
(:data:`CURVE_LENGTHS` or more, from ``metrics.by_length``) also gets the curve:
valid (with its interval) and optimal rate at each optimal plan length, per
model, as a table on the page and, with ``--plot``, as that table's panels of
the image (one small plot per model, in place of the bars by level). Runs whose
results.json has no ``by_length`` (written before it was recorded) are named
under the curve instead of drawn.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import BwbenchError
from ..fileio import write_all

# Reported, not measured here: complete-plan success on the paper's L3 test (Men et al., EMNLP 2024).
REFERENCES = {
    "paper": [
        ("Llama-2-7b-chat, full fine-tune", "61%", "Men et al., EMNLP 2024 (L3, complete-plan success)"),
        ("Vicuna-7B, full fine-tune", "63%", "Men et al., EMNLP 2024 (L3, complete-plan success)"),
    ],
}
REQUIRED = ("model", "suite", "bwbench_version", "metrics", "finished", "n_examples")
LEVEL = "L(?:0|[1-9][0-9]*)"  # a level's name: L0, L1, ..., L12
LENGTH = "0|[1-9][0-9]*"  # an optimal plan length, as metrics.by_length names it: 0, 1, 2, ...
CURVE_LENGTHS = 4  # a table whose runs measured at least this many optimal plan lengths gets the curve
RATES = ("valid", "optimal", "exact", "executable")  # in every block of metrics; single_step only where measured


class ResultsError(Exception):
    """A results.json the page cannot show; the message is the reason, as the page lists it."""


@dataclass(frozen=True)
class Problems:
    """Which problems a run measured. Only runs with equal ``Problems`` share a table.

    ``level`` is None (every level), ``"L3"`` or ``"L1,L2"``; ``limit`` is None
    when the run took every problem of its split and level (a limit above their
    number took them all too); ``n`` is how many problems that is.
    """

    sha256: str
    split: str
    level: str | None
    limit: int | None
    n: int
    per_level: int | None = None  # the run took this many problems of each level, spread through it

    def order(self) -> tuple:
        return self.sha256, self.split, self.level or "", self.limit or 0, self.per_level or 0, self.n

    def describe(self) -> str:
        """``test split, L3 only, the first 3 problems``."""
        if self.level is None:
            levels = "all levels"
        else:
            names = self.level.split(",")
            levels = (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]) + " only"
        if self.per_level is not None:
            count = f"{self.per_level:,} of each level, {self.n:,} problems"
        elif self.limit is None:
            count = f"{self.n:,} problem" + ("s" if self.n != 1 else "")
        else:
            count = "the first problem" if self.n == 1 else f"the first {self.n:,} problems"
        return f"{self.split} split, {levels}, {count}"


@dataclass(frozen=True)
class Rates:
    """One block of a results.json's metrics (overall, or one level): the rates the page shows, as fractions."""

    n: int
    valid: float | None
    optimal: float | None
    exact: float | None
    executable: float | None
    single_step: float | None
    valid_ci95: tuple[float, float] | None
    optimal_ci95: tuple[float, float] | None = None


@dataclass(frozen=True)
class Run:
    """A results.json as the page reads it."""

    file: str
    model: str
    suite_name: str
    problems: Problems
    n_examples: int
    complete: bool
    bwbench_version: str
    finished: str
    overall: Rates
    by_level: dict[str, Rates]
    by_length: dict[int, Rates] | None  # None where the results.json predates metrics.by_length
    lora: str | None
    rescored_from: str | None
    template: str | None
    prompt_label: str | None
    pddl: bool
    planbench: tuple[int, int] | None  # PlanBench's own count: correct answers, of n
    no_response: int  # problems PlanBench's file has no answer for
    identity: str  # equal for a repeat of the same run (model, adapter, options, prompt, generation, problems)
    settings: tuple[tuple[str, str], ...] = ()  # how the run was made: ("generation.temperature", "T 0.7"), ...
    differs: str = ""  # the settings in which it differs from the other runs of its table, as its row shows them


@dataclass
class Board:
    tables: dict[Problems, list[Run]] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def read(path: Path) -> Run:
    """One results.json file, parsed; ``ResultsError`` with the reason when the page cannot show it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ResultsError(f"not a readable results.json: not valid JSON at line {exc.lineno}, column {exc.colno} "
                           f"({exc.msg})") from None
    except UnicodeDecodeError as exc:
        raise ResultsError(f"not a readable results.json: not UTF-8 at byte {exc.start}") from None
    except (OSError, ValueError, RecursionError) as exc:
        raise ResultsError(f"not a readable results.json ({type(exc).__name__})") from None
    return parse(str(path), data)


def parse(file: str, data: object) -> Run:
    """A results.json's content as a :class:`Run`; ``ResultsError`` naming the first field missing or of the wrong kind."""
    if not isinstance(data, dict):
        raise ResultsError(f"the file holds {_kind(data)}, not an object")
    missing = [k for k in REQUIRED if k not in data]
    if missing:
        raise ResultsError(f"missing {', '.join(missing)}")
    suite = _take(data, "", "suite", dict)
    adapter = _take(data, "", "adapter", dict, absent=True) or {}
    prompt = _take(data, "", "prompt", dict, absent=True, null=True) or {}
    metrics = _take(data, "", "metrics", dict)
    by_level = _take(metrics, "metrics", "by_level", dict)
    for key in by_level:
        if not re.fullmatch(LEVEL, key):
            raise ResultsError(f"metrics.by_level has {key!r}, not a level (L0, L1, ...)")
    by_length = _take(metrics, "metrics", "by_length", dict, absent=True)
    for key in by_length or ():
        if not re.fullmatch(LENGTH, key):
            raise ResultsError(f"metrics.by_length has {key!r}, not an optimal plan length (0, 1, 2, ...)")
    problems = _problems(suite)
    n_examples = _count(data, "", "n_examples")
    if n_examples > problems.n:
        raise ResultsError(f"n_examples ({n_examples}) is more than suite.n ({problems.n})")
    finished = _take(data, "", "finished", str)
    if not re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", finished):
        raise ResultsError(f"finished is {finished!r}, not a date (YYYY-MM-DD...)")
    model = _take(data, "", "model", str)
    lora = _take(adapter, "adapter", "lora", str, absent=True, null=True)
    planbench = _take(data, "", "planbench", dict, absent=True, null=True) or {}
    pb_n = _take(planbench, "planbench", "n", int, absent=True, null=True)
    pb_correct = _count(planbench, "planbench", "correct") if pb_n else None
    if pb_correct is not None and pb_n is not None and not 0 <= pb_correct <= pb_n:
        raise ResultsError(f"planbench.correct ({pb_correct}) is not between 0 and planbench.n ({pb_n})")
    absent = _take(data, "", "missing", dict, absent=True, null=True) or {}
    return Run(
        file=file,
        model=model,
        suite_name=_take(suite, "suite", "name", str),
        problems=problems,
        n_examples=n_examples,
        complete=_take(data, "", "complete", bool, absent=True) is not False,
        bwbench_version=_take(data, "", "bwbench_version", str),
        finished=finished,
        overall=_rates(_take(metrics, "metrics", "overall", dict), "metrics.overall"),
        by_level={k: _rates(_take(by_level, "metrics.by_level", k, dict), f"metrics.by_level.{k}") for k in by_level},
        by_length=None if by_length is None else {
            int(k): _rates(_take(by_length, "metrics.by_length", k, dict), f"metrics.by_length.{k}")
            for k in sorted(by_length, key=int)},
        lora=lora,
        rescored_from=_take(adapter, "adapter", "rescored_from", str, absent=True, null=True),
        template=_take(prompt, "prompt", "template", str, absent=True, null=True),
        prompt_label=_take(prompt, "prompt", "label", str, absent=True, null=True),
        pddl=bool(_take(prompt, "prompt", "pddl", bool, absent=True, null=True)),
        planbench=(pb_correct, pb_n) if pb_n and pb_correct is not None else None,
        no_response=len(_take(absent, "missing", "no_response", list, absent=True, null=True) or []),
        identity=json.dumps([model, lora, data.get("model_options"), data.get("prompt"), data.get("generation"),
                             problems.split, problems.level, problems.limit], sort_keys=True),
        settings=_settings(data),
    )


SETTINGS = ("prompt", "generation", "model_options")  # the blocks of a results.json that say how its run was made
SHORT = {"generation.temperature": "T", "prompt.template": "template", "prompt.shots_from": "shots from"}
SHOWN_BY_PROMPT = ("prompt.template", "prompt.shots", "prompt.pddl", "prompt.label", "prompt.planbench_file")


def _settings(data: dict) -> tuple[tuple[str, str], ...]:
    """Each setting of the run's ``prompt``, ``generation`` and ``model_options`` blocks, named and as a row says it
    (``T 0.7``, ``3-shot``, ``samples 20``); a block that is absent or not an object has none. Where there are
    no shots, how they would have been chosen is left out."""
    pairs = []
    for block in SETTINGS:
        values = data.get(block)
        if not isinstance(values, dict):
            continue
        for key in sorted(values):
            name, value = f"{block}.{key}", values[key]
            if name in ("prompt.shots_seed", "prompt.shots_from") and values.get("shots") == 0:
                continue  # which examples, and drawn how, where there are none
            pairs.append((name, _setting(name, key, value)))
    return tuple(pairs)


def _setting(name: str, key: str, value: object) -> str:
    if name == "prompt.shots" and isinstance(value, int) and not isinstance(value, bool):
        return f"{value}-shot"
    if isinstance(value, float) and math.isfinite(value):
        text = f"{value:g}"
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, sort_keys=True)
    return f"{SHORT.get(name, key.replace('_', ' '))} {text}"


def differences(runs: list[Run], planbench: bool = False) -> list[str]:
    """For each run, the settings whose value is not the same in every run of ``runs`` that has the setting, as
    its row shows them (``samples 20, T 0.7``); "" for a run that differs in none. Settings a table already shows
    are not repeated: a LoRA whose directory name tells it apart (the adapter column), and in a table of
    PlanBench prompts, the prompt itself (the prompt column)."""
    values: dict[str, set[str]] = {}
    for run in runs:
        for name, text in run.settings:
            values.setdefault(name, set()).add(text)
    skip = set(SHOWN_BY_PROMPT) if planbench else set()
    loras = {r.lora for r in runs if r.lora}
    if len({Path(x).name for x in loras}) == len(loras):
        skip.add("model_options.lora")
    differ = {name for name, texts in values.items() if len(texts) > 1 and name not in skip}
    return [", ".join(text for name, text in run.settings if name in differ) for run in runs]


def _problems(suite: dict) -> Problems:
    sha = _take(suite, "suite", "sha256", str)
    if not re.fullmatch(r"[0-9a-f]{64}", sha):
        raise ResultsError("suite.sha256 is not a sha256 (64 hex digits)")
    split = _take(suite, "suite", "split", str)
    if not split:
        raise ResultsError("suite.split is empty")
    level = _take(suite, "suite", "level", str, null=True)
    if level is not None:
        if not re.fullmatch(f"{LEVEL}(,{LEVEL})*", level):
            raise ResultsError(f"suite.level is {level!r}, not a level or levels (L3, L1,L2)")
        level = ",".join(sorted(set(level.split(",")), key=lambda lv: int(lv[1:])))
    n = _count(suite, "suite", "n")
    if n == 0:
        raise ResultsError("suite.n is 0: no problems were measured")
    limit = _take(suite, "suite", "limit", int, null=True)
    if limit is not None:
        if limit < 1:
            raise ResultsError(f"suite.limit is {limit}, not a positive number of problems")
        if n > limit:
            raise ResultsError(f"suite.n ({n}) is more than suite.limit ({limit})")
        if n < limit:
            limit = None  # the limit was not reached: every problem was taken
    per_level = _take(suite, "suite", "per_level", int, null=True, absent=True)
    if per_level is not None and per_level < 1:
        raise ResultsError(f"suite.per_level is {per_level}, not a positive number of problems")
    return Problems(sha, split, level, limit, n, per_level)


def _rates(block: dict, where: str) -> Rates:
    for key in RATES:
        if key not in block:
            raise ResultsError(f"missing {where}.{key}")
    ci95 = _take(block, where, "ci95", dict, absent=True) or {}
    return Rates(n=_count(block, where, "n"), single_step=_share(block.get("single_step"), f"{where}.single_step"),
                 valid_ci95=_interval(ci95, f"{where}.ci95", "valid"),
                 optimal_ci95=_interval(ci95, f"{where}.ci95", "optimal"),
                 **{k: _share(block[k], f"{where}.{k}") for k in RATES})


def _interval(ci95: dict, where: str, key: str) -> tuple[float, float] | None:
    """``ci95[key]`` as (low, high) fractions; None where it is absent or null (not measured)."""
    pair = _take(ci95, where, key, list, absent=True, null=True)
    if pair is None:
        return None
    if len(pair) != 2:
        raise ResultsError(f"{where}.{key} has {len(pair)} items, not 2 (low, high)")
    low, high = (_share(x, f"{where}.{key}", null=False) for x in pair)
    if low > high:
        raise ResultsError(f"{where}.{key}'s low end is above its high end")
    return low, high


KINDS = {dict: "an object", list: "a list", str: "a string", int: "a whole number", float: "a number",
         bool: "true or false"}


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    return next(name for t, name in KINDS.items() if isinstance(value, t))


def _take(obj: dict, where: str, key: str, want: type, *, absent: bool = False, null: bool = False):
    """``obj[key]`` when it is a ``want`` (an int is never a boolean); None where it may be ``absent`` or ``null`` and is."""
    name = f"{where}.{key}" if where else key
    if key not in obj:
        if absent:
            return None
        raise ResultsError(f"missing {name}")
    value = obj[key]
    if value is None and null:
        return None
    if not isinstance(value, want) or (want is int and isinstance(value, bool)):
        raise ResultsError(f"{name} is {_kind(value)}, not {KINDS[want]}")
    return value


def _count(obj: dict, where: str, key: str) -> int:
    value = _take(obj, where, key, int)
    if value < 0:
        raise ResultsError(f"{where + '.' if where else ''}{key} is {value}, not a count")
    return value


def _share(value: object, name: str, null: bool = True) -> float | None:
    """A rate as a fraction in [0, 1], or None (not measured) where ``null`` may stand for one."""
    if value is None and null:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ResultsError(f"{name} is {_kind(value)}, not a number")
    if not 0 <= value <= 1:
        raise ResultsError(f"{name} is {value}, not a rate between 0 and 1")
    return float(value)


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
        group = by_problems[problems]
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
        measured = [lv for lv in _levels(list(kept.values())) if any(lv in r.by_level for r in kept.values())]
        ranked_by = "L3" if "L3" in measured or not measured else measured[-1]
        if is_planbench(list(kept.values())):
            ranked_by = "overall"  # PlanBench's suites mix levels L1-L8 as PlanBench drew them: rank by the whole
        shown = list(kept.values())
        shown = [replace(r, differs=d) for r, d in zip(shown, differences(shown, is_planbench(shown)))]
        board.tables[problems] = sorted(shown, key=lambda r: _rank(r, ranked_by))
    return board


def is_planbench(runs: list[Run]) -> bool:
    """A table of runs all with PlanBench's prompts (rescored PlanBench files or ``--template planbench`` runs)."""
    return all((r.template or "").startswith("planbench") for r in runs)


def _levels(runs: list[Run]) -> list[str]:
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


def plot(board: Board) -> bytes:
    """Valid rate by level for each model, with 95% intervals, one panel per table; for a table with the curve
    (:func:`has_curve`), valid and optimal rate by optimal plan length, one small panel per model: PNG bytes (no
    timestamp)."""
    import io

    try:
        import matplotlib
    except ImportError:
        raise BwbenchError("the plot needs matplotlib: pip install 'bwbench[plot]'", "--plot") from None
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
    """One table's panel: a bar per model and level, valid rate with its interval."""
    width = 0.8 / max(1, len(runs))
    levels = _levels(runs)
    for i, run in enumerate(runs):
        xs, ys, lo, hi = [], [], [], []
        for k, lv in enumerate(levels, 1):
            rates = run.by_level.get(lv)
            if rates and rates.valid is not None:
                a, b = rates.valid_ci95 or (rates.valid, rates.valid)
                xs.append(k + (i - (len(runs) - 1) / 2) * width)
                ys.append(100 * rates.valid)
                lo.append(100 * max(0.0, rates.valid - a))
                hi.append(100 * max(0.0, b - rates.valid))
        ax.bar(xs, ys, width, yerr=[lo, hi], capsize=3, label=_model(run))
    ax.set_xticks(range(1, len(levels) + 1), levels)
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
    second = _prompt if is_planbench(runs) else _adapter
    for ax, run in zip(axes.flat, drawn):
        for key, style, shift in (("valid", "o-", -0.1), ("optimal", "s--", 0.1)):
            xs, ys, lo, hi = [], [], [], []
            for k in lengths:
                rates = run.by_length.get(k)
                value = getattr(rates, key) if rates else None
                if value is None:
                    continue
                a, b = getattr(rates, f"{key}_ci95") or (value, value)
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
    """The model, and how its row tells it apart (``second``: the prompt or the adapter), as plain text."""
    text = _model(run) if run.model in ("planner", "random") else f"{_model(run)}, {second(run)}"
    return text.replace("\\|", "|").replace("`", "")


def render(board: Board, command: str, title: str, references: str | None = None, image: str | None = None) -> str:
    lines = [f"<!-- regenerate: {command} -->", f"# {title}", ""]
    if board.tables and all(is_planbench(runs) for runs in board.tables.values()):
        lines += [PLANBENCH_INTRO, ""]
    else:
        lines += ["Valid: the plan reaches the goal when simulated. Optimal: valid and as short as the optimum. "
                  "Exact: the gold plan's text. Brackets: 95% Wilson intervals. Levels are true levels (optimal "
                  "plan length). Every figure comes from the results file named under its table.", ""]
    for problems, runs in board.tables.items():
        lines += [f"## {heading(problems, runs)}", ""]
        if is_planbench(runs):
            lines += _planbench_table(runs)
            continue
        levels = _levels(runs)
        lines += ["| model | adapter | " + " | ".join(f"{lv} valid" for lv in levels)
                  + " | optimal | exact | single-step | n | date | bwbench |",
                  "|---|---|" + "---|" * len(levels) + "---|---|---|---|---|---|"]
        for run in runs:
            cells = [_model(run), _adapter(run)] + [_rate(run.by_level.get(lv), "valid") for lv in levels]
            cells += [_rate(run.overall, "optimal", ci=False), _rate(run.overall, "exact", ci=False),
                      _rate(run.overall, "single_step", ci=False), _n(run), run.finished[:10], run.bwbench_version]
            lines.append("| " + " | ".join(cells) + " |")
        if has_curve(runs):
            lines += [""] + _curve_table(runs, _adapter)
        lines += ["", "Results: " + ", ".join(f"`{r.file}`" for r in runs), ""]
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
PLANBENCH_INTRO = (
    "Models' answers to PlanBench's plan-generation prompts (task 1), judged by bwbench: each answer is read "
    "(in words, or in PDDL for the PDDL prompts) and simulated. Valid: every step applies and every goal fact holds "
    "at the end (PlanBench's goals are partial; the hand need not be empty). Optimal: valid and as short as the "
    "optimum (bwbench's planner). Executable: every step applies. Brackets: 95% Wilson intervals. Levels: Lk = an "
    "optimal plan of 2k steps (2k - 1 when it ends on a pick). n: problems judged, of the suite's; a run is "
    "incomplete when PlanBench's file has no answer for some problems, and one-shot runs cover instances 2-501 "
    "(instance 1 has no example before it; 501 is outside the suite). PlanBench's figure: its own count of correct "
    "answers in its results file, from its own reading of the answers (`bwbench score FILE --suite DIR --report R` "
    "lists every answer judged differently, with both readings). Every figure comes from the results file named "
    "under its table."
)


def _planbench_table(runs: list[Run]) -> list[str]:
    levels = [lv for lv in _levels(runs) if any(lv in r.by_level for r in runs)]
    lines = ["| model | prompt | valid | optimal | executable | " + " | ".join(f"{lv} valid" for lv in levels)
             + " | n | PlanBench's figure | date | bwbench |",
             "|---|---|---|---|---|" + "---|" * len(levels) + "---|---|---|---|"]
    notes = []
    for run in runs:
        cells = [_model(run), _prompt(run), _rate(run.overall, "valid"), _rate(run.overall, "optimal", ci=False),
                 _rate(run.overall, "executable", ci=False)]
        cells += [_rate(run.by_level.get(lv), "valid", ci=False) for lv in levels]
        cells += [_n(run), _planbench_figure(run), run.finished[:10], run.bwbench_version]
        lines.append("| " + " | ".join(cells) + " |")
        if run.no_response:
            notes.append(f"- {_model(run)}, {_prompt(run)}: PlanBench's file has no answer for {run.no_response} of "
                         f"the suite's problems (`{run.file}`)")
    sizes = {lv: max((r.by_level[lv].n if lv in r.by_level else 0) for r in runs) for lv in levels}
    lines += ["", "Problems per level: " + ", ".join(f"{lv} {sizes[lv]}" for lv in levels) + "."]
    if has_curve(runs):  # the same breakdown, finer and with intervals
        lines += [""] + _curve_table(runs, _prompt)
    else:
        lines += ["", "By optimal plan length (Lk: 2k steps), valid / optimal / executable, in percent:", "",
                  "| model | prompt | " + " | ".join(levels) + " |", "|---|---|" + "---|" * len(levels)]
        for run in runs:
            lines.append(f"| {_model(run)} | {_prompt(run)} | "
                         + " | ".join(_three(run.by_level.get(lv)) for lv in levels) + " |")
    if notes:
        lines += ["", "Incomplete runs:", ""] + notes
    lines += ["", "Results: " + ", ".join(f"`{r.file}`" for r in runs), ""]
    return lines


def _curve_table(runs: list[Run], second) -> list[str]:
    """The curve as a table: per model (and ``second(run)``: its prompt or adapter), valid rate with its interval
    and optimal rate at each optimal plan length; runs without ``by_length`` are named below it."""
    lengths = curve_lengths(runs)
    drawn = [r for r in runs if r.by_length is not None]
    sizes = {k: max(r.by_length[k].n for r in drawn if k in r.by_length) for k in lengths}
    column = "prompt" if second is _prompt else "adapter"
    lines = ["### Valid (and optimal) by optimal plan length", "",
             "At each optimal plan length (steps; n: the problems of that length, and a cell's own n where its run "
             "judged fewer): valid plans in percent [95% Wilson interval] / valid and optimal plans in percent.", "",
             f"| model | {column} | " + " | ".join(f"{k} (n {sizes[k]})" for k in lengths) + " |",
             "|---|---|" + "---|" * len(lengths)]
    for run in drawn:
        lines.append(f"| {_model(run)} | {second(run)} | "
                     + " | ".join(_curve_cell(run.by_length.get(k), sizes[k]) for k in lengths) + " |")
    absent = [r for r in runs if r.by_length is None]
    if absent:
        lines += ["", "Not by length (the results.json has no metrics.by_length; rescoring or re-running the eval "
                      "adds it): " + ", ".join(f"{_model(r)}, {second(r)} (`{r.file}`)" for r in absent) + "."]
    return lines


def _curve_cell(rates: Rates | None, size: int) -> str:
    """``58 [49, 67] / 40``: valid with its interval, and optimal, in whole percents; ``(n 29)`` where fewer than
    ``size`` problems of the length were judged."""
    if rates is None or rates.valid is None:
        return "–"
    text = f"{100 * rates.valid:.0f}"
    if rates.valid_ci95:
        text += " [{:.0f}, {:.0f}]".format(*(100 * x for x in rates.valid_ci95))
    text += " / " + ("–" if rates.optimal is None else f"{100 * rates.optimal:.0f}")
    return text + (f" (n {rates.n})" if rates.n != size else "")


def _image_alt(board: Board) -> str:
    curves = [has_curve(runs) for runs in board.tables.values()]
    if all(curves):
        return "Valid and optimal plans by optimal plan length, with 95% intervals"
    if any(curves):
        return "Valid plans by level, and valid and optimal plans by optimal plan length, with 95% intervals"
    return "Valid plans by level, with 95% intervals"


def _three(rates: Rates | None) -> str:
    """``61 / 40 / 63``: valid, optimal and executable rates of one level, in whole percents."""
    if not rates:
        return "–"
    values = (rates.valid, rates.optimal, rates.executable)
    return " / ".join("–" if v is None else f"{100 * v:.0f}" for v in values)


def _n(run: Run) -> str:
    """Problems judged; ``499 of 500`` where the run did not judge every problem of its table."""
    total = run.problems.n
    return str(run.n_examples) if run.n_examples == total else f"{run.n_examples} of {total}"


def _prompt(run: Run) -> str:
    if run.model in ("planner", "random"):
        return "— (" + ("optimal planner" if run.model == "planner" else "random legal actions") + ")"
    if run.prompt_label:
        return run.prompt_label.replace("|", "\\|")
    label = "one-shot" if run.template == "planbench-1shot" else "zero-shot"
    return label + (" (PDDL)" if run.pddl else "")


def _planbench_figure(run: Run) -> str:
    if run.planbench is None:
        return "—"
    correct, n = run.planbench
    return f"{100 * correct / n:.1f}% ({correct}/{n})"


def write(board: Board, out: Path, command: str, title: str, references: str | None = None,
          plot_file: Path | None = None) -> None:
    """The page and its plot, together: both are written, or neither (``BwbenchError`` naming the path refused)."""
    files: dict[Path, bytes] = {}
    image = None
    if plot_file is not None:
        if Path(plot_file).resolve() == Path(out).resolve():
            raise BwbenchError("is the page's own file (--out); choose another", "--plot")
        files[Path(plot_file)] = plot(board)
        image = os.path.relpath(Path(plot_file).resolve(), Path(out).resolve().parent).replace(os.sep, "/")
    files = {Path(out): render(board, command, title, references, image).encode("utf-8"), **files}
    write_all(files)


def _rank(run: Run, level: str):
    rates = run.overall if level == "overall" else run.by_level.get(level)
    valid = rates.valid if rates and rates.valid is not None else -1.0
    return (-valid, _model(run), run.file)


def _model(run: Run) -> str:
    """The model's name, with the settings in which its run differs from the others of its table: ``random
    (samples 20)``."""
    name = run.model + (f" ({run.differs})" if run.differs else "")
    return name.replace("|", "\\|")


def _adapter(run: Run) -> str:
    if run.rescored_from:
        return f"predictions rescored (`{Path(run.rescored_from).name}`)"
    if run.lora:
        return f"LoRA `{Path(run.lora).name}`"
    if run.model in ("planner", "random"):
        return "ceiling (optimal planner)" if run.model == "planner" else "floor (random legal actions)"
    if run.model == "bwbench-tiny":
        return "trained from scratch (shipped)"
    return "as loaded"


def _rate(rates: Rates | None, key: str, ci: bool = True) -> str:
    value = getattr(rates, key) if rates else None
    if value is None:
        return "—"
    text = f"{100 * value:.1f}%"
    if ci and key == "valid" and rates.valid_ci95:
        lo, hi = rates.valid_ci95
        text += f" [{100 * lo:.1f}, {100 * hi:.1f}]"
    return text


def _version_key(v: str):
    return tuple(int(p) if p.isdigit() else 0 for p in v.split("."))
