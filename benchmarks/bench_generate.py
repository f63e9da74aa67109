"""Generation and planning speed, each figure a ratio against a baseline measured in the same run.

    python benchmarks/bench_generate.py [--seconds 20]

1. L3 problems with the uniqueness count (4-6 blocks, one core): bwbench's
   generator vs. the seed's approach (benchmarks/seed_generator.py).
2. bwbench's planner vs. pyperplan's optimal configuration (A* + LM-cut,
   through unified-planning) on the same problems: speed ratio and agreement.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import seed_generator  # noqa: E402
from common import one_core  # noqa: E402

from bwbench.planning.planner import BwbenchPlanner, get_planner  # noqa: E402
from bwbench.suites.cells import GenerateConfig, spread  # noqa: E402
from bwbench.suites.generate import generate  # noqa: E402
from bwbench.world.simulate import simulate  # noqa: E402
from bwbench.world.state import State  # noqa: E402


def ours(n: int, seed: int = 0) -> float:
    cfg = GenerateConfig(suite="bench", cells=tuple(spread((3,), (4, 5, 6), n, "test")), seed=seed)
    start = time.perf_counter()
    suite = generate(cfg)
    secs = time.perf_counter() - start
    assert len(suite.records["test"]) == n
    return n / secs


def seed_approach(seconds: float) -> float:
    rng = random.Random(0)
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        seed_generator.generate(rng, 3, rng.choice((4, 5, 6)))
        done += 1
    return done / (time.perf_counter() - start)


def planners(problems: int) -> tuple[float, float, int, int]:
    suite = generate(GenerateConfig(suite="bench", cells=tuple(spread((1, 2, 3), (4, 5, 6), problems, "test")), seed=1))
    pairs = [(State.of(r["init"]), State.of(r["goal"])) for r in suite.records["test"]]
    t0 = time.perf_counter()
    mine = [BwbenchPlanner().solve(i, gl) for i, gl in pairs]
    t1 = time.perf_counter()
    pyper = get_planner("pyperplan")
    theirs = [pyper.solve(i, gl) for i, gl in pairs]
    t2 = time.perf_counter()
    agree = sum(a.length == b.length and bool(simulate(i, gl, b.plan)) for a, b, (i, gl) in zip(mine, theirs, pairs))
    return len(pairs) / (t1 - t0), len(pairs) / (t2 - t1), agree, len(pairs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=20.0, help="time given to the seed approach")
    ap.add_argument("--problems", type=int, default=6000, help="L3 problems bwbench generates")
    ap.add_argument("--planner-problems", type=int, default=60, help="problems per level for the planner comparison")
    args = ap.parse_args()
    print(one_core())
    base = seed_approach(args.seconds)
    fast = ours(args.problems)
    print(f"L3 generation, 4-6 blocks, one core: bwbench {fast:,.0f} problems/s (unique optimal, counted); "
          f"seed approach {base:,.1f} problems/s; ratio {fast / base:,.0f}x")
    mine, theirs, agree, n = planners(args.planner_problems)
    print(f"optimal planning, L1-L3, 4-6 blocks: bwbench {mine:,.0f} problems/s; pyperplan (A* + LM-cut) "
          f"{theirs:,.1f} problems/s; ratio {mine / theirs:,.0f}x; optimal lengths agree on {agree}/{n}")


if __name__ == "__main__":
    main()
