"""PlanBench's published results rescored on a bwbench suite: figures, agreement with PlanBench, and why they differ.

For each file (:mod:`.planbench_results` reads and matches it) this gives
bwbench's metrics on the answers (valid, optimal, executable; by level and by
block count), PlanBench's own figure, and two agreements with PlanBench's
verdicts: on PlanBench's extracted plans (same reading, bwbench's simulator:
this checks the semantics) and on the raw answers (bwbench's reader: this
checks the reading). Every raw-answer disagreement gets a :class:`Finding`: the
two readings compared step by step, and which one the answer supports.

Why they differ is :mod:`.planbench_findings`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from ..judging.judge import Judgement, judge
from ..judging.metrics import BY, Scorecard, aggregate
from ..provenance import VERSION
from ..runs import results as results_file
from ..suites.dataset import Example
from ..suites.view import load_suite as load_view
from ..tasks.plan import PLAN
from ..world.goal import level_of
from ..world.text import as_actions
from ..world.vocab import IPC
from .planbench_findings import (
    BWBENCH,
    PLANBENCH,
    UNDECIDED,
    Finding,
    Rescored,
    find,
    word,
)
from .planbench_results import (
    FORMAT,
    ONESHOT,
    Matched,
    match,
    read_extracted,
    read_results,
)


@dataclass(frozen=True)
class LoadedSuite:
    """A suite imported from PlanBench: its test examples and optimal lengths (by source), and how results name it."""

    path: str
    name: str
    sha256: str
    examples: tuple[Example, ...]
    optimal: dict[str, int]

    def describe(self) -> dict:
        return {"path": self.path, "name": self.name, "sha256": self.sha256, "split": "test", "level": None,
                "limit": None, "n": len(self.examples)}


def load_suite(path: str | Path) -> LoadedSuite:
    view = load_view(path)
    examples = tuple(t.example for t in view.items)
    optimal = {t.example.record.get("source"): t.optimal_len for t in view.items}
    return LoadedSuite(str(path), view.name, view.sha256, examples, optimal)


# --------------------------------------------------------------------------- #
# One file


@dataclass(frozen=True)
class FileScore:
    """A results file rescored on a suite."""

    matched: Matched
    suite: LoadedSuite
    rows: tuple[Rescored, ...]
    findings: tuple[tuple[Rescored, Finding], ...]  # every raw-answer disagreement
    card: Scorecard  # bwbench's metrics on the answered problems

    @property
    def file(self):
        return self.matched.file

    @property
    def judged(self) -> list[Judgement]:
        return [r.judgement for r in self.rows if r.judgement is not None]

    @property
    def no_response(self) -> list[int]:
        return [r.entry.instance_id for r in self.rows if r.judgement is None]

    @property
    def not_in_file(self) -> list[str]:
        return [ex.record["source"] for ex in self.matched.absent]

    @property
    def missing(self) -> int:
        return len(self.no_response) + len(self.matched.absent)

    @property
    def extracted_exceptions(self) -> list[Rescored]:
        """Instances where simulating PlanBench's own extracted plan does not give PlanBench's verdict."""
        return [r for r in self.rows if r.extracted is not None and r.extracted.valid != r.planbench]

    def planbench_figure(self) -> dict:
        """PlanBench's own count of correct answers: over its whole file, and over the problems bwbench judged."""
        judged = [e for e in self.file.entries if e.marked_correct is not None]
        here = [r for r in self.rows if r.judgement is not None and r.planbench is not None]
        correct, correct_here = sum(e.marked_correct for e in judged), sum(r.planbench for r in here)
        return {"verdict_key": self.file.verdict_key, "correct": correct, "n": len(judged),
                "rate": _rate(correct, len(judged)), "correct_in_suite": correct_here, "n_in_suite": len(here),
                "reader": "an LLM's translation (raw_translation)" if any(e.translated for e in self.file.entries)
                else "its extraction (extracted_llm_plan)"}

    def agreement(self) -> dict:
        compared = [r for r in self.rows if r.extracted is not None]
        ex_agree = len(compared) - len(self.extracted_exceptions)
        raw = [r for r in self.rows if r.judgement is not None and r.planbench is not None]
        right = {who: sum(f.right == who for _, f in self.findings) for who in (BWBENCH, PLANBENCH, UNDECIDED)}
        kinds: dict[str, int] = {}
        for _, f in self.findings:
            kinds[f.kind] = kinds.get(f.kind, 0) + 1
        agree = len(raw) - len(self.findings)
        return {
            "extracted": {"n": len(compared), "agree": ex_agree, "rate": _rate(ex_agree, len(compared)),
                          "exceptions": [r.entry.instance_id for r in self.extracted_exceptions]},
            "raw": {"n": len(raw), "agree": agree, "rate": _rate(agree, len(raw)), "disagree": len(self.findings),
                    "bwbench_right": right[BWBENCH], "planbench_right": right[PLANBENCH], "undecided": right[UNDECIDED],
                    "rate_adjudicated": _rate(agree + right[BWBENCH], len(raw)), "by_finding": dict(sorted(kinds.items()))},
        }

    def prompt(self) -> dict:
        """The prompt as results.json records it: PlanBench's, zero- or one-shot, in words or PDDL, and which file."""
        rf = self.file
        return {"template": "planbench-1shot" if rf.prompt_type == ONESHOT else "planbench",
                "shots": int(rf.prompt_type == ONESHOT), "shots_seed": 0, "shots_from": None, "pddl": rf.pddl,
                "label": rf.prompt_label, "planbench_file": rf.name}

    def missing_json(self) -> dict:
        return {"count": self.missing, "no_response": self.no_response, "not_in_file": self.not_in_file}

    def to_json(self) -> dict:
        """What ``bwbench score --json`` prints for this file."""
        rf = self.file
        return {
            "file": rf.path, "format": FORMAT, "engine": rf.engine, "domain": rf.domain, "prompt": self.prompt(),
            "suite": {"path": self.suite.path, "name": self.suite.name, "sha256": self.suite.sha256,
                      "n": len(self.suite.examples)},
            "n": len(self.judged), "missing": self.missing_json(),
            "outside_suite": [e.instance_id for e in self.matched.outside],
            "empty_responses": [r.entry.instance_id for r in self.rows if r.entry.response == ""],
            "queries": {"exact": self.matched.exact, "statement_only": self.matched.statement_only},
            **self.card.to_json(correct=PLAN.primary),
            "planbench": self.planbench_figure(), "agreement": self.agreement(),
        }

    def results(self, model: str | None = None) -> dict:
        """A results object for the leaderboard (as :func:`bwbench.runs.finish.rescored_results` makes for other
        predictions), with PlanBench's own figure and the agreement beside bwbench's."""
        rf, agreement = self.file, self.agreement()
        identity = {"task": PLAN.name, "protocol": "single", "model": model or rf.engine, "model_options": None,
                    "prompt": self.prompt(), "generation": None}
        extra = {"missing": self.missing_json(), "planbench": self.planbench_figure(),
                 "agreement": {"extracted": {k: v for k, v in agreement["extracted"].items() if k != "exceptions"},
                               "raw": agreement["raw"]}}
        return results_file.build(
            identity, suite=self.suite.describe(), model_settings=None, metrics=self.card.to_json(correct=PLAN.primary),
            n_examples=len(self.judged), n_predictions=len(self.judged),
            complete=self.missing == 0, failed={},
            rescored={"from": rf.path, "format": FORMAT, "sha256": rf.sha256, "engine": rf.engine}, extra=extra)


def _rate(k: int, n: int) -> float | None:
    return round(k / n, 6) if n else None


def score_file(path: str | Path, suite: LoadedSuite) -> FileScore:
    """Read, match, judge and compare one results file; ``BwbenchError`` when it is not one of ``suite``'s."""
    matched = match(read_results(path), suite.examples, suite.path)
    rows = []
    for e, ex in matched.pairs:
        opt = suite.optimal[ex.record["source"]]
        j = None if e.response is None else judge(ex.init, ex.goal, e.response, None, opt, ex.vocab)
        reading = None if e.extracted is None or e.marked_correct is None else read_extracted(e.extracted, ex)
        rows.append(Rescored(e, ex, opt, j, reading))
    findings = tuple((r, find(r)) for r in rows if r.disagrees)
    card = aggregate([r.judgement for r in rows if r.judgement is not None], by=BY)
    return FileScore(matched, suite, tuple(rows), findings, card)


def outputs(scores: Sequence[FileScore], results_path: Path | None, results_dir: Path | None, report: Path | None,
            model: str | None = None) -> dict[Path, bytes]:
    """What ``bwbench score`` writes for PlanBench files: a results.json (one file) or one per file, and the report."""
    out: dict[Path, bytes] = {}
    if results_path is not None:
        out[results_path] = results_file.to_bytes(scores[0].results(model))
    for s in scores if results_dir is not None else ():
        out[results_dir / f"{s.suite.name}-{s.file.slug}" / results_file.NAME] = results_file.to_bytes(s.results())
    if report is not None:
        out[report] = "\n\n".join(render_report(s) for s in scores).encode("utf-8")
    return out


def score_files(paths: Sequence[str | Path], suite: str | Path,
                progress: Callable[[Path], None] | None = None) -> list[FileScore]:
    """Every file rescored on one suite, in order; the first file that is not the suite's raises ``BwbenchError``."""
    loaded = load_suite(suite)
    out = []
    for p in paths:
        out.append(score_file(p, loaded))
        if progress is not None:
            progress(Path(p))
    return out


# --------------------------------------------------------------------------- #
# The report


def render_report(score: FileScore) -> str:
    """The human-readable rescoring of one file: figures, agreement, every disagreement with both readings."""
    from ..judging.report import summary_line

    rf, m = score.file, score.matched
    agreement, figure = score.agreement(), score.planbench_figure()
    lines = [
        f"bwbench {VERSION}: a PlanBench results file rescored",
        f"file: {rf.path} ({FORMAT}: {rf.engine}, {rf.prompt_label}, {rf.domain}; sha256 {rf.sha256[:16]})",
        f"suite: {score.suite.name} ({score.suite.path}, sha256 {score.suite.sha256[:16]}): {len(score.suite.examples)} "
        f"problems; {len(score.judged)} answered, {len(score.no_response)} without an answer, "
        f"{len(m.absent)} not in the file; {len(m.outside)} instances outside the suite",
        f"queries: {m.exact} are bwbench's rendering byte for byte"
        + (f", {m.statement_only} match in their [STATEMENT] part only (the rules worded otherwise)"
           if m.statement_only else ""),
        "",
        "bwbench, on the answers: " + summary_line(score.card.overall),
    ]
    for by, groups in score.card.groups.items():
        lines += [f"{by} {key}: " + summary_line(s) for key, s in groups.items()]
    raw, ext = agreement["raw"], agreement["extracted"]
    lines += [
        "",
        f"PlanBench's own verdicts ({figure['verdict_key']}, read by {figure['reader']}): {figure['correct']} of "
        f"{figure['n']} correct ({_pct(figure['rate'])}); on the {figure['n_in_suite']} problems bwbench judged: "
        f"{figure['correct_in_suite']}",
        f"PlanBench's extracted plans simulated by bwbench: the verdict agrees with PlanBench's on {ext['agree']} of "
        f"{ext['n']} ({_pct(ext['rate'])})",
        f"the answers read by bwbench: the verdict agrees with PlanBench's on {raw['agree']} of {raw['n']} "
        f"({_pct(raw['rate'])}); of the {raw['disagree']} disagreements the answer supports bwbench's reading in "
        f"{raw['bwbench_right']}, PlanBench's in {raw['planbench_right']}, undecided {raw['undecided']} "
        f"({_pct(raw['rate_adjudicated'])} counting each for the reading the answer supports)",
    ]
    lines += _section(f"EXTRACTED PLANS WHOSE SIMULATION DISAGREES WITH PLANBENCH'S VERDICT: {len(score.extracted_exceptions)}")
    for r in score.extracted_exceptions:
        lines += ["", f"[instance {r.entry.instance_id}] PlanBench: {word(r.planbench)}; simulation: {r.extracted.describe()}",
                  "  extracted: " + " ".join(r.entry.extracted or ())]
    lines += _section(f"DISAGREEMENTS ON THE ANSWERS: {len(score.findings)}")
    for r, f in score.findings:
        j, vocab = r.judgement, r.example.vocab
        ours = " ".join((vocab or IPC).write_action(a) for a in as_actions(r.example.init, j.plan)) or "(no steps)"
        theirs = " ".join((vocab or IPC).write_action(a) for a in r.extracted.plan) if r.extracted and r.extracted.plan is not None \
            else " ".join(r.entry.extracted or ()) or "(nothing)"
        lines += ["", f"[instance {r.entry.instance_id}] L{level_of(r.optimal_len)}, {len(r.example.init.blocks)} blocks: "
                      f"PlanBench {word(r.planbench)}, bwbench {j.status.value}",
                  f"  bwbench read:   {ours}  → {'valid' if j.valid else j.reason or j.status.value}",
                  f"  PlanBench read: {theirs}  → {r.extracted.describe() if r.extracted else 'not judged'}",
                  f"  right: {f.right} ({f.kind}): {f.why}",
                  f"  answer: {_one_line(r.entry.response or '')}"]
    lines += _section("MISSING, OUTSIDE THE SUITE, EMPTY")
    lines.append("no answer: " + (", ".join(map(str, score.no_response)) or "none"))
    lines.append("not in the file: " + (", ".join(score.not_in_file) or "none")
                 + (" (PlanBench's one-shot runs start at the second instance: the first has no example before it)"
                    if rf.prompt_type == ONESHOT and score.not_in_file else ""))
    lines.append("outside the suite: " + (", ".join(str(e.instance_id) for e in m.outside) or "none"))
    empty = [str(r.entry.instance_id) for r in score.rows if r.entry.response == ""]
    lines.append("empty answers (judged as empty): " + (", ".join(empty) or "none"))
    return "\n".join(lines) + "\n"


def _section(title: str) -> list[str]:
    return ["", "=" * 78, title, "=" * 78]


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{100 * rate:.1f}%"


def _one_line(text: str, limit: int = 600) -> str:
    flat = " | ".join(ln.strip() for ln in text.strip().splitlines() if ln.strip())
    flat = "".join(c if c.isprintable() else "?" for c in flat)
    return flat if len(flat) <= limit else flat[:limit] + f" … ({len(text):,} characters)"
