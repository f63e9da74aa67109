"""A results file as a leaderboard reads it: a :class:`Run` (a row), and which problems it measured.

Each results file is read once, by :func:`bwbench.runs.results.read_results`
(which validates every field it reads), into a :class:`Run` holding
everything a page shows: its task, the problems it measured, its figures, how
it was made (its settings, named as a row shows them) and what tells a repeat
of it from another run. A file that cannot be read is left out with the
reason, never a crash.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from ..runs import results
from ..runs.results import Block, Results, ResultsError, read_results, take, task_of
from ..tasks import TASKS, get_task


@dataclass(frozen=True)
class Problems:
    """Which problems a run measured, and for which task. Only runs with equal ``Problems`` share a table.

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
    task: str = "plan"

    def order(self) -> tuple:
        """Split, levels, limit, then the sha256: the order of a suite's tables (after its name, on a page)."""
        return self.task, self.split, self.level or "", self.limit or 0, self.per_level or 0, self.n, self.sha256

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
class Run:
    """A results file as a page shows it."""

    file: str
    task: str
    model: str  # the model spec the run was made with
    suite_name: str
    problems: Problems
    n_examples: int
    complete: bool
    bwbench_version: str
    finished: str
    overall: Block
    by_level: dict[str, Block]
    by_length: dict[int, Block] | None  # None where the results file predates metrics.by_length
    lora: str | None
    rescored_from: str | None
    template: str | None
    prompt_label: str | None
    pddl: bool
    planbench: tuple[int, int] | None  # PlanBench's own count: correct answers, of n
    no_response: int  # problems PlanBench's file has no answer for
    identity: str  # equal for a repeat of the same run (model, weights, options, prompt, generation, problems)
    settings: tuple[tuple[str, str], ...] = ()  # how the run was made: ("generation.temperature", "T 0.7"), ...
    differs: str = ""  # the settings in which it differs from the other runs of its table, as its row shows them
    name: str = ""  # the row's label: the results' label, else the served model, else the model spec
    served: bool = False  # answered by an OpenAI-compatible server (its served model named)
    git_sha: str | None = None  # the commit of bwbench that scored it
    answers_file: str | None = None  # the file its answers were read from, where they were made elsewhere
    planbench_reader: str | None = None  # how PlanBench read the answers for its own figure
    by_file: bool = False  # its row names its answers file: another row of its table reads the same otherwise


def read(path: Path) -> Run:
    """One results file as a row; ``ResultsError`` with the reason when the page cannot show it."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return row(str(path), read_results(path))  # not a results object: read_results raises, wording the reason
    return parse(str(path), data)


def parse(file: str, data: object) -> Run:
    """A results file's content (read from ``file``) as a row; ``ResultsError`` naming the first field missing or
    of the wrong kind."""
    name = task_of(data)
    if name not in TASKS:
        raise ResultsError(f"task is {name!r}, not one of: {', '.join(TASKS)}")
    return row(file, results.parse(data, required_metrics(get_task(name))))


def required_metrics(task) -> tuple[str, ...]:
    """The rates every block of a results file of ``task`` must give: those its tables and curve show."""
    shown = [c.metric for c in (*task.columns, *getattr(task, "planbench_columns", ())) if c.metric != "single_step"]
    return tuple(dict.fromkeys([*shown, *getattr(task, "curve", ())]))


def row(file: str, r: Results) -> Run:
    """A read results file as a page's row."""
    settings_block = "adapter" if r.schema_version == 1 else "model_settings"
    lora = take(r.model_settings, settings_block, "lora", str, absent=True, null=True)
    problems = Problems(r.suite.sha256, r.suite.split, r.suite.level, r.suite.limit, r.suite.n, r.suite.per_level,
                        r.task)
    prompt = r.prompt
    data = r.data
    name, served = _label(r)
    planbench = take(data, "", "planbench", dict, absent=True, null=True) or {}
    return Run(
        file=file, task=r.task, model=r.model, suite_name=r.suite.name, problems=problems, n_examples=r.n_examples,
        complete=r.complete, bwbench_version=r.bwbench_version, finished=r.finished, overall=r.overall,
        by_level=r.by_level, by_length=r.by_length, lora=lora,
        rescored_from=r.rescored["from"] if r.rescored else None,
        template=take(prompt, "prompt", "template", str, absent=True, null=True),
        prompt_label=take(prompt, "prompt", "label", str, absent=True, null=True),
        pddl=bool(take(prompt, "prompt", "pddl", bool, absent=True, null=True)),
        planbench=r.planbench, no_response=r.no_response,
        identity=json.dumps([r.task, r.protocol, r.model, name, lora, data.get("model_options"), data.get("prompt"),
                             data.get("generation"), problems.split, problems.level, problems.limit], sort_keys=True),
        settings=_settings(data), name=name, served=served,
        git_sha=take(data, "", "git_sha", str, absent=True, null=True),
        answers_file=_answers_file(prompt, r.rescored),
        planbench_reader=take(planbench, "planbench", "reader", str, absent=True, null=True),
    )


def _label(r: Results) -> tuple[str, bool]:
    """The row's label and whether a server named it: the results' ``label`` (``eval --name``), else the model an
    OpenAI-compatible server served (never its URL, which two servers share), else the model spec."""
    label = take(r.data, "", "label", str, absent=True, null=True)
    served = None
    for block in (r.model_settings, r.data.get("model_options")):
        value = block.get("served_model") if isinstance(block, dict) else None
        served = served or (value if isinstance(value, str) and value.strip() else None)
    if label and label.strip():
        return label, served is not None
    return (served, True) if served else (r.model, False)


def _answers_file(prompt: dict, rescored: dict | None) -> str | None:
    """The name of the file a rescored run's answers came from (PlanBench's, as its prompt block names it)."""
    named = take(prompt, "prompt", "planbench_file", str, absent=True, null=True)
    return named or (Path(rescored["from"]).name if rescored else None)


SETTINGS = ("prompt", "generation", "model_options")  # the blocks of a results file that say how its run was made
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
    are not repeated: a LoRA whose directory name tells it apart (the kind column), a served model its row's label
    names, and in a table of PlanBench prompts, the prompt itself (the prompt column)."""
    values: dict[str, set[str]] = {}
    for run in runs:
        for name, text in run.settings:
            values.setdefault(name, set()).add(text)
    skip = set(SHOWN_BY_PROMPT) if planbench else set()
    loras = {r.lora for r in runs if r.lora}
    if len({Path(x).name for x in loras}) == len(loras):
        skip.add("model_options.lora")
    served = [r for r in runs if any(name == "model_options.served_model" for name, _ in r.settings)]
    if len({r.name for r in served}) == len(served):
        skip.add("model_options.served_model")  # each row's label already names its served model
    differ = {name for name, texts in values.items() if len(texts) > 1 and name not in skip}
    return [", ".join(text for name, text in run.settings if name in differ) for run in runs]


def prompt(run: Run) -> str:
    """How the model was asked, as a PlanBench table's prompt column says it; with the answers file where another
    row of the table would read the same (one file of answers that PlanBench scored several ways)."""
    if run.model in ("planner", "random"):
        return "— (" + ("optimal planner" if run.model == "planner" else "random legal actions" if run.task in
                        ("plan", "optimal") else "random answers") + ")"
    if run.by_file and run.answers_file:
        return f"{prompt_kind(run)}, `{run.answers_file}`".replace("|", "\\|")
    if run.prompt_label:
        return run.prompt_label.replace("|", "\\|")
    return prompt_kind(run)


def prompt_kind(run: Run) -> str:
    """``zero-shot``, ``one-shot (PDDL)``: the prompt, without the file its answers came from."""
    label = "one-shot" if run.template == "planbench-1shot" else "zero-shot"
    return label + (" (PDDL)" if run.pddl else "")


def kind(run: Run) -> str:
    """What answered: a ceiling or a floor, a LoRA adapter, the shipped model, a model as loaded, or answers
    made elsewhere and rescored here."""
    if run.rescored_from:
        return f"predictions rescored (`{Path(run.rescored_from).name}`)"
    if run.lora:
        return f"LoRA `{Path(run.lora).name}`"
    if run.model in ("planner", "random"):
        return "ceiling (optimal planner)" if run.model == "planner" else "floor (random legal actions)"
    if run.model == "bwbench-tiny":
        return "trained from scratch (shipped)"
    if run.served:
        return "served (OpenAI-compatible)"
    return "as loaded"
