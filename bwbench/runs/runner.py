"""Evaluation runs: a suite's problems → prompts → a model → answers judged, written so that a run survives a kill.

:func:`prepare` turns what ``bwbench eval`` asks (:class:`EvalRequest`) into
a run: the suite's view, the task (from the suite's records), the template
checked against it, the token budget, the model's spec and options, the run
directory. :func:`held_run` checks, locks and claims that directory before
any model is loaded; :meth:`HeldRun.run` asks the model through the protocol
batch by batch, appends each batch's lines whole, and scores the run at the
end (:mod:`.finish`).
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator

from ..errors import BwbenchError, Interrupted
from ..models import ModelSpec, check_generation, load
from ..models.base import GenerationConfig, Model
from ..suites.dataset import Example, read_examples
from ..suites.view import SuiteView, level_set, load_suite
from ..tasks import get_task, suite_task
from ..tasks.prompts import PromptConfig, choose_shots
from .config import Identity, RunConfig
from .directory import (ERRORS, PREDICTIONS, append, check_out, claim, complete_lines, hold, relabel, resume,
                        uninterrupted, unclaim)
from .finish import Selection, finish
from .protocols import get_protocol


@dataclass(frozen=True)
class EvalRequest:
    """What ``bwbench eval`` asks for, in the library's terms (values parsed; None where not given)."""

    model: str
    suite: Path
    split: str = "test"
    levels: tuple[int, ...] | None = None
    limit: int | None = None
    per_level: int | None = None
    out: Path | None = None
    template: str = "seed"
    shots: int = 0
    shots_from: Path | None = None
    samples: int = 1
    temperature: float = 0.0
    max_new_tokens: int | None = None
    seed: int = 0
    batch_size: int = 8
    lora: Path | None = None
    revision: str | None = None
    dtype: str | None = None  # None: not given (the model's default, where it takes the option)
    device: str | None = None
    trust_remote_code: bool = False
    api: str | None = None
    served_model: str | None = None
    concurrency: int | None = None
    timeout: float | None = None
    retries: int | None = None
    single_step: bool = True
    backend: str = "local"
    gpu: str | None = None
    stop: tuple[str, ...] | None = None  # None: the task's stop strings for the template; (): none
    name: str | None = None  # the leaderboard's label for the run

    def model_options(self) -> dict:
        return {"lora": str(self.lora) if self.lora else None, "revision": self.revision, "dtype": self.dtype,
                "device": self.device, "trust_remote_code": self.trust_remote_code, "api": self.api,
                "served_model": self.served_model, "concurrency": self.concurrency, "timeout": self.timeout,
                "retries": self.retries}


@dataclass(frozen=True)
class Prepared:
    """A run ready to be held: its config, the suite's view, the task and the model's spec."""

    config: RunConfig
    view: SuiteView
    spec: ModelSpec

    @property
    def task(self):
        return get_task(self.config.task)


def prepare(request: EvalRequest) -> Prepared:
    """The run ``request`` asks for; ``BwbenchError`` naming the field for anything that cannot be, before any
    model is loaded or anything is written (a server is asked which model it serves: that is part of the run)."""
    spec = ModelSpec.parse(request.model)
    options = spec.options(request.model_options(), request.backend)
    levels = level_set(request.levels)  # sorted, once each: L2,L1 is the run L1,L2
    view = load_suite(request.suite, request.split, levels, request.limit, request.per_level)
    task = suite_task(view)
    task.check_template(request.template)
    budget = task.budget(request.template, view.all_items, chat=options.get("api") == "chat")
    gen = GenerationConfig(max_new_tokens=request.max_new_tokens or budget.max_new_tokens,
                           temperature=request.temperature, samples=request.samples, seed=request.seed,
                           stop=budget.stop if request.stop is None else request.stop)
    check_generation(spec, gen)
    if any(not s for s in gen.stop):
        raise BwbenchError("a stop string cannot be empty (it would end every answer before it began)", field="stop")
    options = spec.resolve(options)
    out = request.out or default_out(spec, options, view.name, request.split, levels)
    config = RunConfig(
        model=request.model, suite=str(request.suite), out=out, task=task.name, split=request.split,
        levels=levels, limit=request.limit, per_level=request.per_level,
        prompt=PromptConfig(request.template, request.shots, request.seed), generation=gen,
        batch_size=request.batch_size, single_step=request.single_step and spec.kind.single_step,
        shots_from=str(request.shots_from) if request.shots_from else None, model_options=options,
        backend=request.backend, gpu=request.gpu, label=request.name)
    return Prepared(config, view, spec)


def default_out(spec: ModelSpec, options: dict, suite: str, split: str, levels: tuple[int, ...] | None) -> Path:
    """``results/<scheme>[-<model>]-<suite>-<split>[-L<k>...]`` (a server's model: the one it serves)."""
    levels_part = "".join(f"-L{k}" for k in levels or ())
    return Path("results") / f"{spec.short_name(options)}-{suite}-{split}{levels_part}"


@dataclass
class Progress:
    """What the command line shows while a run goes: problems done and the running rate of the primary figure."""

    total: int
    done: int = 0  # problems with all their samples written, those of earlier invocations included
    judged: int = 0
    correct: int = 0
    resumed: bool = False  # the run directory already held predictions when this invocation began

    @property
    def rate(self) -> float:
        return self.correct / self.judged if self.judged else 0.0


@dataclass
class HeldRun:
    """A run whose directory this process holds and has claimed (or found to be this run's): what it needs to go."""

    prepared: Prepared
    shots: list[Example]
    identity: Identity  # as config.json holds it (its label included)
    described: dict  # the suite as this invocation sees it (limit and n included)

    @property
    def config(self) -> RunConfig:
        return self.prepared.config

    def todo(self) -> list:
        """The problems of this invocation with samples still to write; none: nothing to generate, and no model
        to load (the run is scored again as it stands)."""
        done = resume(self.config.out / PREDICTIONS)
        samples = self.config.generation.samples
        return [t for t in self.prepared.view.items if any((t.id, k) not in done for k in range(samples))]

    def load_model(self) -> Model:
        """The model, on the config's backend."""
        return load(self.prepared.spec, self.config.model_options, self.config.backend, self.config.gpu)

    def run(self, model: Model | None, on_progress: Callable[[Progress], None] | None = None) -> dict:
        """Generate what is missing, judge it, write the results; the model is closed at the end. ``model`` may
        be None when nothing is left to generate (:meth:`todo`)."""
        try:
            return _run_held(self, model, on_progress)
        finally:
            if hasattr(model, "close"):
                model.close()


@contextmanager
def held_run(prepared: Prepared) -> Iterator[HeldRun]:
    """Check the run directory, hold its lock and claim it for this run, before any model is loaded, so that a
    directory that cannot be this run's is refused at once; the lock is held until the block ends.

    When the block fails before a prediction is written (a model that does not load, say), the claim is undone."""
    config, view = prepared.config, prepared.view
    task = prepared.task
    task.check_shots(config.prompt)
    shots = choose_shots(_shots_pool(config, view), config.prompt.shots, config.prompt.shots_seed)
    described = view.describe(config.split, config.levels, config.limit, config.per_level)
    identity = Identity.of(config, described, _shots_source(config, view) if shots else None)
    out = config.out
    made = check_out(out, identity)
    with hold(out):
        claimed = claim(out, identity)
        try:
            yield HeldRun(prepared, shots, relabel(out, identity), described)
        except BaseException:  # Ctrl-C while a model loads included
            if claimed:
                unclaim(out, made)  # a run that failed before writing anything leaves nothing behind
            raise


def run(prepared: Prepared, model: Model | None, on_progress: Callable[[Progress], None] | None = None) -> dict:
    """Run (or resume) an evaluation with ``model``; returns the results that ``results.json`` holds."""
    with held_run(prepared) as held:
        return held.run(model, on_progress)


def _run_held(held: HeldRun, model: Model | None, on_progress: Callable[[Progress], None] | None) -> dict:
    config, view, task = held.config, held.prepared.view, held.prepared.task
    out = config.out
    preds_path = out / PREDICTIONS
    todo = held.todo()
    progress = Progress(len(view.items), len(view.items) - len(todo), resumed=preds_path.is_file()
                        and preds_path.stat().st_size > 0)
    if on_progress:
        on_progress(progress)
    started = time.time()
    try:
        if todo:
            if model is None:
                raise ValueError("a run with problems left to answer needs its model")
            _ask_todo(held, model, todo, progress, on_progress)
        label = held.identity.label or held.prepared.spec.label(config.model_options)
        return finish(out, {**held.identity.to_json(), "label": label}, _selection(held), task,
                      model.settings() if model is not None else None, time.time() - started)
    except KeyboardInterrupt:
        saved = complete_lines(preds_path)
        raise Interrupted(f"{saved:,} predictions saved in {out}; run the same command again to resume") from None


def _ask_todo(held: HeldRun, model: Model, todo: list, progress: Progress,
              on_progress: Callable[[Progress], None] | None) -> None:
    config, view, task = held.config, held.prepared.view, held.prepared.task
    done = resume(config.out / PREDICTIONS)
    shown = task.shown_items(config.prompt, todo, _split_items(config, view))
    queries = {t.id: replace(task.prompt(t, config.prompt, held.shots, shown.get(t.id)), id=t.id) for t in todo}
    # Longest prompts first and together: batches pad less, and memory trouble shows at once.
    todo = sorted(todo, key=lambda t: -len(queries[t.id].text or json.dumps(queries[t.id].messages)))
    _ask_all(held, model, todo, queries, done, progress, on_progress)


def _selection(held: HeldRun) -> Selection:
    """What ``results.json`` may describe: this invocation's problems, and every problem of the run's split at
    its levels (a directory may hold more than this invocation asked: an earlier, fuller run)."""
    view = held.prepared.view
    whole = {k: v for k, v in held.described.items() if k != "per_level"} | {"limit": None, "n": len(view.all_items)}
    return Selection(held.described, {t.id for t in view.items}, whole, {t.id for t in view.all_items})


def _ask_all(held: HeldRun, model: Model, todo: list, queries: dict, done: set, progress: Progress,
             on_progress: Callable[[Progress], None] | None) -> None:
    config, task = held.config, held.prepared.task
    protocol = get_protocol(config.protocol)
    out = config.out
    for i in range(0, len(todo), config.batch_size):
        batch = todo[i: i + config.batch_size]
        answered = protocol.answer(model, task, batch, queries, config.generation, done, config.single_step)
        with uninterrupted():
            append(out / ERRORS, [(json.dumps({"id": k, "error": v}) + "\n").encode() for k, v in answered.errors.items()])
            append(out / PREDICTIONS, [line.to_bytes() for line in answered.lines])
        progress.judged += len(answered.judgements)
        progress.correct += sum(task.correct(j) for j in answered.judgements)
        progress.done += len(answered.finished)
        if on_progress:
            on_progress(progress)


def _split_items(config: RunConfig, view: SuiteView) -> list:
    """Every item of the split the view comes from (a one-shot PlanBench prompt shows one of them first)."""
    if view.file is None:
        return list(view.items)
    from ..suites.view import Item

    return [Item(str(ex.record.get("id") or f"{view.file.name}:{ex.line}"), ex) for ex in read_examples(view.file)
            if ex.split in (None, config.split)]


def _shots_source(config: RunConfig, view: SuiteView) -> Path | None:
    """The file few-shot examples come from: the one named, or the suite's train split."""
    return Path(config.shots_from) if config.shots_from else view.train


def _shots_pool(config: RunConfig, view: SuiteView) -> list[Example]:
    if config.prompt.shots <= 0:
        return []
    source = _shots_source(config, view)
    if source is None:
        raise BwbenchError("few-shot examples need a train split: the suite has none; name a file of them", field="shots")
    pool = [ex for ex in read_examples(source) if ex.split != "test"]
    test_keys = {(t.example.init, t.example.goal) for t in view.all_items or view.items}  # the whole split
    pool = [ex for ex in pool if (ex.init, ex.goal) not in test_keys]
    if len(pool) < config.prompt.shots:
        raise BwbenchError(f"{source} has {len(pool)} usable examples, fewer than the {config.prompt.shots} asked for",
                           field="shots")
    return pool
