"""Evaluation runs: prompts → adapter → completions → judge, written so that a run survives being killed.

A run directory holds ``config.json`` (what identifies the run, written first),
``predictions.jsonl`` (append-only: one line per example and sample, with the
problem, the raw completion and the verdict; ``bwbench score`` reads it),
``errors.jsonl`` (examples a server failed on after its retries; retried on
the next run), and at the end ``results.json`` (metrics with 95% intervals and
provenance) and ``report.txt``. Running the same command again resumes: lines
already written are kept, a line cut off by a kill is dropped, and only what
is missing is generated, so no example is lost or written twice.

One process at a time writes a run directory: it holds an OS lock on
``<dir>/.lock`` for the whole run, which the system releases when the process
ends, however it ends. What identifies a run is the model, its options, the
prompt, the generation settings and the suite's problems (its sha256, split
and levels; its path and name are recorded, not compared, so the same suite
reached by another path is the same run); ``--limit`` is not part of it, so a
run tried on a few problems is extended by the same command without the limit.
``eval`` checks, locks and claims the directory (:func:`held_run`) before it
loads the model. ``results.json`` describes what one invocation measured: the
problems of its view, even when ``predictions.jsonl`` holds more.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import subprocess
import threading
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from math import comb
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence

from .. import __version__
from ..models import check_generation, parse_spec
from ..models.base import Adapter, BatchFailed, GenerationConfig
from ..world.goal import goal_json, level_of
from ..judging.judge import Judgement, judge
from ..judging.predictions import PredictionFile, PredictionSource, prediction_of
from ..suites.dataset import Example, json_line, read_examples
from ..judging.report import render_report
from ..judging.metrics import BY, METRICS, Metric, Tally, aggregate, wilson
from ..errors import BwbenchError, Interrupted
from ..fileio import atomic_write
from ..tasks.prompts import PLANBENCH, PromptConfig, answer_text, build, choose_shots, planbench_examples, prompt_hash

IDENTITY = ("model", "model_options", "prompt", "generation", "suite")
SUITE_IDENTITY = ("sha256", "split", "level")  # what identifies a run's problems; path and name (how the suite was
# reached and called) are recorded but not compared, and limit and n say what one invocation measured
SUITE_RECORD = ("path", "name", *SUITE_IDENTITY)  # the suite as config.json records it
LOCK = ".lock"  # in the run directory; the process writing the run holds an flock on it
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
    tasks: list[Task]  # the problems to evaluate: the first ``limit`` of ``all_tasks``
    sha256: str  # of manifest.json for a suite directory, of the file itself otherwise
    train: Path | None  # where few-shot examples may come from
    file: Path | None = None  # the file the tasks come from (a one-shot PlanBench prompt takes its example there)
    all_tasks: list[Task] = field(default_factory=list)  # every problem of the split at the chosen levels

    def describe(self, split: str, level: int | Iterable[int] | None, limit: int | None,
                 per_level: int | None = None) -> dict:
        return {"path": self.path, "name": self.name, "sha256": self.sha256, "split": split,
                "level": level_name(level), "limit": limit, "n": len(self.tasks)} | (
                    {"per_level": per_level} if per_level is not None else {})


def level_set(level: int | Iterable[int] | None) -> tuple[int, ...] | None:
    """One level or several, as a sorted tuple without repeats (``None``: every level)."""
    if level is None:
        return None
    return (level,) if isinstance(level, int) else tuple(sorted(set(level)))


def level_name(level: int | Iterable[int] | None) -> str | None:
    """``"L3"``, or ``"L1,L2"`` for several levels; ``None`` for every level."""
    levels = level_set(level)
    return None if levels is None else ",".join(f"L{k}" for k in levels)


def load_suite(path: str | Path, split: str = "test", level: int | Iterable[int] | None = None,
               limit: int | None = None, level_option: str | None = None, per_level: int | None = None) -> SuiteView:
    """The examples to evaluate: a suite directory's ``<split>.jsonl``, or any dataset file, at the true level
    (or levels) asked for; ``tasks`` holds the first ``limit`` of them (or ``per_level`` of each level, spread
    through it: a curve over many levels at a fraction of the cost), ``all_tasks`` all of them.

    ``level_option`` is the option the levels were given by, named when there are no problems at one of them
    (default: ``--level`` for one level, ``--levels`` for several)."""
    if limit is not None and per_level is not None:
        raise BwbenchError("give --limit or --per-level, not both", "--per-level")
    path = Path(path)
    levels = level_set(level)
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
        opt = ex.optimal_len  # the planner's, which any claim in the file was checked against
        if levels is not None and level_of(opt) not in levels:
            continue
        ident = str(ex.record.get("id") or f"{file.name}:{ex.line}")
        tasks.append(Task(ident, ex, opt, answer_text(ex)))
    missing = [k for k in levels or () if not any(t.level == k for t in tasks)]
    if not tasks or missing:
        what = f"{', '.join(f'L{k}' for k in missing)} " if missing else ""
        raise BwbenchError(f"no {what}problems in the {split} split of {path} (levels are true levels, from optimal plans)",
                           (level_option or ("--level" if len(levels) == 1 else "--levels")) if levels else "--suite")
    seen: set[str] = set()
    for t in tasks:
        if t.id in seen:
            t.id = f"{t.id}@{t.example.line}"  # the seed's files have no ids; lines make them unique
        seen.add(t.id)
    chosen = tasks if limit is None else tasks[:limit]
    if per_level is not None:
        chosen = spread_over_levels(tasks, per_level)
    return SuiteView(str(path), name, chosen, sha, train, file, tasks)


def spread_over_levels(tasks: list[Task], n: int) -> list[Task]:
    """``n`` tasks of each level (all of a level with fewer), evenly spaced through that level's tasks in file
    order, the first included, so every part of it (a suite's block counts, say) is represented; file order kept."""
    by_level: dict[int, list[int]] = {}
    for i, t in enumerate(tasks):
        by_level.setdefault(t.level, []).append(i)
    keep = {idx[j * len(idx) // n] for idx in by_level.values() for j in range(min(n, len(idx)))} | {
        i for idx in by_level.values() if len(idx) <= n for i in idx}
    return [t for i, t in enumerate(tasks) if i in keep]


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
    """The token budget and stop strings for a template: bare plans for the seed's forms, room to talk for PlanBench's.

    Size it from every problem the run may come to (a view's ``all_tasks``), not from a ``--limit`` subset, so
    that trying a run on a few problems and then running it whole is one run with one budget."""
    if template in PLANBENCH:
        return PLANBENCH_MAX_NEW_TOKENS, PLANBENCH_STOP
    return default_max_new_tokens(tasks), GenerationConfig().stop


@dataclass
class EvalConfig:
    model: str
    suite: str
    out: Path
    split: str = "test"
    levels: tuple[int, ...] | None = None  # true levels to keep; None: all
    limit: int | None = None  # only the first N problems (not part of what identifies the run)
    per_level: int | None = None  # only the first N problems of each level (likewise)
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
    done: int = 0  # problems with all their samples written, those of earlier invocations included
    judged: int = 0
    valid: int = 0
    resumed: bool = False  # the run directory already held predictions when this invocation began

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
    """Run (or resume) an evaluation; returns the results that ``results.json`` holds.

    ``BwbenchError`` before anything is written when the generation settings do not suit the model, when
    another process is writing ``config.out``, or when a different run is there; ``Interrupted`` on Ctrl-C,
    saying how many predictions are saved."""
    with held_run(config, suite) as held:
        return held.run(adapter, on_progress)


@dataclass
class HeldRun:
    """A run whose directory this process holds and has claimed (or found to be this run's): what it needs to go."""

    config: EvalConfig
    suite: SuiteView
    shots: list[Example]
    identity: dict  # what config.json records
    described: dict  # the suite as this invocation sees it (limit and n included)

    def run(self, adapter: Adapter, on_progress: Callable[[Progress], None] | None = None) -> dict:
        """Generate what is missing, judge it, write the results; the adapter is closed at the end."""
        try:
            return _run_held(self.config, adapter, self.suite, self.shots, self.identity, self.described, on_progress)
        finally:
            if hasattr(adapter, "close"):
                adapter.close()


@contextmanager
def held_run(config: EvalConfig, suite: SuiteView | None = None) -> Iterator[HeldRun]:
    """Check ``config.out``, hold its lock and claim it for this run, before any model is loaded, so that a
    directory that cannot be this run's is refused at once; the lock is held until the block ends.

    ``BwbenchError`` before anything is written when the generation settings do not suit the model, when
    another process is writing ``config.out``, or when a different run is there. When the block fails before a
    prediction is written (a model that does not load, say), the claim is undone."""
    suite = suite or load_suite(config.suite, config.split, config.levels, config.limit, per_level=config.per_level)
    gen = config.generation
    check_generation(parse_spec(config.model)[0], gen)
    shots_pool = _shots_pool(config, suite)
    shots = choose_shots(shots_pool, config.prompt.shots, config.prompt.shots_seed)
    described = suite.describe(config.split, config.levels, config.limit, config.per_level)
    identity = {
        "model": config.model, "model_options": config.model_options,
        "prompt": config.prompt.describe(str(config.shots_from or suite.train) if shots else None),
        "generation": asdict(gen), "suite": {k: described[k] for k in SUITE_RECORD},
    }
    out = config.out
    made = _check_out(out, identity)
    with hold(out):
        claimed = _claim(out, identity)
        try:
            yield HeldRun(config, suite, shots, identity, described)
        except BaseException:  # Ctrl-C while a model loads included
            if claimed:
                _unclaim(out, made)  # a run that failed before writing anything leaves nothing behind
            raise


def _run_held(config: EvalConfig, adapter: Adapter, suite: SuiteView, shots: list[Example], identity: dict,
              described: dict, on_progress: Callable[[Progress], None] | None) -> dict:
    gen, out = config.generation, config.out
    preds_path = out / "predictions.jsonl"
    done = _resume(preds_path)
    todo = [t for t in suite.tasks if any((t.id, k) not in done for k in range(gen.samples))]
    progress = Progress(len(suite.tasks), len(suite.tasks) - len(todo), resumed=bool(done))
    if on_progress:
        on_progress(progress)
    started = time.time()
    try:
        # Longest prompts first and together: batches pad less, and memory trouble shows at once.
        examples = _planbench_examples(config, suite, todo)
        queries = {t.id: replace(build(t.example, config.prompt, shots, examples.get(t.id)), id=t.id) for t in todo}
        todo.sort(key=lambda t: -len(queries[t.id].text or json.dumps(queries[t.id].messages)))
        _generate_all(config, adapter, todo, queries, done, progress, on_progress, out)
        return finish(out, {**identity, "suite": described}, {t.id for t in suite.tasks}, adapter,
                      time.time() - started)
    except KeyboardInterrupt:
        saved = _complete_lines(preds_path)
        raise Interrupted(f"{saved:,} predictions saved in {out}; run the same command again to resume") from None


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
            with _uninterrupted():
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
        with _uninterrupted():
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
    test_keys = {(t.example.init, t.example.goal) for t in suite.all_tasks or suite.tasks}  # the whole split: a --limit view's later problems too
    pool = [ex for ex in pool if (ex.init, ex.goal) not in test_keys]
    if len(pool) < config.prompt.shots:
        raise BwbenchError(f"{source} has {len(pool)} usable examples, fewer than --shots {config.prompt.shots}", "--shots")
    return pool


def _check_out(out: Path, identity: dict) -> bool:
    """Refuse an ``--out`` that cannot be this run's directory before touching it (its lock file included);
    whether it is still to be made. ``_claim`` checks again once the directory is held."""
    if out.exists() and not out.is_dir():
        raise BwbenchError("is a file, not a run directory; choose another --out", str(out))
    if not out.is_dir():
        return True
    if (out / "config.json").is_file():
        _same_run(out, identity)
    elif any(p.name != LOCK for p in out.iterdir()):
        raise BwbenchError("exists and is not a bwbench run; choose another --out", str(out))
    return False


@contextmanager
def hold(out: Path) -> Iterator[None]:
    """Hold the run directory ``out`` (made if need be) for this process: an flock on ``out/.lock``, released
    on leaving, and by the system when the process ends however it ends (a kill included).

    ``BwbenchError`` naming the holder's pid when another process holds it; that process's files are not touched.
    """
    out.mkdir(parents=True, exist_ok=True)
    path = out / LOCK
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid = _holder(fd)
            os.close(fd)
            raise BwbenchError(f"is being written by another bwbench eval (pid {pid}); wait for it or choose "
                               "another --out", str(out)) from None
        except BaseException:
            os.close(fd)
            raise
        try:
            same = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        os.close(fd)  # the holder before us removed the file it held (a run that failed at once): lock the new one
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield
    finally:
        os.close(fd)


def _holder(fd: int) -> str:
    """The pid written in a held lock file (the holder writes it just after taking the lock)."""
    for _ in range(40):
        text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        if text:
            return text
        time.sleep(0.05)
    return "unknown"


def _claim(out: Path, identity: dict) -> bool:
    """Start a run in ``out`` (True), or check that the run already there is this one (False)."""
    path = out / "config.json"
    if path.is_file():
        _same_run(out, identity)
        return False
    if any(p.name != LOCK for p in out.iterdir()):
        raise BwbenchError("exists and is not a bwbench run; choose another --out", str(out))
    atomic_write(path, (json.dumps({**identity, "bwbench_version": __version__}, indent=2) + "\n").encode())
    return True


def _same_run(out: Path, identity: dict) -> None:
    """``BwbenchError`` saying what differs when the run in ``out`` is not the run ``identity`` describes."""
    path = out / "config.json"
    try:
        before = json.loads(path.read_text())
    except json.JSONDecodeError:
        raise BwbenchError("not valid JSON; remove the directory to start again", str(path)) from None
    differs = differences(_compared(before), _compared(json.loads(json.dumps(identity))))
    if differs:
        raise BwbenchError(f"holds a different run ({'; '.join(differs)}); choose another --out", str(out))


def _compared(config: dict) -> dict:
    """The part of a config that identifies a run: ``IDENTITY``, the suite cut down to ``SUITE_IDENTITY`` (older
    config.json files also hold the suite's path, name, limit and n, which do not identify it)."""
    out = {k: config.get(k, _ABSENT) for k in IDENTITY}
    if isinstance(out["suite"], dict):
        out["suite"] = {k: v for k, v in out["suite"].items() if k in SUITE_IDENTITY}
    return out


_ABSENT = object()


def differences(before: Any, now: Any, path: str = "") -> list[str]:
    """What differs between two identities, one phrase each: ``its model differs: was planner, now random``;
    nested settings by their key path (``its generation.temperature differs: was 0.0, now 0.7``)."""
    if isinstance(before, dict) and isinstance(now, dict):
        out = []
        for key in list(before) + [k for k in now if k not in before]:
            out += differences(before.get(key, _ABSENT), now.get(key, _ABSENT), f"{path}.{key}" if path else key)
        return out
    if before == now and type(before) is type(now):
        return []
    return [f"its {path} differs: was {_shown(before)}, now {_shown(now)}"]


def _shown(value: Any) -> str:
    if value is _ABSENT:
        return "not set"
    return value if isinstance(value, str) else json.dumps(value)


def _unclaim(out: Path, made: bool) -> None:
    """Undo a claim that wrote nothing else: config.json, and the directory if this invocation made it."""
    if any(p.name not in (LOCK, "config.json") for p in out.iterdir()):
        return
    (out / "config.json").unlink(missing_ok=True)
    if made:
        (out / LOCK).unlink(missing_ok=True)
        out.rmdir()


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


def _complete_lines(path: Path) -> int:
    """Whole lines in a predictions file (a line cut off by a kill is not one)."""
    return path.read_bytes().count(b"\n") if path.is_file() else 0


@contextmanager
def _uninterrupted() -> Iterator[None]:
    """Hold Ctrl-C back while lines are written, so that an interrupted run's file ends with whole lines: the
    signal is noted, and delivered to the usual handler once the write is done."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    before = signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)
        if caught:
            signal.raise_signal(signal.SIGINT)


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


def finish(out: Path, measured: dict, ids: set[str], adapter: Adapter | None, wall: float) -> dict:
    """Score the predictions for ``ids`` in ``predictions.jsonl`` (it may hold more: an earlier invocation's
    problems beyond this one's ``--limit``) and write ``results.json`` and ``report.txt``; ``measured`` is the
    run's identity with the suite described as this invocation sees it."""
    pfile, raw = _predictions_of(out / "predictions.jsonl", ids)
    judgements = [p.judge() for p in pfile.predictions] if pfile else []
    rows = [_Row(j, tuple(r["single_step"]) if "single_step" in r else None) for j, r in zip(judgements, raw)]
    metrics = (*METRICS, SINGLE_STEP) if any(r.single_step for r in rows) else METRICS
    card = aggregate(rows, BY, metrics)
    samples = measured["generation"]["samples"]
    by_id: dict[str, list[bool]] = {}
    for r, row in zip(raw, rows):
        by_id.setdefault(r["id"], []).append(row.valid)
    errors = _read_errors(out / "errors.jsonl", set(by_id), ids)
    seconds = sum(r.get("seconds", 0.0) for r in raw)
    results = {
        **measured,
        "adapter": adapter.settings() if adapter is not None else None,
        "bwbench_version": __version__, "git_sha": git_sha(),
        "n_examples": len(by_id), "n_predictions": len(raw),
        "complete": len(by_id) == len(ids) and all(len(v) >= samples for v in by_id.values()) and not errors,
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


def _predictions_of(path: Path, ids: set[str]) -> tuple[PredictionFile | None, list[dict]]:
    """The predictions for ``ids`` in a run's predictions file, read in one pass, each with its line's record
    (what only the eval writes: single-step success, seconds); ``None`` and nothing when the file is empty."""
    if not path.is_file() or not path.stat().st_size:
        return None, []
    source = PredictionSource(path)
    preds, records = [], []
    for entry in source.entries():
        record = json_line(entry.data, f"{path}:{entry.line}")
        if record is None or record.get("id") not in ids:
            continue
        preds.append(prediction_of(source.format, source.path, entry))
        records.append(record)
    return PredictionFile(str(source.path), source.format, preds, source.meta), records


def _read_errors(path: Path, done: set[str], ids: set[str]) -> dict[str, str]:
    """Examples among ``ids`` that failed and have not been done since (a later run may have retried them)."""
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if rec.get("id") in ids and rec.get("id") not in done:
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

    from ..world.canon import problem_key

    view = load_suite(suite)
    want = Counter(problem_key(t.example.init, t.example.goal) for t in view.tasks)
    have = Counter(problem_key(p.init, p.goal) for p in pfile.predictions)
    if want != have:
        extra, missing = sum((have - want).values()), sum((want - have).values())
        raise BwbenchError(f"{pfile.path} is not a prediction for each of this suite's {len(view.tasks)} problems "
                           f"({extra} not in the suite, {missing} missing)", "--suite")
    card = aggregate(judgements, BY)
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
