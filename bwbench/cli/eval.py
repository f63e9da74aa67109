"""``bwbench eval``: a model on a suite, every answer judged; resumable."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.progress import TextColumn

from . import common
from .app import command

Model = Annotated[str, typer.Option("--model", metavar="SPEC", help="planner, random, bwbench-tiny, hf:<dir or hub id>, vllm:<dir or id>, openai:<base url>.")]
Suite = Annotated[Path, typer.Option("--suite", metavar="DIR|FILE", help="A suite directory (uses <split>.jsonl) or any dataset file, ours or the seed's.")]
Split = Annotated[str, typer.Option("--split", metavar="NAME", help="Which split of a suite directory.")]
Level = Annotated[Optional[str], typer.Option("--level", metavar="Lk", help="Only this true level, e.g. L3 (from the optimal plan length).")]
Levels = Annotated[Optional[str], typer.Option("--levels", metavar="Lk,...", help="Only these true levels, e.g. L1,L2.")]
Limit = Annotated[Optional[int], typer.Option("--limit", min=1, metavar="N", help="Only the first N problems; the same command without it later extends the same run, keeping what was done.")]
PerLevel = Annotated[Optional[int], typer.Option("--per-level", min=1, metavar="N", help="Only N problems of each level, evenly spaced through it (so each of its block counts is represented): a curve over many levels at a fraction of the cost; like --limit, a later command without it extends the run.")]
Out = Annotated[Optional[Path], typer.Option("--out", metavar="DIR", help="Run directory (default: results/<model>-<suite>-<split>[-<levels>]). Re-running resumes; one bwbench eval at a time writes it.")]
Template = Annotated[str, typer.Option("--template", metavar="NAME", help="Prompt: seed ([INST] ... [/INST], the fine-tuned models' form), chat (the model's chat template), plain, or PlanBench's exact prompts: planbench (zero-shot) or planbench-1shot.")]
Shots = Annotated[int, typer.Option("--shots", min=0, metavar="K", help="Few-shot examples from the suite's train split (never its test split).")]
ShotsFrom = Annotated[Optional[Path], typer.Option("--shots-from", metavar="FILE", help="Take few-shot examples from this file instead.")]
Samples = Annotated[int, typer.Option("--samples", min=1, metavar="K", help="Completions per problem; with more than one, pass@1 and pass@k are reported. Models (hf, bwbench-tiny, vllm, openai) need --temperature above 0 for it; planner repeats its plan, random draws a new walk per sample.")]
Temperature = Annotated[float, typer.Option("--temperature", min=0.0, metavar="T", help="0 is greedy (deterministic); above 0, sampling, seeded per problem and sample by --seed.")]
MaxNew = Annotated[Optional[int], typer.Option("--max-new-tokens", min=1, metavar="N", help="Default: sized from the longest optimal plan of the split at the chosen levels, whatever --limit.")]
Seed = Annotated[int, typer.Option("--seed", help="Seed for sampling and for choosing few-shot examples.")]
Batch = Annotated[int, typer.Option("--batch-size", min=1, metavar="N", help="Problems per batch (a kill loses at most one batch).")]
Lora = Annotated[Optional[Path], typer.Option("--lora", metavar="DIR", help="hf/vllm: a peft LoRA adapter directory.")]
Revision = Annotated[Optional[str], typer.Option("--revision", metavar="REV", help="hf/vllm: model revision on the hub.")]
Dtype = Annotated[Optional[str], typer.Option("--dtype", metavar="NAME", help="hf/vllm: auto (default), float32, bfloat16 or float16.")]
Device = Annotated[Optional[str], typer.Option("--device", metavar="NAME", help="hf: auto (default), cpu, cuda, cuda:1, ...")]
Trust = Annotated[bool, typer.Option("--trust-remote-code", help="hf/vllm: run code shipped with the model (off unless given; recorded).")]
Api = Annotated[Optional[str], typer.Option("--api", metavar="NAME", help="openai: completions (default) or chat.")]
Served = Annotated[Optional[str], typer.Option("--served-model", metavar="NAME", help="openai: the model the server serves, part of the run's identity and name (default: the one model the server lists; a server listing several needs it).")]
Concurrency = Annotated[Optional[int], typer.Option("--concurrency", min=1, metavar="N", help="openai: requests in flight at once (default 8).")]
Timeout = Annotated[Optional[float], typer.Option("--timeout", min=0.1, metavar="SECONDS", help="openai: seconds per request (default 60).")]
Retries = Annotated[Optional[int], typer.Option("--retries", min=0, metavar="N", help="openai: retries per request, with exponential backoff (default 4).")]
Stop = Annotated[Optional[list[str]], typer.Option("--stop", metavar="STRING", help="Stop generating at this string (repeatable; \\n is a line break); --stop none for no stop string. Default: the template's (a blank line for bare plans; none for chat).")]
Name = Annotated[Optional[str], typer.Option("--name", metavar="LABEL", help="What leaderboards call this run (default: the model, or the model a server serves).")]
SingleStep = Annotated[bool, typer.Option("--single-step/--no-single-step", help="hf: also measure teacher-forced single-step success.")]
Backend = Annotated[str, typer.Option("--backend", metavar="NAME", help="local, or modal (the vllm model on a Modal GPU).")]
Gpu = Annotated[Optional[str], typer.Option("--gpu", metavar="TYPE", help="modal: GPU type, e.g. A100 (default), H100, L40S, A100-80GB:2.")]


@command("eval", epilog=common.examples("bwbench eval --model planner --suite data/paper --level L3"))
def eval_(model: Model, suite: Suite, split: Split = "test", level: Level = None, levels: Levels = None,
          limit: Limit = None, per_level: PerLevel = None, out: Out = None, template: Template = "seed",
          shots: Shots = 0, shots_from: ShotsFrom = None, samples: Samples = 1, temperature: Temperature = 0.0,
          max_new_tokens: MaxNew = None, seed: Seed = 0, batch_size: Batch = 8, lora: Lora = None,
          revision: Revision = None, dtype: Dtype = None, device: Device = None, trust_remote_code: Trust = False,
          api: Api = None, served_model: Served = None, concurrency: Concurrency = None,
          timeout: Timeout = None, retries: Retries = None, single_step: SingleStep = True, backend: Backend = "local",
          gpu: Gpu = None, stop: Stop = None, name: Name = None) -> None:
    """Run a model on a suite and judge every answer; resumable, with results.json, predictions.jsonl and report.txt."""
    from ..runs.runner import EvalRequest, held_run, prepare

    prepared = prepare(EvalRequest(
        model, suite, split, common.levels(level, levels), limit, per_level, out, template, shots, shots_from, samples,
        temperature, max_new_tokens, seed, batch_size, lora, revision, dtype, device, trust_remote_code, api,
        served_model, concurrency, timeout, retries, single_step, backend, gpu, _stops(stop), name))
    with held_run(prepared) as held:  # the run directory is checked, locked and claimed before the model loads
        loaded = None
        if held.todo():  # a finished run is scored again at once, with no model to load
            with common.err.status(f"loading {model}"):
                loaded = held.load_model()
        start = time.perf_counter()
        with common.progress(TextColumn("{task.fields[rate]}")) as bar:
            results = held.run(loaded, on_progress=_shown(bar, prepared, f"{model} on {prepared.view.name}"))
    report(results, prepared, time.perf_counter() - start)


def _stops(given: list[str] | None) -> tuple[str, ...] | None:
    """``--stop`` strings, ``\\n`` and ``\\t`` read as a line break and a tab; ``--stop none``: none at all."""
    if not given:
        return None
    if given == ["none"]:
        return ()
    return tuple(s.replace("\\n", "\n").replace("\\t", "\t") for s in given)


def _shown(bar, prepared, description: str):
    """What the progress bar shows of a run: problems done, and the running rate of the task's primary figure."""
    task = bar.add_task(description, total=len(prepared.view.items), rate="")
    said = []
    primary = prepared.task.primary

    def show(p) -> None:  # a bwbench.runs.runner.Progress
        if p.resumed and not said:
            said.append(True)
            common.err.print(f"resuming {prepared.config.out}: {p.done:,} of {common.count(p.total, 'problem')} "
                             "already done", highlight=False, markup=False, soft_wrap=True)
        bar.update(task, total=p.total, completed=p.done, rate=f"{primary} {100 * p.rate:.1f}%" if p.judged else "")

    return show


def report(results: dict, prepared, seconds: float) -> None:
    """The run's figures (every answer in its directory), this invocation's where it asked for fewer, answers the
    token budget cut off, and a warning for problems a server failed on."""
    from ..runs.finish import budget_line
    from ..suites.view import level_name

    config, view = prepared.config, prepared.view
    common.show(f"{config.model} on {view.name} ({config.split}{', ' + level_name(config.levels) if config.levels else ''}): "
                f"{common.count(results['n_examples'], 'problem')} in {seconds:.1f}s → {config.out}")
    shown = [c.metric for c in prepared.task.columns]

    def figures(overall: dict) -> str:
        return "  ".join(f"{k} {100 * overall[k]:.1f}%" for k in dict.fromkeys(shown) if overall.get(k) is not None)

    common.show(figures(results["metrics"]["overall"]))
    if results.get("invocation"):
        asked = results["invocation"]
        common.show(f"of which this command's {common.count(asked['n_examples'], 'problem')}: {figures(asked['overall'])}")
    if results["pass_at_k"]:
        pk = results["pass_at_k"]
        k = pk["k"]
        common.show(f"pass@1 {100 * pk['pass@1']:.1f}%  pass@{k} {100 * pk[f'pass@{k}']:.1f}%")
    if budget_line(results):
        common.warn(budget_line(results).strip() + "; raise --max-new-tokens to give answers more room")
    if results["failed_examples"]:
        failed = len(results["failed_examples"])
        common.warn(f"{common.count(failed, 'problem')} failed after retries (see {config.out / 'errors.jsonl'}); "
                    f"run the same command again to retry {'it' if failed == 1 else 'them'}")
