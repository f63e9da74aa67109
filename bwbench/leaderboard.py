"""Leaderboards from eval results: one markdown table per suite, every figure taken from a results.json.

Results are grouped by the suite's sha256, so runs on different suites never
share a table. Within a suite, only runs of one bwbench version are compared
(the newest present), and a run repeated with the same model, prompt and
generation settings counts once (the latest). Everything left out is reported
with the reason. Numbers from the literature are never table rows: they sit
in their own section, marked as reported, with their source. The output
depends only on the inputs, so the same results give a byte-identical file.

Tables of runs with PlanBench's prompts (rescored PlanBench results files, and
bwbench's own runs with ``--template planbench``) have their own columns: the
prompt (zero- or one-shot, words or PDDL), valid, optimal and executable, valid
by level up to the longest measured, n out of the suite's problems, and
PlanBench's own figure beside bwbench's. A rescored published run cannot be
resumed, so an incomplete one is shown, marked, rather than left out.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BwbenchError
from .fileio import atomic_write

# Reported, not measured here: complete-plan success on the paper's L3 test (Men et al., EMNLP 2024).
REFERENCES = {
    "paper": [
        ("Llama-2-7b-chat, full fine-tune", "61%", "Men et al., EMNLP 2024 (L3, complete-plan success)"),
        ("Vicuna-7B, full fine-tune", "63%", "Men et al., EMNLP 2024 (L3, complete-plan success)"),
    ],
}
REQUIRED = ("model", "suite", "bwbench_version", "metrics", "finished", "n_examples")


@dataclass
class Run:
    file: str
    data: dict

    @property
    def suite_sha(self) -> str:
        return self.data["suite"]["sha256"]

    @property
    def identity(self) -> str:
        d = self.data
        return json.dumps([d["model"], d.get("adapter", {}).get("lora"), d.get("prompt"), d.get("generation"),
                           d["suite"].get("split"), d["suite"].get("level"), d["suite"].get("limit")], sort_keys=True)


@dataclass
class Board:
    tables: dict[str, list[Run]] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def collect(files: list[Path]) -> Board:
    """Read results files and decide what goes in which table, and what is skipped and why."""
    board = Board()
    runs: list[Run] = []
    for f in files:
        try:
            data = json.loads(Path(f).read_text())
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            board.skipped.append((str(f), f"not a readable results.json ({type(exc).__name__})"))
            continue
        missing = [k for k in REQUIRED if not isinstance(data, dict) or k not in data]
        if not missing and not (isinstance(data["suite"], dict) and data["suite"].get("sha256")):
            missing = ["suite.sha256"]
        if missing:
            board.skipped.append((str(f), f"missing {', '.join(missing)}"))
            continue
        if not data.get("complete", True) and not _rescored(data):
            board.skipped.append((str(f), "the run is not complete (resume it with the same bwbench eval command)"))
            continue
        runs.append(Run(str(f), data))
    by_suite: dict[str, list[Run]] = {}
    for run in runs:
        by_suite.setdefault(run.suite_sha, []).append(run)
    for sha, group in sorted(by_suite.items()):
        newest = max((r.data["bwbench_version"] for r in group), key=_version_key)
        kept: dict[str, Run] = {}
        for run in sorted(group, key=lambda r: (r.data["finished"], r.file)):
            if run.data["bwbench_version"] != newest:
                board.skipped.append((run.file, f"bwbench {run.data['bwbench_version']}; this table compares "
                                                 f"bwbench {newest} runs only"))
                continue
            if run.identity in kept:
                board.skipped.append((kept[run.identity].file, f"a duplicate of the later run {run.file}"))
            kept[run.identity] = run
        measured = [lv for lv in _levels(list(kept.values()))
                    if any(lv in r.data["metrics"].get("by_level", {}) for r in kept.values())]
        ranked_by = "L3" if "L3" in measured or not measured else measured[-1]
        if is_planbench(list(kept.values())):
            ranked_by = "overall"  # PlanBench's suites mix levels L1-L8 as PlanBench drew them: rank by the whole
        board.tables[sha] = sorted(kept.values(), key=lambda r: _rank(r, ranked_by))
    return board


def is_planbench(runs: list[Run]) -> bool:
    """A table of runs all with PlanBench's prompts (rescored PlanBench files or ``--template planbench`` runs)."""
    return all(str((r.data.get("prompt") or {}).get("template", "")).startswith("planbench") for r in runs)


def _rescored(d: dict) -> bool:
    return bool((d.get("adapter") or {}).get("rescored_from"))


def _levels(runs: list[Run]) -> list[str]:
    """L1-L3 always, and any higher level a run was measured on (L0, already solved problems, is left out)."""
    seen = {k for r in runs for k in r.data["metrics"].get("by_level", {}) if k.startswith("L") and k[1:].isdigit()}
    return sorted({"L1", "L2", "L3"} | {k for k in seen if int(k[1:]) > 3}, key=lambda k: int(k[1:]))


def plot(board: Board) -> bytes:
    """Valid rate by level for each model, with 95% intervals, one panel per suite: PNG bytes (no timestamp)."""
    import io

    try:
        import matplotlib
    except ImportError:
        raise BwbenchError("the plot needs matplotlib: pip install 'bwbench[plot]'", "--plot") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(board.tables), 1, figsize=(10, 3.2 * len(board.tables)), squeeze=False)
    for ax, (sha, runs) in zip(axes[:, 0], board.tables.items()):
        width = 0.8 / max(1, len(runs))
        levels = _levels(runs)
        for i, run in enumerate(runs):
            xs, ys, lo, hi = [], [], [], []
            for k, lv in enumerate(levels, 1):
                d = run.data["metrics"].get("by_level", {}).get(lv)
                if d and d.get("valid") is not None:
                    a, b = d["ci95"]["valid"]
                    xs.append(k + (i - (len(runs) - 1) / 2) * width)
                    ys.append(100 * d["valid"])
                    lo.append(100 * (d["valid"] - a))
                    hi.append(100 * (b - d["valid"]))
            ax.bar(xs, ys, width, yerr=[lo, hi], capsize=3, label=_model(run.data))
        ax.set_xticks(range(1, len(levels) + 1), levels)
        ax.set_ylim(0, 105)
        ax.set_ylabel("valid plans (%)")
        ax.set_title(f"{runs[0].data['suite'].get('name', '?')} ({sha[:16]})", fontsize=10)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def render(board: Board, command: str, title: str, references: str | None = None, image: str | None = None) -> str:
    lines = [f"<!-- regenerate: {command} -->", f"# {title}", ""]
    if board.tables and all(is_planbench(runs) for runs in board.tables.values()):
        lines += [PLANBENCH_INTRO, ""]
    else:
        lines += ["Valid: the plan reaches the goal when simulated. Optimal: valid and as short as the optimum. "
                  "Exact: the gold plan's text. Brackets: 95% Wilson intervals. Levels are true levels (optimal "
                  "plan length). Every figure comes from the results file named under its table.", ""]
    for sha, runs in board.tables.items():
        suite = runs[0].data["suite"]
        lines += [f"## {suite.get('name', '?')} (suite sha256 `{sha[:16]}`)", ""]
        if is_planbench(runs):
            lines += _planbench_table(runs)
            continue
        levels = _levels(runs)
        lines += ["| model | adapter | " + " | ".join(f"{lv} valid" for lv in levels)
                  + " | optimal | exact | single-step | n | date | bwbench |",
                  "|---|---|" + "---|" * len(levels) + "---|---|---|---|---|---|"]
        for run in runs:
            d, m = run.data, run.data["metrics"]
            overall = m.get("overall", {})
            cells = [_model(d), _adapter(d)] + [_rate(m.get("by_level", {}).get(lv), "valid") for lv in levels]
            cells += [_rate(overall, "optimal", ci=False), _rate(overall, "exact", ci=False),
                      _rate(overall, "single_step", ci=False), str(d["n_examples"]), d["finished"][:10], d["bwbench_version"]]
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", "Results: " + ", ".join(f"`{r.file}`" for r in runs), ""]
    if image:
        lines += [f"![Valid plans by level, with 95% intervals]({image})", ""]
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
    levels = [lv for lv in _levels(runs) if any(lv in r.data["metrics"].get("by_level", {}) for r in runs)]
    lines = ["| model | prompt | valid | optimal | executable | " + " | ".join(f"{lv} valid" for lv in levels)
             + " | n | PlanBench's figure | date | bwbench |",
             "|---|---|---|---|---|" + "---|" * len(levels) + "---|---|---|---|"]
    notes = []
    for run in runs:
        d, m = run.data, run.data["metrics"]
        overall = m.get("overall", {})
        cells = [_model(d), _prompt(d), _rate(overall, "valid"), _rate(overall, "optimal", ci=False),
                 _rate(overall, "executable", ci=False)]
        cells += [_rate(m.get("by_level", {}).get(lv), "valid", ci=False) for lv in levels]
        total = d["suite"].get("n")
        n = str(d["n_examples"]) if total in (None, d["n_examples"]) else f"{d['n_examples']} of {total}"
        cells += [n, _planbench_figure(d), d["finished"][:10], d["bwbench_version"]]
        lines.append("| " + " | ".join(cells) + " |")
        lacking = len((d.get("missing") or {}).get("no_response") or [])
        if lacking:
            notes.append(f"- {_model(d)}, {_prompt(d)}: PlanBench's file has no answer for {lacking} of the "
                         f"suite's problems (`{run.file}`)")
    sizes = {}
    for run in runs:
        for lv in levels:
            n = (run.data["metrics"].get("by_level", {}).get(lv) or {}).get("n", 0)
            sizes[lv] = max(sizes.get(lv, 0), n)
    lines += ["", "Problems per level: " + ", ".join(f"{lv} {sizes[lv]}" for lv in levels) + "."]
    lines += ["", "By optimal plan length (Lk: 2k steps), valid / optimal / executable, in percent:", "",
              "| model | prompt | " + " | ".join(levels) + " |", "|---|---|" + "---|" * len(levels)]
    for run in runs:
        by_level = run.data["metrics"].get("by_level", {})
        lines.append(f"| {_model(run.data)} | {_prompt(run.data)} | "
                     + " | ".join(_three(by_level.get(lv)) for lv in levels) + " |")
    if notes:
        lines += ["", "Incomplete runs:", ""] + notes
    lines += ["", "Results: " + ", ".join(f"`{r.file}`" for r in runs), ""]
    return lines


def _three(m: dict | None) -> str:
    """``61 / 40 / 63``: valid, optimal and executable rates of one level, in whole percents."""
    if not m:
        return "–"
    return " / ".join("–" if m.get(k) is None else f"{100 * m[k]:.0f}" for k in ("valid", "optimal", "executable"))


def _prompt(d: dict) -> str:
    p = d.get("prompt") or {}
    if d["model"] in ("planner", "random"):
        return "— (" + ("optimal planner" if d["model"] == "planner" else "random legal actions") + ")"
    if p.get("label"):
        return str(p["label"]).replace("|", "\\|")
    label = "one-shot" if p.get("template") == "planbench-1shot" else "zero-shot"
    return label + (" (PDDL)" if p.get("pddl") else "")


def _planbench_figure(d: dict) -> str:
    pb = d.get("planbench")
    if not pb or not pb.get("n"):
        return "—"
    return f"{100 * pb['correct'] / pb['n']:.1f}% ({pb['correct']}/{pb['n']})"


def write(board: Board, out: Path, command: str, title: str, references: str | None = None,
          plot_file: Path | None = None) -> None:
    """The page (and its plot, written first), each atomically."""
    image = None
    if plot_file is not None:
        atomic_write(plot_file, plot(board))
        image = os.path.relpath(plot_file.resolve(), out.resolve().parent).replace(os.sep, "/")
    atomic_write(out, render(board, command, title, references, image).encode("utf-8"))


def _rank(run: Run, level: str):
    m = run.data["metrics"]
    d = m.get("overall") if level == "overall" else m.get("by_level", {}).get(level)
    return (-(d["valid"] if d else -1.0), _model(run.data), run.file)


def _model(d: dict) -> str:
    return str(d["model"]).replace("|", "\\|")


def _adapter(d: dict) -> str:
    a = d.get("adapter") or {}
    if a.get("rescored_from"):
        return f"predictions rescored (`{Path(str(a['rescored_from'])).name}`)"
    if a.get("lora"):
        return f"LoRA `{Path(str(a['lora'])).name}`"
    if d["model"] in ("planner", "random"):
        return "ceiling (optimal planner)" if d["model"] == "planner" else "floor (random legal actions)"
    if d["model"] == "bwbench-tiny":
        return "trained from scratch (shipped)"
    return "as loaded"


def _rate(d: dict | None, key: str, ci: bool = True) -> str:
    if not d or d.get(key) is None:
        return "—"
    text = f"{100 * d[key]:.1f}%"
    if ci and d.get("ci95", {}).get(key):
        lo, hi = d["ci95"][key]
        text += f" [{100 * lo:.1f}, {100 * hi:.1f}]"
    return text


def _version_key(v: str):
    return tuple(int(p) if p.isdigit() else 0 for p in v.split("."))
