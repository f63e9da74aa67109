"""The ``bwbench`` command line: parses options, calls the library, prints with rich."""

from __future__ import annotations

import json
import re
import sys
import time
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.progress import TextColumn
from rich.table import Table

from ..errors import BwbenchError, Interrupted

out = Console()
err = Console(stderr=True)


class _Commands(typer.core.TyperGroup):
    """Runs a command and reports what went wrong: the one place where errors become one line and an exit code.

    Bad input (``BwbenchError``) and the file system refusing (a read-only
    directory, a file where a directory should be) exit 2; Ctrl-C exits 130,
    saying what was kept when the command knows (``Interrupted``). Writers
    write to temporary names and rename, so nothing is left half-written.
    """

    def invoke(self, ctx: typer.Context):
        try:
            return super().invoke(ctx)
        except BwbenchError as exc:
            _say("error", str(exc))
            raise typer.Exit(2) from None
        except OSError as exc:
            where = ": ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
            _say("error", f"{where}: {exc.strerror}" if where and exc.strerror else str(exc))
            raise typer.Exit(2) from None
        except Interrupted as exc:
            _say("interrupted", str(exc))
            raise typer.Exit(130) from None
        except KeyboardInterrupt:
            _say("interrupted", "nothing was written half-way; run the same command again")
            raise typer.Exit(130) from None


def _say(label: str, message: str) -> None:
    err.print(f"[bold red]{label}:[/] {message}", highlight=False, soft_wrap=True, markup=True)


def _version(show: bool) -> None:
    if show:
        from .. import __version__

        out.print(f"bwbench {__version__}", highlight=False)
        raise typer.Exit()


app = typer.Typer(
    name="bwbench",
    cls=_Commands,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                        help="Print the version and exit.")) -> None:
    """Blocksworld planning benchmark for LLMs: generate, solve, import, audit, score, eval, train, leaderboard, card, export, runs."""


def _progress(*extra: TextColumn):
    """A bar on a terminal; plain lines every few seconds in logs (see ``bwbench.progress``)."""
    from .progress import progress

    return progress(err, *extra)


FROM_ROOT = "from the repository root"


def _examples(*commands: str, needs: str | None = None) -> str:
    """A command's epilog. Examples run as pasted from the repository root (tests/test_help_examples.py runs
    every one), except where ``needs`` says what they need that a fresh checkout lacks."""
    label = "Example" if len(commands) == 1 else "Examples"
    return f"{label} ({f'needs {needs}' if needs else FROM_ROOT}):\n\n" + "\n\n".join(commands)


def _count(n: int, noun: str) -> str:
    """``1 problem``, ``1,000 problems``."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def _command() -> str:
    """This invocation as a shell command, for records that say how to redo them."""
    import shlex

    return "bwbench " + " ".join(shlex.quote(a) for a in sys.argv[1:])


@app.command(epilog=_examples("bwbench generate --level L3 --n 200 --out suites/l3"))
def generate(
    level: Optional[str] = typer.Option(None, "--level", help="One level, e.g. L3 (Lk = optimal plans of 2k steps)."),
    levels: Optional[str] = typer.Option(None, "--levels", help="Several levels, e.g. L1,L2,L3."),
    n: Optional[int] = typer.Option(None, "--n", min=0, help="Test problems per level, each with exactly one optimal plan (default 100)."),
    train: Optional[int] = typer.Option(None, "--train", min=0, help="Training problems per level, disjoint from test (default 0)."),
    blocks: Optional[str] = typer.Option(None, "--blocks", help="Block counts, e.g. 6 or 4-6 (default); problems are spread evenly over them."),
    max_towers: Optional[int] = typer.Option(None, "--max-towers", min=1, help="At most this many towers in any state."),
    seed: int = typer.Option(0, "--seed", help="Random seed; the same arguments give byte-identical files."),
    colors: Optional[str] = typer.Option(None, "--colors", help="Comma-separated block names (default: the seed's 7 colours)."),
    preset: Optional[str] = typer.Option(None, "--preset", help="A predefined suite: paper (Table 1 exactly), standard, or ladder (plans of 2 to 40 steps). It fixes the levels, block counts, problem counts and sampling, so --level(s), --n, --train, --blocks, --sampler and --allow-ties are refused with it; the other options apply."),
    planner: str = typer.Option("bwbench", "--planner", help="Planner for gold plans: bwbench, pyperplan or fast-downward."),
    disjoint_renaming: bool = typer.Option(False, "--disjoint-renaming", help="Also keep train and test apart up to renaming of colours."),
    suite: Optional[str] = typer.Option(None, "--suite", help="Suite name, used in ids (default: the preset, or 'custom')."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Suite directory (default: ./<suite>); an earlier generated suite there is replaced whole (its dataset card rewritten), any other non-empty directory refused."),
    pddl: Optional[Path] = typer.Option(None, "--pddl", help="Also write every problem as DIR/<id>.pddl (DIR may be inside --out)."),
    sampler: str = typer.Option("auto", "--sampler", help="How problems are drawn: uniform (random pairs kept at the level: uniform over it, but finds nothing far from the typical level), walk (a random goal, then k moves each one further from it: any level, not uniform), or auto (uniform up to 7 blocks, walk beyond)."),
    allow_ties: bool = typer.Option(False, "--allow-ties", help="Test problems may have several optimal plans (long plans with many blocks rarely have one); the manifest says so."),
    jobs: int = typer.Option(1, "--jobs", min=1, help="Worker processes (uniform cells run in parallel, a walk cell's attempts do; output is the same)."),
) -> None:
    """Generate a benchmark suite: JSONL per split plus manifest.json."""
    from ..suites import generate as g
    from ..planning.planner import PLANNERS

    if planner not in PLANNERS:
        raise BwbenchError(f"unknown planner {planner!r}; choose one of: {', '.join(PLANNERS)}", "--planner")
    cells = g.suite_cells(preset, level, levels, n, train, blocks, sampler, allow_ties)
    palette = g.parse_colors(colors, cells)
    name = suite or preset or "custom"
    cfg = g.GenerateConfig(
        suite=name, cells=tuple(cells), seed=seed, colors=palette, max_towers=max_towers,
        planner=planner, disjoint_renaming=disjoint_renaming, preset=preset,
    )
    target = out_dir or Path(name)
    g.check_out(target)  # before the work, not after it
    g.check_pddl_dir(pddl, target)
    total = sum(c.count for c in cells)
    start = time.perf_counter()
    with _progress() as bar:
        task = bar.add_task(f"generating {name}", total=total)
        result = g.generate(cfg, jobs=jobs, progress=lambda k: bar.advance(task, k))
    man = g.write_suite(result, target, pddl)
    secs = time.perf_counter() - start
    table = Table(title=f"{name}: {total:,} problems in {secs:.1f}s → {target}", title_justify="left")
    table.add_column("split")
    table.add_column("level")
    table.add_column("problems by block count")
    for split, by_level in man["counts"].items():
        for lvl, by_blocks in by_level.items():
            table.add_row(split, lvl, "  ".join(f"{b}b: {c}" for b, c in by_blocks.items()))
    out.print(table)


@app.command(epilog=_examples("bwbench solve ../shared/planbench-reference/instances/blocksworld/generated_basic/instance-12.pddl "
                             "--domain ../shared/planbench-reference/instances/blocksworld/generated_domain.pddl --planner pyperplan"))
def solve(
    problem: Path = typer.Argument(..., help="PDDL problem file (a full configuration or a partial goal)."),
    domain: Optional[Path] = typer.Option(None, "--domain", help="PDDL domain file: Blocksworld under any names (default: the shipped blocksworld.pddl)."),
    planner: str = typer.Option("bwbench", "--planner", help="bwbench, pyperplan or fast-downward."),
) -> None:
    """Print an optimal plan for a PDDL problem, as PDDL actions and in the seed's NL form."""
    from ..world.text import render_plan
    from ..suites.importing import solve_file

    solved = solve_file(problem, domain, planner)
    result = solved.result
    count = result.describe_count()
    out.print(f"; {result.length} step{'' if result.length == 1 else 's'}, planner {result.planner}, {solved.seconds * 1000:.1f} ms"
              + (f", {count}" if count else ""), highlight=False)
    for a in solved.plan_pddl:
        out.print(a, highlight=False)
    out.print()
    out.print(render_plan(result.plan), highlight=False)


@app.command("import", epilog=_examples("bwbench import ../shared/planbench-reference/instances/blocksworld/generated_basic "
                                         "--domain ../shared/planbench-reference/instances/blocksworld/generated_domain.pddl "
                                         "--names ../shared/planbench-reference/configs/blocksworld.yaml --out suites/planbench-bw"))
def import_(
    problems: List[Path] = typer.Argument(..., help="PDDL problem files, or directories of them (*.pddl, in natural order)."),
    domain: Optional[Path] = typer.Option(None, "--domain", help="Their PDDL domain: Blocksworld under any names, e.g. Mystery (default: the shipped blocksworld.pddl)."),
    names: Optional[Path] = typer.Option(None, "--names", help="A PlanBench config YAML: words for the objects and actions (encoded_objects, actions, predicates); a directory then gives the config's instances."),
    plans: Optional[Path] = typer.Option(None, "--plans", help="The source's own plans (PlanBench's info.json), checked and kept as source_plan: a one-shot PlanBench prompt shows them."),
    out_dir: Path = typer.Option(..., "--out", help="Suite directory to write (test.jsonl, manifest.json, README.md); an earlier import there is replaced whole, anything else refused."),
    suite: Optional[str] = typer.Option(None, "--suite", help="Suite name, used in ids (default: the --out directory's name)."),
) -> None:
    """Import anyone's Blocksworld PDDL problems as a suite, each solved optimally (partial goals included)."""
    from ..suites.importing import ImportConfig, import_suite

    config = ImportConfig(tuple(problems), out_dir, suite or out_dir.name, domain, names, plans, _command())
    start = time.perf_counter()
    with _progress() as bar:
        task = bar.add_task(f"importing into {config.suite}", total=None)
        man = import_suite(config, progress=lambda k: bar.advance(task, k),
                           on_total=lambda n: bar.update(task, total=n))
    imp = man["imported"]
    levels = "  ".join(f"{lvl}: {sum(c.values())}" for lvl, c in man["counts"]["test"].items())
    out.print(f"{config.suite}: {imp['problems']} problems ({imp['domain']['name']}: "
              f"{', '.join(imp['domain']['actions'].values())}) in {time.perf_counter() - start:.1f}s → {out_dir}", highlight=False)
    out.print(levels, highlight=False)


@app.command(epilog=_examples("bwbench audit data/paper/train.jsonl data/paper/test.jsonl --json"))
def audit(
    files: List[Path] = typer.Argument(..., help="JSONL datasets (bwbench's format or the seed's)."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object of counts instead of a table."),
) -> None:
    """Check datasets: invalid or suboptimal gold plans, solved problems, duplicates, leaks, true levels."""
    from ..suites.audit import LABELS
    from ..suites.audit import audit as run_audit

    with _progress() as bar:
        task = bar.add_task("auditing", total=None)
        report = run_audit(files, on_line=lambda: bar.advance(task))
    data = report.to_json()
    if as_json:
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
        return
    table = Table(title="bwbench audit", title_justify="left")
    table.add_column("check")
    for f in data["files"]:
        table.add_column(f"{Path(f['path']).name}\n({f['split'] or 'no split'})", justify="right")
    for k, label in LABELS.items():
        table.add_row(label, *(str(f[k]) for f in data["files"]))
    table.add_row("true levels", *(" ".join(f"{l}:{c}" for l, c in f["levels"].items()) for f in data["files"]))
    table.add_row("claimed levels", *(" ".join(f"{l}:{c}" for l, c in f["claimed_levels"].items()) for f in data["files"]))
    out.print(table)


@app.command(epilog=_examples("bwbench score ../shared/seed-reference/results/lora_2025-11-17-09-14-09-9bf6.json --report lora.txt",
                              "bwbench score ../shared/planbench-reference/results/blocksworld/*/*.json --suite data/planbench-bw  "
                              "# PlanBench's results"))
def score(
    files: List[Path] = typer.Argument(..., help="Predictions: bwbench JSONL (a problem and a raw 'completion' per line), the seed's results JSON, or PlanBench's results files (all for the suite given by --suite)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (rates as fractions, 95% Wilson intervals) instead of a table."),
    by: Optional[str] = typer.Option(None, "--by", help="Break down by 'level' (default: the true level, from the optimal plan length), 'blocks' or 'length' (the optimal plan length) (PlanBench files: all three, always)."),
    report: Optional[Path] = typer.Option(None, "--report", help="Also write a human-readable report: every failure with the judge's reason (PlanBench files: every disagreement with PlanBench, both readings)."),
    results_file: Optional[Path] = typer.Option(None, "--results", help="Also write a results.json (for bwbench leaderboard); needs --suite, and one FILE (and --model, but for a PlanBench file, named by its engine)."),
    results_dir: Optional[Path] = typer.Option(None, "--results-dir", help="PlanBench files: write each one's results.json to DIR/<suite>-<engine>-<prompt>/results.json."),
    suite: Optional[Path] = typer.Option(None, "--suite", help="The dataset the predictions are for (checked problem by problem): needed with --results, and for PlanBench's files (e.g. data/planbench-bw)."),
    model_name: Optional[str] = typer.Option(None, "--model", help="With --results: the name the leaderboard shows."),
    jobs: Optional[int] = typer.Option(None, "--jobs", min=1, help="Processes judging in parallel (default: one per core when the files hold 4 MB or more, else one). The output is the same with any number. Not with --results, nor for PlanBench files (one process)."),
) -> None:
    """Judge model plans by simulating them: exact match, valid, optimal, and why each failure failed."""
    from ..judging.report import ReportSpool
    from ..judging.metrics import GROUPS
    from ..judging.scoring import default_jobs, score_file, workers
    from ..fileio import atomic_write
    from ..interop.planbench_results import looks_like_results

    kinds = [looks_like_results(p) for p in files]
    if any(kinds):
        if not all(kinds):
            raise BwbenchError("PlanBench results files and other predictions cannot be scored in one command", "FILE")
        for given, option in ((by, "--by"), (jobs, "--jobs")):
            if given is not None:
                raise BwbenchError("does not apply to PlanBench results files (rescored in one process, "
                                   "by level, block count and optimal length)", option)
        return _score_planbench(files, suite, as_json, report, results_file, results_dir, model_name)
    scored = []
    by = by or "level"
    if by not in GROUPS:
        raise BwbenchError(f"unknown breakdown {by!r}; choose one of: {', '.join(GROUPS)}", "--by")
    if results_dir is not None:
        raise BwbenchError("--results-dir is for PlanBench results files; use --results OUT.json", "--results-dir")
    if results_file is not None and (suite is None or not model_name or len(files) != 1):
        raise BwbenchError("--results takes one predictions FILE, with --suite and --model", "--results")
    for given, option in ((suite, "--suite"), (model_name, "--model")):
        if given is not None and results_file is None:
            raise BwbenchError("goes with --results (predictions are checked against a suite only to write one)", option)
    if jobs is not None and results_file is not None:
        raise BwbenchError("--results judges in one process (it keeps every prediction to match the suite's problems)",
                           "--jobs")
    keep = results_file is not None  # --results compares the predictions with the suite's problems
    spool = ReportSpool() if report is not None else None
    # Workers start before the progress bar's thread; each file is read, judged and tallied record by record.
    with workers(1 if keep else jobs or default_jobs(files)) as pool, _progress() as bar:
        for path in files:
            task = bar.add_task(f"judging {path.name}", total=None)
            scored.append(score_file(path, (by,), pool, spool, keep, progress=lambda k: bar.advance(task, k)))
    if results_file is not None:
        from ..runs.runner import rescored_results

        record = rescored_results(scored[0].prediction_file(), scored[0].judgements, str(suite), model_name)
        atomic_write(results_file, (json.dumps(record, indent=2) + "\n").encode())
    if spool is not None:
        spool.write(report)
        spool.close()
    if as_json:
        objs = [{"file": s.path, "format": s.format, **s.card.to_json()} for s in scored]
        sys.stdout.write(json.dumps(objs[0] if len(objs) == 1 else {"files": objs}, indent=2) + "\n")
        return
    for s in scored:
        out.print(_score_table(s, by))


def _score_planbench(files: List[Path], suite: Optional[Path], as_json: bool, report: Optional[Path],
                     results_file: Optional[Path], results_dir: Optional[Path], model_name: Optional[str]) -> None:
    """`bwbench score` for PlanBench's results files: rescored on --suite, beside PlanBench's own verdicts."""
    from ..fileio import write_all
    from ..interop.planbench_rescore import outputs, score_files

    if suite is None:
        raise BwbenchError(f"{files[0]} is a PlanBench results file: name the suite it was run on "
                           "(e.g. --suite data/planbench-bw)", "--suite")
    if results_file is not None and len(files) != 1:
        raise BwbenchError("--results takes one FILE; for several, --results-dir DIR", "--results")
    if model_name is not None and len(files) != 1:
        raise BwbenchError("--model names one file's model; with several files each is named by its engine", "--model")
    with _progress() as bar:
        task = bar.add_task("rescoring PlanBench results", total=len(files))
        scores = score_files(files, suite, progress=lambda _: bar.advance(task))
    write_all(outputs(scores, results_file, results_dir, report, model_name))
    if as_json:
        objs = [s.to_json() for s in scores]
        sys.stdout.write(json.dumps(objs[0] if len(objs) == 1 else {"files": objs}, indent=2) + "\n")
        return
    out.print(_planbench_table(scores))


def _planbench_table(scores) -> Table:
    first = scores[0].suite
    table = Table(title=f"PlanBench results rescored on {first.name} ({len(first.examples)} problems)", title_justify="left")
    for name in ("run", "n", "miss", "out", "valid", "opt", "exec", "PlanBench", "agree ext", "agree ans"):
        table.add_column(name, justify="left" if name == "run" else "right")

    def pct(v) -> str:
        return "–" if v is None else f"{100 * v:.1f}%"

    for s in scores:
        m, fig, agree = s.card.overall.tallies, s.planbench_figure(), s.agreement()
        raw = agree["raw"]
        table.add_row(f"{s.file.engine} {s.file.prompt_label}", str(len(s.judged)), str(s.missing),
                      str(len(s.matched.outside)), pct(m["valid"].value), pct(m["optimal"].value),
                      pct(m["executable"].value), pct(fig["rate"]), pct(agree["extracted"]["rate"]),
                      pct(raw["rate"]) + (f" ({pct(raw['rate_adjudicated'])})" if raw["disagree"] else ""))
    table.caption = ("PlanBench: its own verdicts. agree: bwbench's verdict = PlanBench's, on PlanBench's extracted plans "
                     "(ext) and on the answers (ans; in brackets, counting each disagreement for the reading the answer "
                     "supports: see --report)")
    return table


def _score_table(scored, by: str) -> Table:
    """A scored file (:class:`bwbench.judging.scoring.ScoredFile`) as a table: metrics by group, with intervals."""
    card = scored.card
    groups = card.groups[by]
    table = Table(title=f"{scored.path}: {card.overall.n:,} predictions ({scored.format})", title_justify="left")
    table.add_column("metric")
    table.add_column("overall", justify="right")
    for key in groups:
        table.add_column({"level": key, "blocks": f"{key} blocks", "length": f"{key} steps"}[by], justify="right")
    summaries = [card.overall, *groups.values()]
    table.add_row("n", *(f"{s.n:,}" for s in summaries))
    for m in card.overall.metrics:
        cells = []
        for s in summaries:
            t = s.tallies[m.name]
            if t.value is None:
                cells.append("–")
                continue
            lo, hi = t.ci(m.kind)
            cells.append(f"{100 * t.value:.1f}%\n[dim]{100 * lo:.1f}–{100 * hi:.1f}[/]")
        table.add_row(m.label, *cells)
    claimed = scored.meta.get("metrics")
    if isinstance(claimed, dict):
        table.caption = "the file's own figures: " + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in claimed.items())
    return table


@app.command("eval", epilog=_examples("bwbench eval --model planner --suite data/paper --level L3"))
def eval_(
    model: str = typer.Option(..., "--model", help="planner, random, bwbench-tiny, hf:<dir or hub id>, vllm:<dir or id>, openai:<base url>."),
    suite: Path = typer.Option(..., "--suite", help="A suite directory (uses <split>.jsonl) or any dataset file, ours or the seed's."),
    split: str = typer.Option("test", "--split", help="Which split of a suite directory."),
    level: Optional[str] = typer.Option(None, "--level", help="Only this true level, e.g. L3 (from the optimal plan length)."),
    levels: Optional[str] = typer.Option(None, "--levels", help="Only these true levels, e.g. L1,L2."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Only the first N problems; the same command without it later extends the same run, keeping what was done."),
    per_level: Optional[int] = typer.Option(None, "--per-level", min=1, help="Only N problems of each level, evenly spaced through it (so each of its block counts is represented): a curve over many levels at a fraction of the cost; like --limit, a later command without it extends the run."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Run directory (default: results/<model>-<suite>-<split>[-<levels>]). Re-running resumes; one bwbench eval at a time writes it."),
    template: str = typer.Option("seed", "--template", help="Prompt: seed (\\[INST] ... \\[/INST], the fine-tuned models' form), chat (the model's chat template), plain, or PlanBench's exact prompts: planbench (zero-shot) or planbench-1shot."),
    shots: int = typer.Option(0, "--shots", min=0, help="Few-shot examples from the suite's train split (never its test split)."),
    shots_from: Optional[Path] = typer.Option(None, "--shots-from", help="Take few-shot examples from this file instead."),
    samples: int = typer.Option(1, "--samples", min=1, help="Completions per problem; with more than one, pass@1 and pass@k are reported. Models (hf, bwbench-tiny, vllm, openai) need --temperature above 0 for it; planner repeats its plan, random draws a new walk per sample."),
    temperature: float = typer.Option(0.0, "--temperature", min=0.0, help="0 is greedy (deterministic); above 0, sampling, seeded per problem and sample by --seed."),
    max_new_tokens: Optional[int] = typer.Option(None, "--max-new-tokens", min=1, help="Default: sized from the longest optimal plan of the split at the chosen levels, whatever --limit."),
    seed: int = typer.Option(0, "--seed", help="Seed for sampling and for choosing few-shot examples."),
    batch_size: int = typer.Option(8, "--batch-size", min=1, help="Problems per batch (a kill loses at most one batch)."),
    lora: Optional[Path] = typer.Option(None, "--lora", help="hf/vllm: a peft LoRA adapter directory."),
    revision: Optional[str] = typer.Option(None, "--revision", help="hf/vllm: model revision on the hub."),
    dtype: str = typer.Option("auto", "--dtype", help="hf/vllm: auto, float32, bfloat16 or float16."),
    device: str = typer.Option("auto", "--device", help="hf: auto, cpu, cuda, cuda:1, ..."),
    trust_remote_code: bool = typer.Option(False, "--trust-remote-code", help="hf/vllm: run code shipped with the model (off unless given; recorded)."),
    api: str = typer.Option("completions", "--api", help="openai: completions or chat."),
    served_model: Optional[str] = typer.Option(None, "--served-model", help="openai: the model name the server knows (default: the first it lists)."),
    concurrency: int = typer.Option(8, "--concurrency", min=1, help="openai: requests in flight at once."),
    timeout: float = typer.Option(60.0, "--timeout", min=0.1, help="openai: seconds per request."),
    retries: int = typer.Option(4, "--retries", min=0, help="openai: retries per request, with exponential backoff."),
    single_step: bool = typer.Option(True, "--single-step/--no-single-step", help="hf: also measure teacher-forced single-step success."),
    backend: str = typer.Option("local", "--backend", help="local, or modal (the vllm adapter on a Modal GPU)."),
    gpu: str = typer.Option("A100", "--gpu", help="modal: GPU type, e.g. A100, H100, L40S, A100-80GB:2."),
) -> None:
    """Run a model on a suite and judge every plan; resumable, with results.json, predictions.jsonl and report.txt."""
    from .. import models
    from ..runs import runner as ev
    from ..models.base import GenerationConfig
    from ..suites.generate import parse_levels
    from ..tasks.prompts import TEMPLATES, PromptConfig

    scheme, _ = adapters.parse_spec(model)
    if template not in TEMPLATES:
        raise BwbenchError(f"unknown template {template!r}; choose one of: {', '.join(TEMPLATES)}", "--template")
    if backend not in ("local", "modal"):
        raise BwbenchError(f"unknown backend {backend!r}; choose local or modal", "--backend")
    lvls = ev.level_set(parse_levels(level, levels))
    options = {
        "lora": str(lora) if lora else None, "revision": revision, "dtype": dtype, "device": device,
        "trust_remote_code": trust_remote_code, "api": api, "served_model": served_model,
        "concurrency": concurrency, "timeout": timeout, "retries": retries,
    }
    options = adapters.options_for(scheme, options, backend)
    view = ev.load_suite(suite, split, lvls, limit, "--levels" if levels is not None else "--level", per_level)
    budget, stop = ev.default_generation(template, view.all_tasks)
    gen = GenerationConfig(max_new_tokens=max_new_tokens or budget, temperature=temperature, samples=samples,
                           seed=seed, stop=stop)
    adapters.check_generation(scheme, gen)
    name = re.sub(r"[^\w.-]+", "_", model.split(":", 1)[-1].rstrip("/").split("/")[-1] or scheme)
    who = scheme if name == scheme else f"{scheme}-{name}"
    level_part = "".join(f"-L{k}" for k in lvls or ())
    target = out_dir or Path("results") / f"{who}-{view.name}-{split}{level_part}"
    config = ev.EvalConfig(
        model=model, suite=str(suite), out=target, split=split, levels=lvls, limit=limit, per_level=per_level,
        prompt=PromptConfig(template, shots, seed), generation=gen, batch_size=batch_size,
        single_step=single_step and scheme in ("hf", "bwbench-tiny"), shots_from=str(shots_from) if shots_from else None,
        model_options={k: v for k, v in options.items() if v is not None},
    )

    with ev.held_run(config, view) as held:  # --out is checked, locked and claimed before the model loads
        if backend == "modal":
            from ..models.modal_app import RemoteVLLM

            adapter = RemoteVLLM(model, gpu=gpu, **options)
        else:
            with err.status(f"loading {model}"):
                adapter = adapters.load(model, **options)
        start = time.perf_counter()
        with _progress(TextColumn("{task.fields[valid]}")) as bar:
            task = bar.add_task(f"{model} on {view.name}", total=len(view.tasks), valid="")

            said = []

            def show(p: ev.Progress) -> None:
                if p.resumed and not said:
                    said.append(True)
                    err.print(f"resuming {target}: {p.done:,} of {_count(p.total, 'problem')} already done",
                              highlight=False, soft_wrap=True)
                bar.update(task, total=p.total, completed=p.done, valid=f"valid {100 * p.valid_rate:.1f}%" if p.judged else "")

            results = held.run(adapter, on_progress=show)
    secs = time.perf_counter() - start
    overall = results["metrics"]["overall"]
    out.print(f"{model} on {view.name} ({split}{', ' + ev.level_name(lvls) if lvls else ''}): "
              f"{_count(results['n_examples'], 'problem')} in {secs:.1f}s → {target}", highlight=False)
    line = "  ".join(f"{k} {100 * overall[k]:.1f}%" for k in ("valid", "optimal", "exact", "single_step") if overall.get(k) is not None)
    out.print(line, highlight=False)
    if results["pass_at_k"]:
        pk = results["pass_at_k"]
        k = pk["k"]
        out.print(f"pass@1 {100 * pk['pass@1']:.1f}%  pass@{k} {100 * pk[f'pass@{k}']:.1f}%", highlight=False)
    if results["failed_examples"]:
        failed = len(results["failed_examples"])
        err.print(f"[yellow]warning:[/] {_count(failed, 'problem')} failed after retries "
                  f"(see {target / 'errors.jsonl'}); run the same command again to retry {'it' if failed == 1 else 'them'}",
                  highlight=False, soft_wrap=True)


@app.command(epilog=_examples("bwbench train --adapter lora --base-model models/bwbench-tiny --suite data/paper --set max_steps=20 --out runs/lora-tiny  "
                              "# a quick try on the shipped model; the paper's: --base-model meta-llama/Llama-2-7b-chat-hf"))
def train(
    adapter: str = typer.Option("lora", "--adapter", help="lora, full, or scratch (a small Llama from random weights)."),
    backend: str = typer.Option("local", "--backend", help="local (transformers Trainer, CPU or GPU), axolotl (Axolotl on this machine, in its own environment), or modal (Axolotl on Modal GPUs)."),
    suite: Path = typer.Option(..., "--suite", help="Suite directory: its train split (lora, full), or its test split to keep out (scratch)."),
    base_model: Optional[str] = typer.Option(None, "--base-model", help="lora/full: the model to fine-tune (directory or hub id)."),
    out_dir: Optional[Path] = typer.Option(None, "--out", help="Run directory (default: runs/<adapter>-<suite>). Running again resumes (local)."),
    config: Optional[Path] = typer.Option(None, "--config", help="YAML or JSON file of settings (names as in --set)."),
    sets: List[str] = typer.Option([], "--set", help="Override a setting, e.g. --set lora_r=8 --set epochs=1, or an Axolotl one: --set axolotl.KEY=VALUE (repeatable)."),
    wandb: bool = typer.Option(False, "--wandb", help="Report to Weights & Biases (key from WANDB_API_KEY, or Modal's wandb-secret)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="axolotl, modal: write axolotl.yml and data.jsonl and validate them, then stop."),
) -> None:
    """Fine-tune a model (LoRA or full) on a suite's train split, or train a small one from scratch."""
    from ..training.config import TrainConfig, load_file, parse_sets

    command = _command()
    values = load_file(config) if config else {}
    extra = parse_sets(sets)
    values["axolotl"] = {**values.get("axolotl", {}), **extra.pop("axolotl", {})}
    values.update(extra)
    name = out_dir or Path("runs") / f"{adapter}-{suite.name}"
    cfg = TrainConfig(**{**values, "adapter": adapter, "backend": backend, "suite": str(suite),
                         "base_model": base_model or values.get("base_model"), "out": str(name),
                         "wandb": wandb or bool(values.get("wandb"))})
    cfg.resolved().check()
    if dry_run and backend == "local":
        raise BwbenchError("--dry-run goes with --backend axolotl or modal", "--dry-run")
    if dry_run and backend == "modal":
        from ..training.axolotl import dry_run_modal

        record = dry_run_modal(cfg, command)
        version = record["versions"]["axolotl"]
        out.print(f"{name / 'axolotl.yml'}: " + (f"valid for Axolotl {version}" if version else
                  "rendered (no local Axolotl to validate it; the Modal image does before training)")
                  + f" ({record['examples']:,} examples in {name / 'data.jsonl'})", highlight=False)
        return
    if backend == "axolotl":
        from ..training.axolotl import train as run_axolotl

        record = run_axolotl(cfg, command, dry_run=dry_run)
        if dry_run:
            out.print(f"{name / 'axolotl.yml'}: valid for Axolotl {record['versions']['axolotl']} "
                      f"({record['examples']:,} examples in {name / 'data.jsonl'})", highlight=False)
            return
    elif backend == "modal":
        from ..training.remote import train as run_modal

        record = run_modal(cfg, command, announce=lambda n: out.print(
            f"Modal run [bold]{n}[/] (saved in {name / 'modal.json'}; fetch it with: bwbench runs pull {n})"))
    else:
        from ..training.local import train as run_local

        record = run_local(cfg)
    if backend != "local":
        out.print(f"{adapter} run → {name} ({backend}), {record['wall_s']:.0f}s", highlight=False)
        where = name if backend == "axolotl" else "<pulled run dir>"
        out.print(f"evaluate it: bwbench eval --model hf:{where} --suite {suite}", highlight=False)
        return
    m = record["metrics"]
    out.print(f"{adapter} run → {name}: {record['examples']['train']:,} examples, "
              f"{m.get('train_loss', float('nan')):.4f} train loss"
              + (f", {m['eval_loss']:.4f} validation loss" if "eval_loss" in m else "")
              + f", {record['tokens_per_s']:,.0f} tokens/s, {record['wall_s']:.0f}s", highlight=False)
    out.print(f"evaluate it: bwbench eval --model hf:{name} --suite {suite}", highlight=False)


@app.command(epilog=_examples("bwbench leaderboard results/*/results.json --out leaderboards/mine.md --reference paper"))
def leaderboard(
    results: List[Path] = typer.Argument(..., help="results.json files written by bwbench eval."),
    out_file: Path = typer.Option(..., "--out", help="Markdown file to write (with --plot's picture: both or neither)."),
    title: str = typer.Option("bwbench leaderboard", "--title", help="The page's heading."),
    reference: Optional[str] = typer.Option(None, "--reference", help="paper: add the paper's reported L3 figures in a section of their own."),
    plot_file: Optional[Path] = typer.Option(None, "--plot", help="Also draw valid rate by level per model (for a table over many optimal plan lengths: valid and optimal rate by length, a panel per model) (PNG, needs matplotlib), embedded in the page."),
) -> None:
    """One table per set of problems (suite sha256, split, level, limit), ranked by L3 valid; says what it leaves out and why."""
    from ..leaderboards import board as lb

    if reference is not None and reference not in lb.REFERENCES:
        raise BwbenchError(f"unknown reference set {reference!r}; choose: {', '.join(lb.REFERENCES)}", "--reference")
    board = lb.collect(results)
    if not board.tables:
        raise BwbenchError("no usable results: " + "; ".join(f"{f}: {why}" for f, why in board.skipped), "RESULTS")
    command = _command()
    lb.write(board, out_file, command, title, reference, plot_file)
    for f, why in sorted(board.skipped):
        err.print(f"[yellow]left out[/] {f}: {why}", highlight=False, soft_wrap=True)
    rows = sum(len(r) for r in board.tables.values())
    out.print(f"{rows} runs in {len(board.tables)} table(s) → {out_file}", highlight=False)


@app.command(epilog=_examples("bwbench card data/standard"))
def card(suites: List[Path] = typer.Argument(..., help="Suite directories (with manifest.json).")) -> None:
    """Write each suite's dataset card (README.md, Hugging Face style) from its manifest."""
    from ..suites.card import write

    for suite in suites:
        target = write(suite)
        out.print(f"→ {target}", highlight=False)


export_app = typer.Typer(help="A suite in another evaluation framework's format.", no_args_is_help=True)
app.add_typer(export_app, name="export")


@export_app.command("lm-eval", epilog=_examples("bwbench export lm-eval --suite data/standard --out tasks/bwbench  "
                                                "# then: lm_eval --include_path tasks/bwbench --tasks bwbench_l3 --model hf --model_args pretrained=MODEL"))
def export_lm_eval(
    suite: Path = typer.Option(..., "--suite", help="A suite directory (uses <split>.jsonl) or any dataset file, ours or the seed's."),
    out_dir: Path = typer.Option(..., "--out", help="Task directory to write (an earlier export there is replaced)."),
    split: str = typer.Option("test", "--split", help="Which split of a suite directory."),
    level: Optional[str] = typer.Option(None, "--level", help="Only this true level, e.g. L3 (default: every level present)."),
    levels: Optional[str] = typer.Option(None, "--levels", help="Only these true levels, e.g. L1,L2."),
    name: str = typer.Option("bwbench", "--name", help="Group name; the tasks are <name>_l1, <name>_l2, ..."),
    template: str = typer.Option("seed", "--template", help="Prompt: seed (\\[INST] ... \\[/INST]), plain, or chat (then run lm_eval with --apply_chat_template)."),
) -> None:
    """Write an lm-evaluation-harness task directory whose metrics come from bwbench's judge."""
    from ..suites.generate import parse_levels
    from ..interop.lm_eval import export_lm_eval as export

    meta = export(suite, out_dir, split, name, template, parse_levels(level, levels))
    tasks = ", ".join(f"{t} ({i['n']})" for t, i in meta["tasks"].items())
    out.print(f"{tasks} → {out_dir}", highlight=False)
    chat = " --apply_chat_template" if template == "chat" else ""
    out.print(f"run: lm_eval --include_path {out_dir} --tasks {list(meta['tasks'])[-1]} --model hf "
              f"--model_args pretrained=MODEL{chat}", highlight=False, soft_wrap=True)


runs_app = typer.Typer(help="Training runs on Modal's runs volume: list them, download one.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


@runs_app.command("list", epilog=_examples("bwbench runs list", needs="Modal credentials (modal token new)"))
def runs_list() -> None:
    """List the runs on the bwbench-runs volume, newest first."""
    from ..training.remote import list_runs

    rows = list_runs()
    if not rows:
        err.print("no runs on the volume yet")
        return
    table = Table("run", "modified (UTC)")
    for r in rows:
        table.add_row(r["name"], time.strftime("%Y-%m-%d %H:%M", time.gmtime(r["mtime"])))
    out.print(table)


@runs_app.command("pull", epilog=_examples("bwbench runs pull bwbench-lora-20261127-101500-3f2a --out runs/lora",
                                            needs="Modal credentials and a run of that name"))
def runs_pull(
    name: str = typer.Argument(..., help="Run name, as `bwbench runs list` shows it."),
    dest: Optional[Path] = typer.Option(None, "--out", help="Where to put it (default: runs/<name>)."),
    everything: bool = typer.Option(False, "--all", help="Also the tokenised data and intermediate checkpoints."),
) -> None:
    """Download a run from the bwbench-runs volume, ready for `bwbench eval --model hf:<dir>`."""
    from ..training.remote import pull

    target = dest or Path("runs") / name
    with _progress() as bar:
        task = bar.add_task(f"pulling {name}", total=None)
        n = pull(name, target, everything, progress=lambda i, total: bar.update(task, completed=i, total=total))
    out.print(f"{n} files → {target}", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
