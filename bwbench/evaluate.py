"""Evaluation runs: prompts → adapter → completions → judge, written so that a run survives being killed.

A run directory holds ``config.json`` (what identifies the run, written first),
``predictions.jsonl`` (append-only: one line per example and sample, with the
problem, the raw completion and the verdict; ``bwbench score`` reads it),
``errors.jsonl`` (examples a server failed on after its retries; retried on
the next run), and at the end ``results.json`` (metrics with 95% intervals and
provenance) and ``report.txt``. Running the same command again resumes: lines
already written are kept, a line cut off by a kill is dropped, and only what
is missing is generated, so no example is lost or written twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import time
from dataclasses import asdict, dataclass, field
from math import comb
from pathlib import Path
from typing import Any, Callable, Sequence

from . import __version__
from .adapters.base import Adapter, BatchFailed, GenerationConfig
from .benchmark.goal import goal_json, level_of
from .benchmark.judge import Judgement, judge, optimal_length
from .benchmark.predictions import read_predictions
from .benchmark.records import Example, read_examples
from .benchmark.report import render_report
from .benchmark.score import METRICS, Metric, Tally, aggregate, wilson
from .errors import BwbenchError
from .fileio import atomic_write
from .prompts import PLANBENCH, PromptConfig, answer_text, build, choose_shots, planbench_examples, prompt_hash

IDENTITY = ("model", "model_options", "prompt", "generation", "suite")
CARRIED = ("source", "vocabulary")  # fields of an imported problem that its prediction lines keep


@dataclass
class Task:
    """One example of the run: its id, the problem, and what judging needs."""

    id: str
    example: Example
    optimal_len: int
    gold: str

    @property
    def level(self) -> int:
        return level_of(self.optimal_len)

    def record(self) -> dict:
        """The problem fields every prediction line carries, so the file stands on its own."""
        return {
            "id": self.id, "level": self.level, "n_blocks": len(self.example.init.blocks),
            "init": [list(t) for t in self.example.init.sorted_towers()],
            "goal": goal_json(self.example.goal),
            "optimal_len": self.optimal_len, "output": self.gold,
            **{k: rec[k] for k in CARRIED if k in (rec := self.example.record)},
        }


@dataclass
class SuiteView:
    path: str
    name: str
    tasks: list[Task]
    sha256: str  # of manifest.json for a suite directory, of the file itself otherwise
    train: Path | None  # where few-shot examples may come from
    file: Path | None = None  # the file the tasks come from (a one-shot PlanBench prompt takes its example there)

    def describe(self, split: str, level: int | None, limit: int | None) -> dict:
        return {"path": self.path, "name": self.name, "sha256": self.sha256, "split": split,
                "level": None if level is None else f"L{level}", "limit": limit, "n": len(self.tasks)}


def load_suite(path: str | Path, split: str = "test", level: int | None = None, limit: int | None = None) -> SuiteView:
    """The examples to evaluate: a suite directory's ``<split>.jsonl``, or any dataset file."""
    path = Path(path)
    if path.is_dir():
        file = path / f"{split}.jsonl"
        if not file.is_file():
            have = ", ".join(sorted(p.stem for p in path.glob("*.jsonl"))) or "none"
            raise BwbenchError(f"suite {path} has no {split} split (splits: {have})", "--split")
        manifest = path / "manifest.json"
        sha = hashlib.sha256(manifest.read_bytes() if manifest.is_file() else file.read_bytes()).hexdigest()
        name = json.loads(manifest.read_text()).get("suite", path.name) if manifest.is_file() else path.name
        train = path / "train.jsonl" if (path / "train.jsonl").is_file() and split != "train" else None
    elif path.is_file():
        file, sha, name, train = path, hashlib.sha256(path.read_bytes()).hexdigest(), path.stem, None
    else:
        raise BwbenchError("no such suite directory or file", str(path))
    tasks = []
    for ex in read_examples(file):
        if ex.split not in (None, split):
            continue
        opt = ex.record.get("optimal_len")
        opt = opt if isinstance(opt, int) and not isinstance(opt, bool) else optimal_length(ex.init, ex.goal)
        if level is not None and level_of(opt) != level:
            continue
        ident = str(ex.record.get("id") or f"{file.name}:{ex.line}")
        tasks.append(Task(ident, ex, opt, answer_text(ex)))
        if limit is not None and len(tasks) >= limit:
            break
    if not tasks:
        what = f"L{level} " if level is not None else ""
        raise BwbenchError(f"no {what}problems in the {split} split of {path} (levels are true levels, from optimal plans)",
                           "--level" if level is not None else "--suite")
    seen: set[str] = set()
    for t in tasks:
        if t.id in seen:
            t.id = f"{t.id}@{t.example.line}"  # the seed's files have no ids; lines make them unique
        seen.add(t.id)
    return SuiteView(str(path), name, tasks, sha, train, file)


def default_max_new_tokens(tasks: Sequence[Task]) -> int:
    """Room for the optimal plan's steps, two more, and some slack: about 20 tokens a step line."""
    longest = max(t.optimal_len for t in tasks)
    return 32 + 20 * (longest + 2)


PLANBENCH_MAX_NEW_TOKENS = 16_384
"""PlanBench's prompts go to chat and reasoning models, which explain, think aloud and
format before (or around) the plan; a budget sized for bare plans cut them off."""
PLANBENCH_STOP = ("[PLAN END]", "[STATEMENT]")
"""Where PlanBench's answers end: the plan's closing marker, or a new problem. No
blank-line stop: such answers have blank lines before the plan."""


def default_generation(template: str, tasks: Sequence[Task]) -> tuple[int, tuple[str, ...]]:
    """The token budget and stop strings for a template: bare plans for the seed's forms, room to talk for PlanBench's."""
    if template in PLANBENCH:
        return PLANBENCH_MAX_NEW_TOKENS, PLANBENCH_STOP
    return default_max_new_tokens(tasks), GenerationConfig().stop


@dataclass
class EvalConfig:
    model: str
    suite: str
    out: Path
    split: str = "test"
    level: int | None = None
    limit: int | None = None
    prompt: PromptConfig = field(default_factory=PromptConfig)
    generation: GenerationConfig = field(default_factory=GenerationConfig)
    batch_size: int = 8
    single_step: bool = True
    shots_from: str | None = None
    model_options: dict = field(default_factory=dict)


@dataclass
class Progress:
    """What the command line shows while a run goes: examples done and the running valid rate."""

    total: int
    done: int = 0
    judged: int = 0
    valid: int = 0

    @property
    def valid_rate(self) -> float:
        return self.valid / self.judged if self.judged else 0.0


def git_sha() -> str | None:
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def run(config: EvalConfig, adapter: Adapter, on_progress: Callable[[Progress], None] | None = None,
        suite: SuiteView | None = None) -> dict:
    """Run (or resume) an evaluation; returns the results that ``results.json`` holds."""
    suite = suite or load_suite(config.suite, config.split, config.level, config.limit)
    gen = config.generation
    shots_pool = _shots_pool(config, suite)
    shots = choose_shots(shots_pool, config.prompt.shots, config.prompt.shots_seed)
    identity = {
        "model": config.model, "model_options": config.model_options,
        "prompt": config.prompt.describe(str(config.shots_from or suite.train) if shots else None),
        "generation": asdict(gen), "suite": suite.describe(config.split, config.level, config.limit),
    }
    out = config.out
    _claim(out, identity)
    preds_path = out / "predictions.jsonl"
    done = _resume(preds_path)
    todo = [t for t in suite.tasks if any((t.id, k) not in done for k in range(gen.samples))]
    progress = Progress(len(suite.tasks), len(suite.tasks) - len(todo))
    if on_progress:
        on_progress(progress)
    started = time.time()
    # Longest prompts first and together: batches pad less, and memory trouble shows at once.
    examples = _planbench_examples(config, suite, todo)
    queries = {t.id: build(t.example, config.prompt, shots, examples.get(t.id)) for t in todo}
    todo.sort(key=lambda t: -len(queries[t.id].text or json.dumps(queries[t.id].messages)))
    try:
        _generate_all(config, adapter, todo, queries, done, progress, on_progress, out)
    finally:
        if hasattr(adapter, "close"):
            adapter.close()
    return finish(out, identity, adapter, time.time() - started)


def _generate_all(config: EvalConfig, adapter: Adapter, todo: list[Task], queries: dict, done: set,
                  progress: Progress, on_progress: Callable[[Progress], None] | None, out: Path) -> None:
    gen = config.generation
    preds_path = out / "predictions.jsonl"
    for i in range(0, len(todo), config.batch_size):
        batch = todo[i: i + config.batch_size]
        t0 = time.perf_counter()
        try:
            completions = adapter.generate([queries[t.id] for t in batch], gen)
        except BatchFailed as exc:  # a server gave up on some queries: record them, keep the rest
            completions = exc.completions
            _append(out / "errors.jsonl", [{"id": t.id, "error": exc.errors[j]} for j, t in enumerate(batch)
                                           if exc.errors[j] is not None])
        steps = adapter.single_step([queries[t.id] for t in batch], [t.gold for t in batch]) \
            if config.single_step and hasattr(adapter, "single_step") else [None] * len(batch)
        per = (time.perf_counter() - t0) / len(batch)
        lines = []
        for t, samples, ss in zip(batch, completions, steps):
            if samples is None:
                continue
            for k, text in enumerate(samples):
                if (t.id, k) in done:
                    continue
                verdict = judge(t.example.init, t.example.goal, text, t.gold, t.optimal_len, t.example.vocab)
                progress.judged += 1
                progress.valid += verdict.valid
                line = {**t.record(), "sample": k, "prompt_hash": prompt_hash(queries[t.id]),
                        "completion": text, "verdict": verdict.to_json(), "seconds": round(per, 6)}
                if ss is not None:
                    line["single_step"] = list(ss)
                lines.append(line)
            progress.done += 1
        _append(preds_path, lines)
        if on_progress:
            on_progress(progress)


def _planbench_examples(config: EvalConfig, suite: SuiteView, todo: list[Task]) -> dict[str, Example]:
    """For ``planbench-1shot``: the solved problem shown before each one, from the whole split it comes from."""
    if config.prompt.template != "planbench-1shot":
        return {}
    pool = [ex for ex in read_examples(suite.file) if ex.split in (None, config.split)] if suite.file else \
        [t.example for t in suite.tasks]
    return dict(zip((t.id for t in todo), planbench_examples([t.example for t in todo], pool)))


def _shots_pool(config: EvalConfig, suite: SuiteView) -> list[Example]:
    if config.prompt.shots <= 0:
        return []
    if config.prompt.template in PLANBENCH:
        raise BwbenchError("PlanBench's prompts are zero-shot (planbench) or show one problem chosen as PlanBench "
                           "chooses it (planbench-1shot); drop --shots", "--shots")
    source = Path(config.shots_from) if config.shots_from else suite.train
    if source is None:
        raise BwbenchError("few-shot examples need a train split: the suite has none; name a file with --shots-from", "--shots")
    pool = [ex for ex in read_examples(source) if ex.split != "test"]
    test_keys = {(t.example.init, t.example.goal) for t in suite.tasks}
    pool = [ex for ex in pool if (ex.init, ex.goal) not in test_keys]
    if len(pool) < config.prompt.shots:
        raise BwbenchError(f"{source} has {len(pool)} usable examples, fewer than --shots {config.prompt.shots}", "--shots")
    return pool


def _claim(out: Path, identity: dict) -> None:
    """Start a run in ``out``, or check that the run already there is this one."""
    path = out / "config.json"
    if path.is_file():
        try:
            before = json.loads(path.read_text())
        except json.JSONDecodeError:
            raise BwbenchError("not valid JSON; remove the directory to start again", str(path)) from None
        differs = [k for k in IDENTITY if before.get(k) != json.loads(json.dumps(identity[k]))]
        if differs:
            raise BwbenchError(f"holds a different run (its {', '.join(differs)} differ); choose another --out", str(out))
        return
    if out.exists() and any(out.iterdir()):
        raise BwbenchError("exists and is not a bwbench run; choose another --out", str(out))
    atomic_write(path, (json.dumps({**identity, "bwbench_version": __version__}, indent=2) + "\n").encode())


def _resume(path: Path) -> set[tuple[str, int]]:
    """(id, sample) pairs already written; a last line cut off by a kill is removed first."""
    if not path.is_file():
        return set()
    data = path.read_bytes()
    end = data.rfind(b"\n") + 1
    if end < len(data):  # the tail of a write that was interrupted
        with path.open("r+b") as fh:
            fh.truncate(end)
        data = data[:end]
    done = set()
    for lineno, line in enumerate(data.split(b"\n")[:-1], 1):
        try:
            rec = json.loads(line)
            done.add((rec["id"], rec.get("sample", 0)))
        except (json.JSONDecodeError, KeyError, TypeError):
            raise BwbenchError("not a prediction line; the file was changed by hand?", f"{path}:{lineno}") from None
    return done


def _append(path: Path, records: list[dict]) -> None:
    """Append whole lines in one write and make them durable before going on."""
    if not records:
        return
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode("utf-8")
    with path.open("ab") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


@dataclass
class _Row:
    """A judgement plus what only the eval measures (single-step success), for the metrics."""

    judgement: Judgement
    single_step: tuple[int, int] | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.judgement, name)


SINGLE_STEP = Metric("single_step", "single-step success (teacher-forced)", "rate", lambda r: r.single_step)


def finish(out: Path, identity: dict, adapter: Adapter | None, wall: float) -> dict:
    """Score everything in ``predictions.jsonl`` and write ``results.json`` and ``report.txt``."""
    preds_path = out / "predictions.jsonl"
    pfile = read_predictions(preds_path) if preds_path.is_file() and preds_path.stat().st_size else None
    raw = [json.loads(ln) for ln in preds_path.read_text().splitlines()] if pfile else []
    judgements = [p.judge() for p in pfile.predictions] if pfile else []
    rows = [_Row(j, tuple(r["single_step"]) if "single_step" in r else None) for j, r in zip(judgements, raw)]
    metrics = (*METRICS, SINGLE_STEP) if any(r.single_step for r in rows) else METRICS
    card = aggregate(rows, metrics=metrics)
    samples = identity["generation"]["samples"]
    by_id: dict[str, list[bool]] = {}
    for r, row in zip(raw, rows):
        by_id.setdefault(r["id"], []).append(row.valid)
    errors = _read_errors(out / "errors.jsonl", {r["id"] for r in raw})
    seconds = sum(r.get("seconds", 0.0) for r in raw)
    results = {
        **identity,
        "adapter": adapter.settings() if adapter is not None else None,
        "bwbench_version": __version__, "git_sha": git_sha(),
        "n_examples": len(by_id), "n_predictions": len(raw),
        "complete": len(by_id) == identity["suite"]["n"] and not errors,
        "failed_examples": errors,
        "metrics": card.to_json(),
        "pass_at_k": _pass_at_k(by_id, samples) if samples > 1 else None,
        "timing": {"generation_s": round(seconds, 3), "this_session_wall_s": round(wall, 3),
                   "problems_per_s": round(len(by_id) / seconds, 3) if seconds else None},
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    atomic_write(out / "results.json", (json.dumps(results, indent=2) + "\n").encode())
    if pfile is not None:
        atomic_write(out / "report.txt", render_report(pfile, judgements, card).encode("utf-8"))
    return results


def _read_errors(path: Path, done: set[str]) -> dict[str, str]:
    """Examples that failed and have not been done since (a later run may have retried them)."""
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if rec.get("id") not in done:
            out[rec["id"]] = rec.get("error", "")
    return out


def _pass_at_k(by_id: dict[str, list[bool]], k: int) -> dict:
    """pass@1 (mean share of valid samples) and pass@k (unbiased estimator, Chen et al. 2021)."""
    p1, pk = Tally(), Tally()
    for valid in by_id.values():
        n, c = len(valid), sum(valid)
        p1.total += c / n
        p1.squares += (c / n) ** 2
        p1.trials += 1
        kk = min(k, n)
        pk.total += 1.0 - comb(n - c, kk) / comb(n, kk)
        pk.trials += 1
    return {"k": k, "pass@1": p1.value, "pass@1_ci95": p1.ci("mean"), f"pass@{k}": pk.value,
            f"pass@{k}_ci95": list(wilson(pk.total, pk.trials)) if pk.trials else None}


def rescored_results(pfile, judgements, suite: str, model: str) -> dict:
    """A ``results.json`` for predictions made elsewhere (the seed's, say), judged here, on ``suite``'s test split.

    The predictions must be for exactly the suite's problems (as a multiset,
    compared canonically), so the suite's sha256 on the result is earned.
    """
    from collections import Counter

    from .benchmark.canon import problem_key

    view = load_suite(suite)
    want = Counter(problem_key(t.example.init, t.example.goal) for t in view.tasks)
    have = Counter(problem_key(p.init, p.goal) for p in pfile.predictions)
    if want != have:
        extra, missing = sum((have - want).values()), sum((want - have).values())
        raise BwbenchError(f"{pfile.path} is not a prediction for each of this suite's {len(view.tasks)} problems "
                           f"({extra} not in the suite, {missing} missing)", "--suite")
    card = aggregate(judgements)
    return {
        "model": model, "model_options": None, "prompt": None, "generation": None,
        "suite": view.describe("test", None, None),
        "adapter": {"rescored_from": pfile.path, "format": pfile.format,
                    "sha256": hashlib.sha256(Path(pfile.path).read_bytes()).hexdigest()},
        "bwbench_version": __version__, "git_sha": git_sha(),
        "n_examples": len(pfile.predictions), "n_predictions": len(pfile.predictions), "complete": True,
        "failed_examples": {}, "metrics": card.to_json(), "pass_at_k": None, "timing": None,
        "finished": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
