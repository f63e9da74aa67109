"""Tasks beyond plan generation: judging next-action answers, and deriving a task's suite, against baselines in one run.

    python benchmarks/bench_tasks.py [--blocks 60] [--problems 200] [--suite data/standard] [--answers 20000]

1. next-action judging at ``--blocks`` blocks (random full configurations;
   target: at most 1 ms an answer): ``judge_next_action`` with the optimal
   length known, as a run judges, on the planner's first action and on a random
   pick in turn; baseline: the same verdict from the general distance (every
   placement after the pick, each an exact optimal length), which is how a judge
   without the deadlock graph's optimal moves would decide. Verdicts must agree.
2. judging end to end (target: 10,000 answers/s): ``NEXT_ACTION.judge`` on
   ``--answers`` answers to L3 problems of 4-6 blocks (the planner's and random
   ones), against the plan task's judge on the same problems' gold plans.
3. deriving the next-action suite from ``--suite`` (target: 10,000 instances in
   under 10 s), against reading the same suite alone (every problem checked,
   as derivation reads it).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import one_core  # noqa: E402
from bwbench.planning.planner import BwbenchPlanner, optimal_length  # noqa: E402
from bwbench.suites.dataset import read_examples  # noqa: E402
from bwbench.suites.derive import derive_suite  # noqa: E402
from bwbench.tasks.next_action import NEXT_ACTION, judge_next_action  # noqa: E402
from bwbench.tasks.plan import PLAN  # noqa: E402
from bwbench.world.state import Action, Op, State  # noqa: E402


def random_state(blocks: list[str], rng: random.Random) -> State:
    towers: list[list[str]] = []
    for b in rng.sample(blocks, len(blocks)):
        if towers and rng.random() > 1 / len(blocks) ** 0.5:
            rng.choice(towers).append(b)
        else:
            towers.append([b])
    return State.of(towers)


def general(init: State, goal: State, pick: Action, best: int) -> bool:
    """The baseline verdict: some placement after ``pick`` leaves an optimal plan two steps shorter."""
    held = init.apply(pick)
    b = held.holding
    places = [Action(Op.PUT_DOWN, b)] + [Action(Op.STACK, b, t) for t in sorted(held.clear())]
    return any(2 + optimal_length(held.apply(p), goal) == best for p in places)


def next_action_at_size(blocks: int, problems: int) -> None:
    rng = random.Random(0)
    names = [f"b{i}" for i in range(blocks)]
    planner = BwbenchPlanner()
    cases = []
    for i in range(problems):
        init, goal = random_state(names, rng), random_state(names, rng)
        best = optimal_length(init, goal)
        pick = planner.solve(init, goal, count="none").plan[0] if i % 2 == 0 else \
            init.resolve("pick-up", rng.choice(sorted(init.clear())))
        cases.append((init, goal, pick, best))
    ours, each = [], []
    for init, goal, pick, best in cases:
        start = time.perf_counter()
        ours.append(judge_next_action(init, goal, pick.pddl(), best).optimal)
        each.append(time.perf_counter() - start)
    t_ours = sum(each) / len(each)
    start = time.perf_counter()
    theirs = [general(init, goal, pick, best) for init, goal, pick, best in cases]
    t_base = (time.perf_counter() - start) / len(cases)
    agree = sum(a == b for a, b in zip(ours, theirs))
    print(f"next-action at {blocks} blocks, {len(cases)} answers ({sum(ours)} right): bwbench {1000 * t_ours:.3f} ms an "
          f"answer (median {1000 * statistics.median(each):.3f} ms, max {1000 * max(each):.1f} ms), general distance {1000 * t_base:.3f} ms ({t_base / t_ours:.1f}x); verdicts agree {agree}/{len(cases)}; "
          f"target 1 ms: {'met' if t_ours <= 1e-3 else 'NOT met'}")


class _Item:
    """A problem as a run hands it to a task."""

    def __init__(self, init: State, goal: State) -> None:
        self.init, self.goal, self.vocab, self.example = init, goal, None, self
        self.optimal_len = optimal_length(init, goal)
        self.gold = None


def judging_rate(answers: int) -> None:
    rng = random.Random(1)
    items, planner = [], BwbenchPlanner()
    while len(items) < 400:
        names = ["red", "blue", "green", "yellow", "white", "black"][: rng.randint(4, 6)]
        item = _Item(random_state(names, rng), random_state(names, rng))
        if item.optimal_len == 6:
            items.append(item)
    pairs = []
    for i in range(answers):
        item = items[i % len(items)]
        pairs.append((item, NEXT_ACTION.reference(item) if i % 2 else NEXT_ACTION.random_answer(item, rng)))
    plans = [(item, "Plan:\n" + "\n".join(f"step {k}: {a.nl()}" for k, a in enumerate(planner.solve(
        item.init, item.goal).plan, 1))) for item in items]
    start = time.perf_counter()
    for item, answer in pairs:
        NEXT_ACTION.judge(item, answer)
    rate = answers / (time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(answers):
        item, plan = plans[i % len(plans)]
        PLAN.judge(item, plan)
    base = answers / (time.perf_counter() - start)
    print(f"judging {answers:,} next-action answers (L3, 4-6 blocks): {rate:,.0f} answers/s; the plan task's judge on "
          f"the gold plans: {base:,.0f} plans/s ({rate / base:.2f}x); target 10,000/s: "
          f"{'met' if rate >= 10_000 else 'NOT met'}")


def deriving(suite: Path) -> None:
    start = time.perf_counter()
    n = sum(1 for split in ("train", "test") if (suite / f"{split}.jsonl").is_file()
            for _ in read_examples(suite / f"{split}.jsonl"))
    t_read = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        made = derive_suite(suite, Path(tmp) / "next", NEXT_ACTION.name, NEXT_ACTION.derive)
        t_derive = time.perf_counter() - start
    per_10k = t_derive / made.problems * 10_000
    print(f"deriving next-action from {suite} ({made.problems:,} problems): {t_derive:.2f} s, {per_10k:.2f} s per "
          f"10,000; reading the suite alone: {t_read:.2f} s ({t_derive / t_read:.2f}x); target 10 s per 10,000: "
          f"{'met' if per_10k <= 10 else 'NOT met'} ({n:,} problems read)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--blocks", type=int, default=60)
    ap.add_argument("--problems", type=int, default=200)
    ap.add_argument("--answers", type=int, default=20_000)
    ap.add_argument("--suite", type=Path, default=Path("data/standard"))
    args = ap.parse_args()
    print(one_core())
    next_action_at_size(args.blocks, args.problems)
    judging_rate(args.answers)
    deriving(args.suite)


if __name__ == "__main__":
    main()
