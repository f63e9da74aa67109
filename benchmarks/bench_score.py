"""Judge speed, each figure against a baseline measured in the same run; and `bwbench score`'s memory.

    python benchmarks/bench_score.py [--predictions 60000] [--plans 300] [--repeats 7]
    python benchmarks/bench_score.py --cli [--cli-predictions 60000] [--cli-repeats 5] [--base REV]
    python benchmarks/bench_score.py --memory [--memory-mb 444] [--base REV]

1. Scoring end to end in one process, one core: tolerant reading of each
   completion (with the strict reading beside it), simulation, exact match,
   and the metrics overall, per level and per block count, on predictions
   built from the published ``standard`` suite with a mix of completions like
   models write (the seed's format, corrupted plans, bullets in words, PDDL,
   chatter, cut-off lines). Printed as predictions/s (target: 50,000) and,
   from the file, including JSON decoding and reading each problem.
2. Per plan, on the same plans (4-operator actions, half corrupted), with
   agreement on validity: from text, bwbench's judge against unified-planning
   reading the PDDL plan text and validating it with its sequential plan
   validator; from parsed plans, bwbench's simulator against the validator
   alone (problem and plan objects built beforehand, untimed).
3. ``--cli``: ``bwbench score FILE --json`` as a user runs it (wall time of the
   command, start-up included) on 60,000 predictions in the seed's results
   format (problems as text, no optimal lengths), made from the seed's LoRA
   results by renaming colours, consistently within each copy, so that the
   copies' problems are distinct. Three ways, taking turns: the previous
   approach (``bwbench score`` of the commit ``--base``, run from a copy of
   it), the one-core path (``--jobs 1``) and the default (a worker per core);
   their JSON outputs must be identical (but for ``correct``, which older versions do not print). Needs ``../shared/seed-reference``.
4. ``--memory``: the maximum resident set size (``/usr/bin/time -v``, else
   ``getrusage``) of ``bwbench score FILE --json --report R`` on a 444 MB
   bwbench-format predictions file: the lines of a ``bwbench eval --model
   random`` run on ``data/standard`` (made here), each completion followed by
   4 KB of chatter, repeated to size. The maximum is over the processes (the
   command and each worker), as ``wait4`` reports it; ``--jobs 1`` is one
   process. Target: under 300 MB. The previous approach is measured the same way.

Every in-process time is the best of several repeats (as timeit advises: the minimum is
the cost of the code, the rest is the machine's noise), for both sides alike.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import one_core  # noqa: E402

from bwbench.judging.judge import judge  # noqa: E402
from bwbench.judging.metrics import aggregate  # noqa: E402
from bwbench.judging.parse import parse_completion  # noqa: E402
from bwbench.judging.scoring import score_file  # noqa: E402
from bwbench.tasks.plan import PLAN  # noqa: E402
from bwbench.world.simulate import simulate  # noqa: E402
from bwbench.world.state import Action, Op, State  # noqa: E402


def _actions(rec: dict) -> list[Action]:
    """The gold plan as 4-operator actions (resolved by simulating the two-verb steps)."""
    from bwbench.world.text import parse_plan

    state, out = State.of(rec["init"]), []
    for step in parse_plan(rec["output"]):
        action = step.resolve(state)
        out.append(action)
        state = state.apply(action)
    return out


def _corrupt(rng: random.Random, plan: list[Action], blocks: list[str]) -> list[Action]:
    plan = list(plan)
    kind = rng.randrange(4)
    if kind == 0 and len(plan) > 1:
        i, k = rng.sample(range(len(plan)), 2)
        plan[i], plan[k] = plan[k], plan[i]
    elif kind == 1:
        del plan[rng.randrange(len(plan)):]
    elif kind == 2:
        i = rng.randrange(len(plan))
        plan[i] = Action(plan[i].op, rng.choice(blocks), plan[i].target)
    else:
        plan.insert(rng.randrange(len(plan) + 1), Action(Op.PUT_DOWN, rng.choice(blocks)))
    return plan


def _seed_text(plan: list[Action]) -> str:
    return "Plan:\n" + "\n".join(f"step {i}: {a.nl()}" for i, a in enumerate(plan, 1))


def completions(records: list[dict], n: int, seed: int = 0) -> list[dict]:
    """``n`` predictions over ``records``: a mix of the forms models write."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        rec = records[i % len(records)]
        plan = _actions(rec)
        blocks = sorted(State.of(rec["init"]).blocks)
        r = rng.random()
        if r < 0.55:
            text = rec["output"]
        elif r < 0.75:
            text = _seed_text(_corrupt(rng, plan, blocks))
        elif r < 0.85:
            text = "Sure, here is a plan:\n" + "\n".join(
                f"{k}. {'Pick up' if a.is_pick else 'Put'} the {a.block} block"
                + ("" if a.is_pick else f" on {'the table' if a.target is None else 'the ' + a.target + ' block'}")
                for k, a in enumerate(plan, 1)) + "\nThis reaches the goal.</s>"
        elif r < 0.92:
            text = "\n".join(a.pddl() for a in plan)
        elif r < 0.96:
            text = "I am not sure how to solve this; the blocks look heavy."
        else:
            text = rec["output"][: rng.randrange(len(rec["output"]))]
        out.append({"id": rec["id"], "init": rec["init"], "goal": rec["goal"], "output": rec["output"],
                    "optimal_len": rec["optimal_len"], "completion": text})
    return out


def best(fn, repeats: int) -> float:
    """The fastest of ``repeats`` runs of ``fn()``, in seconds."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def end_to_end(preds: list[dict], repeats: int) -> tuple[float, float, dict]:
    problems = [(State.of(p["init"]), State.of(p["goal"]), p["completion"], p["output"], p["optimal_len"]) for p in preds]
    rate = len(problems) / best(lambda: aggregate([judge(*p) for p in problems]), repeats)
    card = aggregate([judge(*p) for p in problems])
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "predictions.jsonl"
        path.write_text("".join(json.dumps(p) + "\n" for p in preds))
        file_rate = len(preds) / best(lambda: score_file(path, PLAN), repeats)
    return rate, file_rate, card.to_json()["overall"]


def against_unified_planning(records: list[dict], n: int, repeats: int, seed: int = 1) -> dict:
    import unified_planning.shortcuts as up
    from unified_planning.io import PDDLReader
    from unified_planning.plans import ActionInstance, SequentialPlan

    from bwbench.world import pddl

    up.get_environment().credits_stream = None
    rng = random.Random(seed)
    cases = []
    for rec in rng.sample(records, n):
        plan = _actions(rec)
        blocks = sorted(State.of(rec["init"]).blocks)
        if rng.random() < 0.5:
            plan = _corrupt(rng, plan, blocks)
        init, goal = State.of(rec["init"]), State.of(rec["goal"])
        problem = pddl.to_up_problem(init, goal)
        up_plan = SequentialPlan([ActionInstance(problem.action(a.op.value),
                                                 tuple(problem.object(x) for x in (a.block, a.target) if x is not None))
                                  for a in plan])
        text = "\n".join(a.pddl() for a in plan)
        cases.append((init, goal, text, rec["optimal_len"], problem, up_plan))
    validator = up.PlanValidator(name="sequential_plan_validator")
    reader = PDDLReader()
    theirs = [bool(validator.validate(problem, p).status) for *_, problem, p in cases]
    t_up = best(lambda: [validator.validate(problem, p) for *_, problem, p in cases], repeats) / n
    # From text as well: unified-planning reads the same PDDL plan text, then validates it.
    assert all(reader.parse_plan_string(problem, text) == p for _, _, text, _, problem, p in cases)
    t_up_text = best(lambda: [validator.validate(problem, reader.parse_plan_string(problem, text))
                              for _, _, text, _, problem, _ in cases], repeats) / n
    ours = [judge(i, g, text, None, opt).valid for i, g, text, opt, *_ in cases]
    t_judge = best(lambda: [judge(i, g, text, None, opt) for i, g, text, opt, *_ in cases], repeats * 50) / n
    parsed = [(i, g, parse_completion(text, i.blocks).steps) for i, g, text, *_ in cases]
    t_sim = best(lambda: [simulate(i, g, steps) for i, g, steps in parsed], repeats * 50) / n
    agree = sum(a == b for a, b in zip(ours, theirs))
    return {"up": t_up, "up_text": t_up_text, "judge": t_judge, "simulate": t_sim, "agree": agree, "n": n, "valid": sum(theirs)}


SEED_LORA = ROOT.parent / "shared" / "seed-reference" / "results" / "lora_2025-11-17-09-14-09-9bf6.json"
BASE = "83c222d"
"""The commit whose ``bwbench score`` is the previous approach: judging after reading the whole file, one process."""
PALETTE = ["red", "blue", "green", "yellow", "white", "black", "orange", "purple", "pink", "brown", "gray", "cyan",
           "magenta", "violet", "teal", "olive", "maroon", "navy", "gold", "silver"]


def renamed_copies(doc: dict, n: int, seed: int = 0) -> dict:
    """``n`` results from ``doc``'s: the original, then copies with their colours renamed (one renaming per copy)."""
    rng = random.Random(seed)
    base = doc["results"]
    colours = sorted({w for r in base for w in re.findall(r"[a-z]+", r["input"]) if w in PALETTE})
    word = re.compile(r"\b(" + "|".join(colours) + r")\b")
    out: list[dict] = []
    copy = 0
    while len(out) < n:
        names = dict(zip(colours, rng.sample(PALETTE, len(colours)) if copy else colours))
        rename = lambda text: word.sub(lambda m: names[m.group(1)], text)  # noqa: E731
        for r in base[: n - len(out)]:
            out.append({"example_id": len(out), "input": rename(r["input"]), "expected": rename(r["expected"]),
                        "predicted": rename(r["predicted"])})
        copy += 1
    return {**{k: v for k, v in doc.items() if k != "results"}, "results": out}


def base_checkout(rev: str, into: Path) -> Path:
    """The package as it was at ``rev`` (``git archive``), to run the previous approach from."""
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "bwbench"], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=tar, check=True)
    return into


def run_score(args: list, cwd: Path = ROOT) -> tuple[float, str]:
    """Wall seconds and stdout of ``python -m bwbench score ARGS`` run from ``cwd`` (whose ``bwbench`` it imports)."""
    start = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "bwbench", "score", *map(str, args)], cwd=cwd, capture_output=True,
                       text=True)
    took = time.perf_counter() - start
    if r.returncode:
        raise SystemExit(f"bwbench score failed: {r.stderr}")
    return took, r.stdout


def _figures(text: str) -> str:
    """A ``score --json`` output without ``correct`` (the task's primary figure, a copy of ``valid`` that versions
    before tasks did not print), so that outputs of both compare."""
    data = json.loads(text)
    overall = data["overall"]
    overall.pop("correct", None)
    overall["ci95"].pop("correct", None)
    return json.dumps(data, sort_keys=True)


def cli(n: int, repeats: int, rev: str) -> None:
    if not SEED_LORA.is_file():
        raise SystemExit(f"{SEED_LORA} is not there: --cli needs ../shared/seed-reference")
    doc = renamed_copies(json.loads(SEED_LORA.read_text()), n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "lora-renamed.json"
        path.write_text(json.dumps(doc, indent=2))
        size = path.stat().st_size
        old = base_checkout(rev, Path(tmp))
        ways = {f"previous approach ({rev})": ([path, "--json"], old),
                "one core (--jobs 1)": ([path, "--json", "--jobs", "1"], ROOT),
                f"default ({len(os.sched_getaffinity(0))} cores)": ([path, "--json"], ROOT)}
        times: dict[str, list[float]] = {k: [] for k in ways}
        outputs = {}
        for _ in range(repeats):  # taking turns, so that the machine's moods fall on all alike
            for name, (args, cwd) in ways.items():
                took, outputs[name] = run_score(args, cwd)
                times[name].append(took)
    if len({_figures(text) for text in outputs.values()}) != 1:
        raise SystemExit("the JSON outputs differ")
    print(f"bwbench score, the seed's results format, {n:,} predictions ({size / 1e6:.0f} MB), "
          f"wall time with start-up, best of {repeats}; JSON outputs identical")
    rates = {k: n / min(v) for k, v in times.items()}
    prev, one = rates[next(iter(ways))], rates["one core (--jobs 1)"]
    for name, rate in rates.items():
        print(f"  {name}: {rate:,.0f} predictions/s ({min(times[name]):.2f} s); {rate / one:.2f}x one core, "
              f"{rate / prev:.2f}x the previous approach; target 20,000/s: {rate / 20_000:.2f}x")


def big_predictions(path: Path, mb: int) -> int:
    """A bwbench-format predictions file of ``mb`` MB: a random model's run on data/standard, completions lengthened."""
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "bwbench", "eval", "--model", "random", "--suite", ROOT / "data" / "standard",
                        "--out", Path(tmp) / "run"], cwd=ROOT, check=True, capture_output=True)
        lines = [json.loads(ln) for ln in (Path(tmp) / "run" / "predictions.jsonl").read_text().splitlines()]
    chatter = "\n" + "Let me check that every block is where the goal wants it, one tower at a time. " * 50
    for rec in lines:
        rec["completion"] += chatter
    text = [json.dumps(rec) + "\n" for rec in lines]
    n = 0
    with path.open("w") as fh:
        while fh.tell() < mb * 1_000_000:
            fh.write(text[n % len(text)])
            n += 1
    return n


def max_rss(args: list, cwd: Path) -> tuple[float, float]:
    """Maximum resident set size in MB of ``python -m bwbench score ARGS``, and its wall seconds."""
    cmd = [sys.executable, "-m", "bwbench", "score", *map(str, args)]
    start = time.perf_counter()
    if shutil.which("time") and Path("/usr/bin/time").is_file():
        r = subprocess.run(["/usr/bin/time", "-v", *cmd], cwd=cwd, capture_output=True, text=True)
        took = time.perf_counter() - start
        if r.returncode:
            raise SystemExit(f"bwbench score failed: {r.stderr[-2000:]}")
        kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1))
        return kb / 1024, took
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    took = time.perf_counter() - start
    if r.returncode:
        raise SystemExit(f"bwbench score failed: {r.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if after <= before:
        print("  (getrusage: an earlier child used more; this figure is a bound)")
    return after / 1024, took


def memory(mb: int, rev: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "predictions.jsonl"
        n = big_predictions(path, mb)
        print(f"bwbench score FILE --json --report R on {path.stat().st_size / 1e6:.0f} MB, {n:,} predictions "
              f"(bwbench's JSONL format), maximum resident set size:")
        old = base_checkout(rev, Path(tmp))
        ways = {"default": ([path, "--json", "--report", Path(tmp) / "r1.txt"], ROOT),
                "one process (--jobs 1)": ([path, "--json", "--report", Path(tmp) / "r2.txt", "--jobs", "1"], ROOT),
                f"previous approach ({rev})": ([path, "--json", "--report", Path(tmp) / "r3.txt"], old)}
        for name, (args, cwd) in ways.items():
            rss, took = max_rss(args, cwd)
            print(f"  {name}: {rss:,.0f} MB ({took:.1f} s; target under 300 MB: {'met' if rss < 300 else 'NOT met'})")
        same = (Path(tmp) / "r1.txt").read_bytes() == (Path(tmp) / "r2.txt").read_bytes() == (Path(tmp) / "r3.txt").read_bytes()
        print(f"  reports identical: {same}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--predictions", type=int, default=60_000, help="predictions scored end to end")
    ap.add_argument("--plans", type=int, default=300, help="plans validated by unified-planning")
    ap.add_argument("--repeats", type=int, default=7, help="repeats of each timing (the best is printed)")
    ap.add_argument("--cli", action="store_true", help="time the bwbench score command instead (section 3)")
    ap.add_argument("--cli-predictions", type=int, default=60_000, help="--cli: predictions in the file")
    ap.add_argument("--cli-repeats", type=int, default=5, help="--cli: runs of each way (the best is printed)")
    ap.add_argument("--memory", action="store_true", help="measure bwbench score's memory instead (section 4)")
    ap.add_argument("--memory-mb", type=int, default=444, help="--memory: size of the predictions file")
    ap.add_argument("--base", default=BASE, help="the commit whose bwbench score is the previous approach")
    args = ap.parse_args()
    if args.cli or args.memory:
        print(f"machine: {os.cpu_count()} cores, {len(os.sched_getaffinity(0))} usable")
        if args.cli:
            cli(args.cli_predictions, args.cli_repeats, args.base)
        if args.memory:
            memory(args.memory_mb, args.base)
        return
    print(one_core())
    records = [json.loads(ln) for ln in (ROOT / "data" / "standard" / "test.jsonl").read_text().splitlines()]
    preds = completions(records, args.predictions)
    rate, file_rate, overall = end_to_end(preds, args.repeats)
    print(f"scoring end to end, one core: {rate:,.0f} predictions/s (target 50,000: {rate / 50_000:.2f}x); "
          f"from the JSONL file, with JSON decoding and problem reading: {file_rate:,.0f} predictions/s")
    print(f"  the mix judged: valid {overall['valid']:.1%}, optimal {overall['optimal']:.1%}, "
          f"parse errors {overall['parse_error']:.1%}, strict-format valid {overall['strict_valid']:.1%}")
    r = against_unified_planning(records, args.plans, args.repeats)
    print(f"per plan, {r['n']} plans ({r['valid']} valid), validity agrees on {r['agree']}/{r['n']}:")
    print(f"  from PDDL text: unified-planning (read + validate) {r['up_text'] * 1e3:.2f} ms; "
          f"bwbench judge {r['judge'] * 1e6:.1f} us; ratio {r['up_text'] / r['judge']:,.0f}x")
    print(f"  from parsed plans: unified-planning validator {r['up'] * 1e3:.2f} ms; "
          f"bwbench simulator {r['simulate'] * 1e6:.2f} us; ratio {r['up'] / r['simulate']:,.0f}x "
          f"(judge from text against the validator alone: {r['up'] / r['judge']:,.0f}x)")


if __name__ == "__main__":
    main()
