"""PlanBench's instances on one core: reading, planning and importing them, each against a baseline in the same run.

    python benchmarks/bench_planbench.py [--shared ../shared/planbench-reference] [--sample 100]

1. Reading a problem file: bwbench's reader of plain STRIPS problems
   (``pddl.read_problem_fast``) against unified-planning's ``PDDLReader``, on
   the same files, with agreement on what each read.
2. Optimal planning for partial goals: bwbench's planner (breadth-first over
   moves to the goal's states, counting optimal plans) against pyperplan's
   optimal configuration (A* with LM-cut) through unified-planning, on the
   same problems, with agreement on optimal lengths. Per-problem times for
   3, 4 and 5 blocks.
   Then PlanBench's ``blocksworld_hard`` (110 instances of 6-15 blocks, 20-40
   steps): bwbench's planner as ``bwbench`` calls it (breadth-first up to 8
   blocks, iterative deepening with an admissible bound beyond, optimal plans
   counted up to 2 there) and the deepening search alone on every instance,
   against Fast Downward's optimal configuration (A* with LM-cut) through
   unified-planning, 60 s a problem, with agreement on optimal lengths and
   with PlanBench's own plans (``--no-fd`` leaves Fast Downward out).
3. ``bwbench import`` of all 1,100 instances (PlanBench's Blocksworld, its
   3-block set and Mystery), end to end: problems per second.
4. Rescoring every shared results file (45 files, about 21,000 answers, long
   reasoning answers included): reading each answer, judging it, judging
   PlanBench's extracted plan and comparing verdicts, in answers per second;
   against unified-planning's plan validator on PlanBench's extracted plans
   (a sample), the check PlanBench itself runs (VAL) per answer.

Every time is the best of several repeats, for both sides alike.
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import one_core  # noqa: E402

from bwbench.interop.planbench_rescore import score_files  # noqa: E402
from bwbench.planning.engines import solve_with_engine  # noqa: E402
from bwbench.planning.planner import BwbenchPlanner  # noqa: E402
from bwbench.suites.importing import ImportRequest, import_suite  # noqa: E402
from bwbench.world import pddl  # noqa: E402
from bwbench.world.domain import recognise  # noqa: E402

SETS = [  # (problems, domain, names config)
    ("instances/blocksworld/generated_basic", "instances/blocksworld/generated_domain.pddl", "configs/blocksworld.yaml"),
    ("instances/blocksworld/generated_basic_3", "instances/blocksworld/generated_domain.pddl", "configs/blocksworld_3.yaml"),
    ("instances/blocksworld/mystery/generated_basic", "instances/blocksworld/mystery/generated_domain.pddl",
     "configs/mystery_blocksworld.yaml"),
]


def best(fn, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "planbench-reference")
    ap.add_argument("--sample", type=int, default=100, help="problems per set for the unified-planning baselines")
    ap.add_argument("--no-fd", action="store_true", help="leave Fast Downward out of the blocksworld_hard row")
    ap.add_argument("--only-hard", action="store_true", help="measure the blocksworld_hard row alone")
    args = ap.parse_args()
    print(one_core())
    base = args.shared
    if args.only_hard:
        hard(base, not args.no_fd)
        return
    problems, domain, _ = SETS[0]
    files = sorted((base / problems).glob("instance-*.pddl"), key=lambda p: int(p.stem.split("-")[1]))
    vocab = recognise(pddl.read_problem(files[0], base / domain))
    sample = files[:: max(1, len(files) // args.sample)][: args.sample]
    texts = [f.read_text() for f in sample]

    # 1. Reading
    ours = best(lambda: [pddl.read_problem_fast(t, vocab) for t in texts])
    theirs = read_up = best(lambda: [pddl.read_problem(f, base / domain) for f in sample], repeats=1)
    fast = [pddl.read_problem_fast(t, vocab) for t in texts]
    slow = [pddl.from_up_problem(pddl.read_problem(f, base / domain), vocab) for f in sample]
    agree = sum((a.init, a.goal) == (b.init, b.goal) for a, b in zip(fast, slow))
    print(f"\n1. reading {len(sample)} problem files")
    print(f"   bwbench read_problem_fast   {1e3 * ours / len(sample):8.3f} ms/file")
    print(f"   unified-planning PDDLReader {1e3 * theirs / len(sample):8.3f} ms/file   ratio {theirs / ours:,.0f}x")
    print(f"   same problems read: {agree}/{len(sample)}")

    # 2. Planning
    planner = BwbenchPlanner()
    by_blocks: dict[int, list[float]] = {}
    for p in fast:
        t = best(lambda: planner.solve(p.init, p.goal), repeats=5)
        by_blocks.setdefault(len(p.init.blocks), []).append(t)
    ours = sum(sum(v) for v in by_blocks.values())
    up_problems = [pddl.read_problem(f, base / domain) for f in sample]
    engine_times, same = [], 0
    for up_p, p in zip(up_problems, fast):
        t = time.perf_counter()
        with redirect_stdout(io.StringIO()):
            result = solve_with_engine(up_p, "pyperplan-opt", "pyperplan", vocab)
        engine_times.append(time.perf_counter() - t)
        same += result.length == planner.solve(p.init, p.goal).length
    theirs = sum(engine_times)
    print(f"\n2. optimal plans for {len(sample)} partial goals")
    for n in sorted(by_blocks):
        v = by_blocks[n]
        print(f"   bwbench, {n} blocks: median {1e3 * statistics.median(v):.3f} ms, max {1e3 * max(v):.3f} ms ({len(v)} problems)")
    print(f"   bwbench planner             {1e3 * ours / len(sample):8.3f} ms/problem (counting optimal plans too)")
    print(f"   pyperplan A*/LM-cut via UP  {1e3 * theirs / len(sample):8.3f} ms/problem   ratio {theirs / ours:,.0f}x")
    print(f"   same optimal length: {same}/{len(sample)}")
    hard(base, not args.no_fd)

    # 3. Import
    with tempfile.TemporaryDirectory() as tmp:
        total, n = 0.0, 0
        for i, (problems, domain, names) in enumerate(SETS):
            request = ImportRequest((base / problems,), Path(tmp) / f"s{i}", f"s{i}", base / domain, base / names)
            t = time.perf_counter()
            man = import_suite(request)
            total += time.perf_counter() - t
            n += man.imported["problems"]
    print(f"\n3. bwbench import of all {n:,} instances: {total:.2f} s, {n / total:,.0f} problems/s "
          f"(unified-planning's reader alone would take about {n * read_up / len(sample):.0f} s)")


    # 4. Rescoring
    results = base / "results"
    groups = [(sorted((results / "blocksworld").glob("*/*.json")), ROOT / "data" / "planbench-bw"),
              (sorted((results / "mystery_blocksworld").glob("*/*.json")), ROOT / "data" / "planbench-mystery")]
    t = time.perf_counter()
    scores = [s for files, suite in groups for s in score_files(files, suite)]
    total = time.perf_counter() - t
    answers = sum(len(s.judged) for s in scores)
    chars = sum(len(r.entry.response or "") for s in scores for r in s.rows)
    print(f"\n4. rescoring {sum(len(f) for f, _ in groups)} results files, {answers:,} answers "
          f"({chars / max(1, answers):,.0f} characters on average): {total:.2f} s, {answers / total:,.0f} answers/s")
    sample = [r for s in scores[:3] for r in s.rows[:30] if r.entry.extracted]
    built = [_up_plan(r, base) for r in sample]  # problems and plans built beforehand, untimed
    import unified_planning.shortcuts as up

    t = time.perf_counter()
    validated = 0
    for problem, plan in built:
        if plan is not None:
            with up.PlanValidator(problem_kind=problem.kind) as validator:
                validated += validator.validate(problem, plan).status.name == "VALID"
    per = (time.perf_counter() - t) / len(built)
    print(f"   unified-planning's validator on PlanBench's extracted plans (problem and plan objects built "
          f"beforehand): {1e3 * per:.2f} ms/answer ({validated}/{len(built)} valid), against "
          f"{1e3 * total / answers:.3f} ms/answer for bwbench's whole rescoring: ratio {per / (total / answers):,.0f}x")


def hard(base: Path, with_fd: bool, timeout: int = 60) -> None:
    """PlanBench's blocksworld_hard: bwbench's optimal plans against Fast Downward's, and PlanBench's lengths."""
    from bwbench.planning.partial import MAX_BLOCKS, solve_partial_deepening
    from bwbench.world.simulate import simulate

    root = base / "instances" / "blocksworld_hard"
    files = sorted((root / "generated").glob("instance-*.pddl"), key=lambda p: int(p.stem.split("-")[1]))
    domain = root / "generated_domain.pddl"
    vocab = recognise(pddl.read_problem(files[0], domain))
    info = json.loads((root / "info.json").read_text())
    problems = [pddl.read_problem_fast(f.read_text(), vocab) for f in files]
    planner = BwbenchPlanner()
    shipped, alone, lengths = [], [], []
    for p in problems:
        t = time.perf_counter()
        result = planner.solve(p.init, p.goal)
        shipped.append(time.perf_counter() - t)
        t = time.perf_counter()
        deep = solve_partial_deepening(p.init, p.goal, count_cap=2)
        alone.append(time.perf_counter() - t)
        assert simulate(p.init, p.goal, result.plan) and deep.plan == result.plan
        lengths.append(result.length)
    planbench = [info[f.name]["length"] for f in files]
    sizes = [len(p.init.blocks) for p in problems]
    print(f"\n   blocksworld_hard: {len(files)} instances of {min(sizes)}-{max(sizes)} blocks, "
          f"optimal plans of {min(lengths)}-{max(lengths)} steps, all valid")
    small = [t for t, n in zip(shipped, sizes) if n <= MAX_BLOCKS]
    print(f"   bwbench planner: median {1e3 * statistics.median(shipped):.1f} ms, max {max(shipped):.2f} s, "
          f"total {sum(shipped):.2f} s ({len(small)} instances of at most {MAX_BLOCKS} blocks by breadth-first "
          f"search: {sum(small):.2f} s)")
    print(f"   deepening search on all: median {1e3 * statistics.median(alone):.1f} ms, "
          f"max {1e3 * max(alone):.1f} ms, total {sum(alone):.2f} s (plans counted up to 2; same plans)")
    same = sum(a == b for a, b in zip(lengths, planbench))
    print(f"   PlanBench's plans as long as the optimal ones: {same}/{len(files)} "
          f"(shorter than theirs: {sum(a < b for a, b in zip(lengths, planbench))})")
    if not with_fd:
        return
    import unified_planning.shortcuts as up

    fd_times, agree, finished = [], 0, 0
    for f, ours, alone_t in zip(files, lengths, alone):
        problem = pddl.read_problem(f, domain)
        t = time.perf_counter()
        with up.OneshotPlanner(name="fast-downward-opt") as engine, redirect_stdout(io.StringIO()):
            result = engine.solve(problem, timeout=timeout)
        took = time.perf_counter() - t
        if result.plan is None or took > timeout:
            continue
        finished += 1
        fd_times.append((took, alone_t))
        agree += len(result.plan.actions) == ours
    theirs, mine = sum(t for t, _ in fd_times), sum(t for _, t in fd_times)
    print(f"   Fast Downward A*/LM-cut via UP finished {finished}/{len(files)} within {timeout} s each: "
          f"median {statistics.median(t for t, _ in fd_times):.2f} s, total {theirs:.1f} s; bwbench's search on "
          f"the same: {mine:.2f} s, ratio {theirs / mine:,.0f}x; same optimal length: {agree}/{finished}")


def _up_plan(row, base: Path):
    """The unified-planning problem of ``row`` and PlanBench's extracted plan for it (None: not a plan of it)."""
    from unified_planning.plans import ActionInstance, SequentialPlan

    domain = base / "instances" / "blocksworld" / "generated_domain.pddl"
    problem = pddl.read_problem(base / "instances" / "blocksworld" / "generated_basic" / row.example.record["source"], domain)
    actions = {a.name: a for a in problem.actions}
    steps = []
    for line in row.entry.extracted:
        parts = line.strip().strip("()").split()
        if not parts or parts[0] not in actions:
            return problem, None
        try:
            steps.append(ActionInstance(actions[parts[0]], [problem.object(p) for p in parts[1:]]))
        except Exception:  # an object the problem does not have: not a plan of it
            return problem, None
    return problem, SequentialPlan(steps)


if __name__ == "__main__":
    main()
