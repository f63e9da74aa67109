"""PlanBench's published results rescored on a bwbench suite: figures, agreement with PlanBench, and why they differ.

For each file (:mod:`.planbench_results` reads and matches it) this gives
bwbench's metrics on the answers (valid, optimal, executable; by level and by
block count), PlanBench's own figure, and two agreements with PlanBench's
verdicts: on PlanBench's extracted plans (same reading, bwbench's simulator:
this checks the semantics) and on the raw answers (bwbench's reader: this
checks the reading). Every raw-answer disagreement gets a :class:`Finding`: the
two readings compared step by step, and which one the answer supports.

The rules of :func:`find`, in order, each decided by simulating both readings
and looking at the answer's text (bwbench's reading is "ours", PlanBench's "theirs"):

* theirs is not a plan VAL can read, or is empty, and ours is valid: PlanBench's
  "incorrect" is about its extraction (often an LLM's translation), not the answer;
* both are the same plan: the simulation's verdict stands (PlanBench's did not
  come from this plan; see the extracted-plan exceptions);
* the answer goes on past its plan into a ``[STATEMENT]`` of its own (a new
  problem), and ours is the plan before it: ours stands;
* the answer numbers several lists of steps and theirs is another list than
  ours: when each list is introduced as replacing the one before ("let me redo
  the plan", "the optimized plan") or as the plan after a walk-through
  ("**Plan of Actions:**"), the last list is the answer's plan;
  otherwise (alternatives offered) undecided, with both readings shown;
* ours is valid and theirs uses only its steps: PlanBench read the answer's
  steps again (a restated plan, a step and its explanation) or skipped some
  (lines its reader does not take: markdown, a third block named on the line);
* theirs is valid and lacks steps of ours: the answer has them, and with them it fails;
* theirs is ours written with names that are not the problem's objects (``object_b``);
* theirs fails at a step that ours lacks and that no line of the answer words
  (PlanBench took it from an explanation): ours stands;
* ours stops (an unreadable line, a step corrected in passing) where theirs
  goes on to a valid plan: PlanBench's stands;
* anything else is undecided, with both readings shown.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from .. import __version__
from ..world.goal import level_of
from ..judging.judge import Judgement, judge
from ..judging.parse import takes_back
from ..suites.dataset import Example
from ..judging.metrics import BY, Scorecard, aggregate
from ..world.state import Action
from ..world.text import as_actions
from ..world.vocab import IPC, Vocabulary
from ..tasks import planbench_words as pp
from .planbench_results import FORMAT, ONESHOT, Entry, ExtractedReading, Matched, match, \
    read_extracted, read_results

BWBENCH, PLANBENCH, UNDECIDED = "bwbench", "planbench", "undecided"


@dataclass(frozen=True, slots=True)
class Rescored:
    """One instance in the suite: bwbench's verdict on the answer, and PlanBench's reading and verdict."""

    entry: Entry
    example: Example
    optimal_len: int
    judgement: Judgement | None  # None when the run has no answer
    extracted: ExtractedReading | None  # None when PlanBench extracted or judged nothing

    @property
    def planbench(self) -> bool | None:
        return self.entry.verdict

    @property
    def disagrees(self) -> bool:
        return self.judgement is not None and self.planbench is not None and self.judgement.valid != self.planbench


@dataclass(frozen=True, slots=True)
class Finding:
    """Why bwbench's and PlanBench's verdicts on one answer differ, and which reading the answer supports."""

    kind: str
    right: str  # BWBENCH, PLANBENCH or UNDECIDED
    why: str


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
    from ..runs.runner import load_suite as load

    view = load(path)
    examples = tuple(t.example for t in view.tasks)
    optimal = {t.example.record.get("source"): t.optimal_len for t in view.tasks}
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
        judged = [e for e in self.file.entries if e.verdict is not None]
        here = [r for r in self.rows if r.judgement is not None and r.planbench is not None]
        correct, correct_here = sum(e.verdict for e in judged), sum(r.planbench for r in here)
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
            **self.card.to_json(),
            "planbench": self.planbench_figure(), "agreement": self.agreement(),
        }

    def results(self, model: str | None = None) -> dict:
        """A results.json for the leaderboard (as :func:`..evaluate.rescored_results` writes for other predictions)."""
        from ..runs.runner import git_sha

        rf, agreement = self.file, self.agreement()
        return {
            "model": model or rf.engine, "model_options": None, "prompt": self.prompt(), "generation": None,
            "suite": self.suite.describe(),
            "adapter": {"rescored_from": rf.path, "format": FORMAT, "sha256": rf.sha256, "engine": rf.engine},
            "bwbench_version": __version__, "git_sha": git_sha(),
            "n_examples": len(self.judged), "n_predictions": len(self.judged), "complete": self.missing == 0,
            "missing": self.missing_json(), "failed_examples": {},
            "metrics": self.card.to_json(), "pass_at_k": None, "timing": None,
            "planbench": self.planbench_figure(),
            "agreement": {"extracted": {k: v for k, v in agreement["extracted"].items() if k != "exceptions"},
                          "raw": agreement["raw"]},
            "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }


def _rate(k: int, n: int) -> float | None:
    return round(k / n, 6) if n else None


def score_file(path: str | Path, suite: LoadedSuite) -> FileScore:
    """Read, match, judge and compare one results file; ``BwbenchError`` when it is not one of ``suite``'s."""
    matched = match(read_results(path), suite.examples, suite.path)
    rows = []
    for e, ex in matched.pairs:
        opt = suite.optimal[ex.record["source"]]
        j = None if e.response is None else judge(ex.init, ex.goal, e.response, None, opt, ex.vocab)
        reading = None if e.extracted is None or e.verdict is None else read_extracted(e.extracted, ex)
        rows.append(Rescored(e, ex, opt, j, reading))
    findings = tuple((r, find(r)) for r in rows if r.disagrees)
    card = aggregate([r.judgement for r in rows if r.judgement is not None], by=BY)
    return FileScore(matched, suite, tuple(rows), findings, card)


def outputs(scores: Sequence[FileScore], results_file: Path | None, results_dir: Path | None, report: Path | None,
            model: str | None = None) -> dict[Path, bytes]:
    """What ``bwbench score`` writes for PlanBench files: a results.json (one file) or one per file, and the report."""
    out: dict[Path, bytes] = {}
    if results_file is not None:
        out[results_file] = (json.dumps(scores[0].results(model), indent=2) + "\n").encode()
    for s in scores if results_dir is not None else ():
        out[results_dir / f"{s.suite.name}-{s.file.slug}" / "results.json"] = (json.dumps(s.results(), indent=2) + "\n").encode()
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
# Why the verdicts differ


def find(row: Rescored) -> Finding:
    """Compare bwbench's and PlanBench's readings of an answer whose verdicts differ (see the module's rules)."""
    j, reading, ex = row.judgement, row.extracted, row.example
    reader = "PlanBench's extraction" + (" (an LLM's translation)" if row.entry.translated else "")
    if reading is None:
        return Finding("no_extraction", UNDECIDED, "PlanBench extracted no plan")
    if reading.plan is None:
        if j.valid:
            return Finding("planbench_unreadable", BWBENCH,
                           f"{reader} gave no plan VAL can read ({reading.problem}), so PlanBench counted it incorrect; "
                           f"the answer's plan, as bwbench reads it, is valid")
        return Finding("planbench_unreadable", UNDECIDED, f"{reader} gave no plan VAL can read ({reading.problem})")
    ours, theirs = list(as_actions(ex.init, j.plan)), list(reading.plan)
    vocab = ex.vocab
    if ours == theirs:
        return Finding("same_reading", BWBENCH,
                       f"both read the same plan, which simulation finds {reading.describe()}; PlanBench's verdict "
                       f"({_word(row.planbench)}) does not follow from it")
    if not theirs and j.valid:
        return Finding("planbench_empty", BWBENCH,
                       f"{reader} gave an empty plan for an answer whose {len(ours)} steps bwbench reads as a valid plan")
    text = row.entry.response or ""
    if "[STATEMENT]" in text and ours != theirs:
        before = judge(ex.init, ex.goal, text[:text.index("[STATEMENT]")], None, row.optimal_len, ex.vocab)
        if list(as_actions(ex.init, before.plan)) == ours:
            return Finding("invented_statement", BWBENCH,
                           f"the answer goes on past its plan into a [STATEMENT] of its own (a new problem); bwbench "
                           f"reads the plan before it, {reader} a plan from further on ({reading.describe()})")
    several = _several(answer_lists(row), ours, theirs)
    if several is not None:
        return several
    if j.valid and not row.planbench and set(theirs) <= set(ours):
        if len(theirs) > len(ours) and theirs[:len(ours)] == ours:
            return Finding("planbench_restated", BWBENCH,
                           f"{reader} read the answer's {len(ours)} steps and then {len(theirs) - len(ours)} more that "
                           f"repeat them (the answer restates its plan); with the repeat the plan fails: "
                           f"{reading.describe()}")
        if len(theirs) < len(ours) and _subsequence(theirs, ours):
            dropped = _dropped(theirs, ours)
            return Finding("planbench_dropped", BWBENCH,
                           f"{reader} skipped {_steps(dropped, ours, vocab)} of the answer{_quote(dropped, ours, row)}; "
                           f"without {'it' if len(dropped) == 1 else 'them'} the plan fails: {reading.describe()}")
        return Finding("planbench_repeats", BWBENCH,
                       f"{reader} read the answer's steps again where they recur in the text (a step and its "
                       f"explanation, a summary): {len(theirs)} steps for the answer's {len(ours)}, which fail: "
                       f"{reading.describe()}")
    if j.valid and not row.planbench and len(theirs) > len(ours) and _subsequence(ours, theirs) and \
            takes_back(row.entry.response or ""):
        extra = _dropped(ours, theirs)
        return Finding("planbench_retracted", BWBENCH,
                       f"{reader} kept {_steps(extra, theirs, vocab)}, which the answer takes back on its own line "
                       f"(\"... is not possible, so ...\"); with {'it' if len(extra) == 1 else 'them'} the plan fails: "
                       f"{reading.describe()}; without, bwbench's reading is valid")
    if row.planbench and not j.valid and len(theirs) < len(ours) and _subsequence(theirs, ours):
        dropped = _dropped(theirs, ours)
        return Finding("planbench_dropped_failing", BWBENCH,
                       f"{reader} skipped {_steps(dropped, ours, vocab)} of the answer{_quote(dropped, ours, row)}; "
                       f"with {'it' if len(dropped) == 1 else 'them'} the plan fails: {j.reason or j.status.value}")
    strangers = sorted({b for a in theirs for b in (a.block, a.target) if b and b not in ex.init.blocks})
    if j.valid and strangers and _renamed(theirs) == ours:
        return Finding("planbench_names", BWBENCH,
                       f"{reader} wrote the answer's plan with names that are not the problem's objects "
                       f"({', '.join(strangers)}), so VAL rejects it; with the problem's names it is bwbench's "
                       f"reading, which is valid")
    if j.valid and not row.planbench and reading.verdict.failed_step is not None:
        k = reading.verdict.failed_step
        if theirs[k] not in ours and not _quote([k], theirs, row):
            return Finding("planbench_misread", BWBENCH,
                           f"step {k + 1} {(vocab or IPC).write_action(theirs[k])} of {reader}, where its plan fails, is not a "
                           f"step of the answer: no line of the answer words it (it was taken from a line that names "
                           f"the blocks in another role, such as an explanation); bwbench's reading is valid")
    if row.planbench and not j.valid and len(ours) < len(theirs) and theirs[:len(ours)] == ours:
        return Finding("bwbench_stopped", PLANBENCH,
                       f"bwbench's reading ends after {len(ours)} steps ({j.status.value}: {j.reason}); PlanBench read "
                       f"on to a valid plan of {len(theirs)} steps")
    return Finding("different_readings", UNDECIDED,
                   f"the readings differ in more than dropped or repeated steps: bwbench's is "
                   f"{'valid' if j.valid else j.reason or j.status.value}, PlanBench's {reading.describe()}")


_NUMBERED = re.compile(r"^\s*(?:[-*•>#]+\s*)*(?:\*\*)?\s*(?:step\s*)?(\d{1,3})\s*[.):]", re.IGNORECASE)
# Words with which an answer replaces the plan it has just given by the next one.
_REPLACES = re.compile(r"\b(?:redo|re-do|not correct|incorrect|can't be correct|cannot be correct|mistake|wrong|wait|"
                       r"instead|revise[ds]?|corrected|correct (?:plan|sequence|one)|let me|actually|optimi[sz]ed|"
                       r"improved|final)\b", re.IGNORECASE)

# ... or a heading that names what follows as the plan ("**Plan of Actions:**", "[PLAN]") after a walk-through.
_PLAN_HEADER = re.compile(r"(?:^|\n)[#*\s\[]*(?:final |complete |the )?plan\b[^\n]{0,20}[:\]]\W*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class AnswerList:
    """One numbered list of steps in an answer, read by bwbench, and the text that leads to it from the list before."""

    plan: tuple[Action, ...]
    lead: str


def answer_lists(row: Rescored) -> list[AnswerList]:
    """The answer's numbered lists of steps (a new list where the numbering starts again), each read by bwbench."""
    chunks: list[list[str]] = []
    leads: list[list[str]] = [[]]
    last = None
    for line in (row.entry.response or "").splitlines():
        m = _NUMBERED.match(line)
        if m is not None:
            number = int(m.group(1))
            if last is None or number <= last:
                chunks.append([])
                leads.append([])
            last = number
            chunks[-1].append(line)
        elif chunks:
            chunks[-1].append(line)  # the list's own explanations, or what leads to the next list
            leads[-1].append(line)
    ex, out = row.example, []
    for i, chunk in enumerate(chunks):
        j = judge(ex.init, ex.goal, "\n".join(chunk), None, row.optimal_len, ex.vocab)
        out.append(AnswerList(tuple(as_actions(ex.init, j.plan)), "\n".join(leads[i]) if i else ""))
    return out


def _several(lists: list[AnswerList], ours: list[Action], theirs: list[Action]) -> Finding | None:
    plans = [list(x.plan) for x in lists]
    if len(plans) < 2 or theirs not in plans or ours == theirs:
        return None
    where = f"list {plans.index(theirs) + 1} of {len(plans)}" + (
        f", bwbench's list {plans.index(ours) + 1}" if ours in plans else "")
    cues = [_REPLACES.search(x.lead) or _PLAN_HEADER.search(x.lead) for x in lists[1:]]
    if all(cues) and plans[-1] in (ours, theirs):
        who = PLANBENCH if plans[-1] == theirs else BWBENCH
        said = cues[-1].group(0)
        return Finding("several_plans", who,
                       f"the answer gives {len(plans)} numbered lists, each replacing the one before (\"{said}\" before "
                       f"the last); PlanBench's reading is {where}: the last list, {'its' if who == PLANBENCH else 'our'} "
                       f"reading, is the answer's plan")
    return Finding("several_plans", UNDECIDED,
                   f"the answer gives {len(plans)} numbered lists of steps (a plan redone, improved or offered again); "
                   f"PlanBench's reading is {where}; which one the answer means is for a reader to say")


_PREFIX = re.compile(r"^(?:object|obj)[_-]?")


def _renamed(plan: Sequence[Action]) -> list[Action]:
    """``(feast object_a object_b)`` → ``(feast a b)``: objects written as their words, back to the problem's names."""
    def name(b: str | None) -> str | None:
        return None if b is None else _PREFIX.sub("", b)
    return [Action(a.op, name(a.block), name(a.target)) for a in plan]


def _word(verdict: bool | None) -> str:
    return "correct" if verdict else "incorrect"


def _subsequence(short: Sequence, long: Sequence) -> bool:
    it = iter(long)
    return all(x in it for x in short)


def _dropped(short: Sequence, long: Sequence) -> list[int]:
    """Indices of ``long`` left out of the subsequence ``short`` (matched greedily from the start)."""
    out, k = [], 0
    for i, x in enumerate(long):
        if k < len(short) and short[k] == x:
            k += 1
        else:
            out.append(i)
    return out


def _steps(indices: Sequence[int], plan: Sequence[Action], vocab: Vocabulary | None) -> str:
    what = ", ".join(f"{i + 1} {(vocab or IPC).write_action(plan[i])}" for i in indices[:6]) + (" …" if len(indices) > 6 else "")
    return f"step{'s' if len(indices) > 1 else ''} {what}"


_NOT_NAMES = {"the", "block", "on", "top", "of", "from", "object", "another"}


def _quote(indices: Sequence[int], plan: Sequence[Action], row: Rescored) -> str:
    """`` (its line '…')``: the first line of the answer that words the first skipped step, when one does."""
    text = row.entry.response or ""
    config = pp.config_for(row.example.vocab) if row.example.vocab is not None else pp.BLOCKSWORLD
    config = config.for_objects(sorted(row.example.init.blocks))
    try:
        words = [w for w in pp.action_words(plan[indices[0]], config).lower().split() if w not in _NOT_NAMES]
    except ValueError:
        return ""
    pattern = re.compile(r"\b" + r"\b.*?\b".join(map(re.escape, words)) + r"\b")
    for line in text.splitlines():
        if pattern.search(line.lower()):
            line = line.strip()
            return f" (e.g. the line {line[:120] + ('…' if len(line) > 120 else '')!r})"
    return ""


# --------------------------------------------------------------------------- #
# The report


def render_report(score: FileScore) -> str:
    """The human-readable rescoring of one file: figures, agreement, every disagreement with both readings."""
    from ..judging.report import summary_line

    rf, m = score.file, score.matched
    agreement, figure = score.agreement(), score.planbench_figure()
    lines = [
        f"bwbench {__version__}: a PlanBench results file rescored",
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
        lines += ["", f"[instance {r.entry.instance_id}] PlanBench: {_word(r.planbench)}; simulation: {r.extracted.describe()}",
                  "  extracted: " + " ".join(r.entry.extracted or ())]
    lines += _section(f"DISAGREEMENTS ON THE ANSWERS: {len(score.findings)}")
    for r, f in score.findings:
        j, vocab = r.judgement, r.example.vocab
        ours = " ".join((vocab or IPC).write_action(a) for a in as_actions(r.example.init, j.plan)) or "(no steps)"
        theirs = " ".join((vocab or IPC).write_action(a) for a in r.extracted.plan) if r.extracted and r.extracted.plan is not None \
            else " ".join(r.entry.extracted or ()) or "(nothing)"
        lines += ["", f"[instance {r.entry.instance_id}] L{level_of(r.optimal_len)}, {len(r.example.init.blocks)} blocks: "
                      f"PlanBench {_word(r.planbench)}, bwbench {j.status.value}",
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
