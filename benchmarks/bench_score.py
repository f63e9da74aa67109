"""Judge speed on one core, each figure against a baseline measured in the same run.

    python benchmarks/bench_score.py [--predictions 60000] [--plans 300]

1. Scoring end to end: tolerant reading of each completion (with the strict
   reading beside it), simulation, exact match, and the metrics overall, per
   level and per block count, on predictions built from the published
   ``standard`` suite with a mix of completions like models write (the seed's
   format, corrupted plans, bullets in words, PDDL, chatter, cut-off lines).
   Printed as predictions/s (target: 50,000) and, from the file, including JSON
   decoding and reading each problem.
2. Per plan, on the same plans (4-operator actions, half corrupted), with
   agreement on validity: from text, bwbench's judge against unified-planning
   reading the PDDL plan text and validating it with its sequential plan
   validator; from parsed plans, bwbench's simulator against the validator
   alone (problem and plan objects built beforehand, untimed).

Every time is the best of several repeats (as timeit advises: the minimum is
the cost of the code, the rest is the machine's noise), for both sides alike.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import one_core  # noqa: E402

from bwbench.benchmark.judge import judge  # noqa: E402
from bwbench.benchmark.parse import parse_completion  # noqa: E402
from bwbench.benchmark.predictions import judge_all, read_predictions  # noqa: E402
from bwbench.benchmark.score import aggregate  # noqa: E402
from bwbench.benchmark.state import Action, Op, State  # noqa: E402
from bwbench.benchmark.validate import simulate  # noqa: E402


def _actions(rec: dict) -> list[Action]:
    """The gold plan as 4-operator actions (resolved by simulating the two-verb steps)."""
    from bwbench.benchmark.text import parse_plan

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
        file_rate = len(preds) / best(lambda: aggregate(judge_all(read_predictions(path).predictions)), repeats)
    return rate, file_rate, card.to_json()["overall"]


def against_unified_planning(records: list[dict], n: int, repeats: int, seed: int = 1) -> dict:
    import unified_planning.shortcuts as up
    from unified_planning.io import PDDLReader
    from unified_planning.plans import ActionInstance, SequentialPlan

    from bwbench.benchmark import pddl

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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--predictions", type=int, default=60_000, help="predictions scored end to end")
    ap.add_argument("--plans", type=int, default=300, help="plans validated by unified-planning")
    ap.add_argument("--repeats", type=int, default=7, help="repeats of each timing (the best is printed)")
    args = ap.parse_args()
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
