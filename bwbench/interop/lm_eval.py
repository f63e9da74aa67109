"""``bwbench export lm-eval``: a suite as an lm-evaluation-harness task directory.

The directory holds one task per level (``<name>_l1``, ``<name>_l2``, ...), a
group ``<name>`` over them, the problems with the exact prompts ``bwbench
eval`` sends (``docs.jsonl``), and ``utils.py`` (a copy of
:mod:`bwbench.interop.lm_eval_utils`), whose ``process_results`` judges each
completion with bwbench's judge. So ``lm_eval --include_path DIR --tasks
<name>_l3 --model hf --model_args pretrained=...`` measures what ``bwbench eval
--level L3`` measures, with the same greedy decoding, stop strings and token
budget, and runs offline: nothing is fetched from a hub.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from ..errors import BwbenchError
from ..fileio import replace_dir
from ..provenance import VERSION
from ..suites.view import load_suite
from ..tasks import suite_task
from ..tasks.prompts import PromptConfig

MARKER = "bwbench_task.json"  # what marks a directory as an export this command may replace
MAX_GEN_TOKS = 1024
"""The most new tokens an exported task allows: lm_eval refuses a budget that does not fit, with its prompt, in
the model's context, so a chat turn's room to talk is capped here (bare plans need far less)."""


@dataclass(frozen=True)
class ExportRequest:
    """What ``bwbench export lm-eval`` asks for."""

    suite: Path
    out: Path
    split: str = "test"
    name: str = "bwbench"
    template: str = "seed"
    levels: tuple[int, ...] | None = None


def export_lm_eval(request: ExportRequest) -> dict:
    """Write the task directory ``request.out`` (replacing an earlier export there, all at once); return its
    description."""
    suite, out, split, name, template, levels = (request.suite, request.out, request.split, request.name,
                                                 request.template, request.levels)
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise BwbenchError(f"task name {name!r}: use lower-case letters, digits and _, starting with a letter",
                           field="name")
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and not (out / MARKER).is_file())):
        raise BwbenchError(f"exists and is not a bwbench lm-eval export (no {MARKER}); choose another directory",
                           str(out), field="out")
    view = load_suite(suite, split)
    task = suite_task(view)
    if not task.exportable:
        raise BwbenchError(f"asks task {task.name!r}, which has no lm-evaluation-harness export yet; evaluate it with "
                           "bwbench eval", str(suite), field="suite")
    if template not in task.exportable:
        raise BwbenchError(f"unknown template {template!r}; choose one of: {', '.join(task.exportable)} "
                           "(PlanBench's prompts are run with bwbench eval)", field="template")
    by_level = defaultdict(list)
    for t in view.items:
        by_level[t.level].append(t)
    if levels:
        missing = [f"L{k}" for k in levels if k not in by_level]
        if missing:
            have = ", ".join(f"L{k}" for k in sorted(by_level))
            raise BwbenchError(f"no {', '.join(missing)} problems in the {split} split (it has {have})", field="levels")
        by_level = {k: by_level[k] for k in levels}
    prompt = PromptConfig(template)
    docs, lm_tasks, stop = [], {}, ()
    for level in sorted(by_level):
        # chat: the bare user message, for lm_eval's --apply_chat_template
        docs += [task.export_doc(t, prompt) for t in by_level[level]]
        budget = task.budget(template, by_level[level])
        stop = budget.stop
        lm_tasks[f"{name}_l{level}"] = {"level": level, "n": len(by_level[level]),
                                        "max_gen_toks": min(budget.max_new_tokens, MAX_GEN_TOKS)}
    meta = {"bwbench_version": VERSION, "suite": view.describe(split, None, None),
            "template": template, "group": name, "tasks": lm_tasks}
    files = {
        MARKER: json.dumps(meta, indent=2) + "\n",
        "docs.jsonl": "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs),
        "utils.py": (Path(__file__).parent / "lm_eval_utils.py").read_text(encoding="utf-8"),
        f"_{name}.yaml": _group_yaml(name, list(lm_tasks), task.lm_eval_metrics),
        "README.md": _readme(meta),
    }
    files.update({f"{t}.yaml": _lm_task_yaml(t, info, meta, stop, task.lm_eval_metrics) for t, info in lm_tasks.items()})
    replace_dir(out, {rel: text.encode("utf-8") for rel, text in files.items()}, lambda d: (d / MARKER).is_file())
    return meta


def _lm_task_yaml(lm_task: str, info: dict, meta: dict, stop: tuple[str, ...], metrics: tuple[str, ...]) -> str:
    q = json.dumps  # a JSON string is a YAML double-quoted scalar
    lines = [
        f"# {lm_task}: bwbench {meta['suite']['name']} ({meta['suite']['split']} split), L{info['level']}, {info['n']} problems.",
        "# Written by `bwbench export lm-eval`; export again rather than edit.",
        f"task: {lm_task}",
        f"tag: [{meta['group']}_levels]",
        "custom_dataset: !function utils.load_docs",
        "dataset_kwargs:",
        f"  level: {info['level']}",
        "output_type: generate_until",
        "test_split: test",
        "doc_to_text: !function utils.doc_to_text",
        "doc_to_target: !function utils.doc_to_target",
        "process_results: !function utils.process_results",
        "generation_kwargs:",
        "  until: [" + ", ".join(q(s) for s in stop) + "]",
        "  do_sample: false",
        "  temperature: 0.0",
        f"  max_gen_toks: {info['max_gen_toks']}",
        "num_fewshot: 0",
        "metric_list:",
    ]
    for m in metrics:
        lines += [f"  - metric: {m}", "    aggregation: mean", "    higher_is_better: true"]
    lines += ["metadata:", "  version: 1.0", f"  bwbench_version: {q(meta['bwbench_version'])}",
              f"  suite_sha256: {q(meta['suite']['sha256'])}", f"  template: {meta['template']}"]
    return "\n".join(lines) + "\n"


def _group_yaml(name: str, lm_tasks: list[str], metrics: tuple[str, ...]) -> str:
    lines = [f"# {name}: every level of the export, averaged over problems.", f"group: {name}", "task:"]
    lines += [f"  - {t}" for t in lm_tasks]
    lines += ["aggregate_metric_list:"]
    lines += [f"  - metric: {m}\n    weight_by_size: true" for m in metrics]
    lines += ["metadata:", "  version: 1.0"]
    return "\n".join(lines) + "\n"


def _readme(meta: dict) -> str:
    s, lm_tasks, group = meta["suite"], meta["tasks"], meta["group"]
    last = list(lm_tasks)[-1]
    chat = meta["template"] == "chat"
    rows = [f"| `{t}` | L{i['level']} | {i['n']} | {i['max_gen_toks']} |" for t, i in lm_tasks.items()]
    return "\n".join([
        f"# lm-evaluation-harness tasks for bwbench `{s['name']}`", "",
        f"Exported by bwbench {meta['bwbench_version']} from `{s['path']}` ({s['split']} split, "
        f"sha256 `{s['sha256']}`), `{meta['template']}` prompt template.", "",
        "| task | level | problems | max_gen_toks |", "|---|---|---|---|", *rows, "",
        f"The group `{group}` runs them all and averages over problems.", "",
        "## Run", "", "```sh",
        f"lm_eval --include_path {{this directory}} --tasks {last} --model hf --model_args pretrained=MODEL"
        + (" --apply_chat_template" if chat else ""),
        "```", "",
        "bwbench must be importable where lm_eval runs (`pip install --no-deps bwbench` is enough: "
        "the judge needs only the standard library). Nothing is downloaded for the data.", "",
        "## Metrics", "",
        "Every completion is cut at the first blank line or `[INST]` and judged by bwbench's judge, which "
        "simulates the plan:", "",
        "- `valid`: every step is legal and the goal holds at the end;",
        "- `optimal`: valid, and as short as an optimal plan;",
        "- `exact`: the gold plan's text, up to whitespace (there may be other optimal plans).", "",
        f"Decoding matches `bwbench eval --template {meta['template']}`: greedy, the same stop strings and the same "
        "token budget, zero-shot, and the prompt is tokenized as the tokenizer does by default. "
        + ("The prompts are bare user messages: run with `--apply_chat_template`, which wraps them in the model's "
           "chat template." if chat else "Do not add `--apply_chat_template`: the prompts are complete"
           + (" (the `seed` template already is the Llama-2 chat format)." if meta["template"] == "seed" else "."))
        + " Few-shot runs (`--num_fewshot`) are not bwbench's few-shot prompts and are not comparable.", "",
    ])
