"""Generation throughput at 10-40 blocks, against rejection sampling measured in the same run.

    python benchmarks/bench_generate_scale.py [--problems 20] [--seconds 10]

For each block count and level: problems per second of ``bwbench generate``'s
walk sampler (one core, one cell, the whole pipeline: walks, exact distances,
uniqueness, gold plans, dedupe), with test problems required to have a unique
optimal plan and with ties allowed; and the baseline, rejection sampling:
uniform random (init, goal) pairs kept when their exact optimal length is the
level (what the uniform sampler does, given the exact planner instead of the
breadth-first search, which does not reach these sizes), run for ``--seconds``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import one_core  # noqa: E402

from bwbench.errors import BwbenchError  # noqa: E402
from bwbench.planning import deadlock  # noqa: E402
from bwbench.suites.cells import Cell, GenerateConfig, palette  # noqa: E402
from bwbench.suites.generate import generate  # noqa: E402
from bwbench.suites.sampling import WALK_PATIENCE, sample_states  # noqa: E402

CASES = {10: (1, 5, 10, 13), 20: (1, 10, 20), 30: (1, 10, 20), 40: (1, 20, 30)}


def walk_rate(level: int, n: int, problems: int, unique: bool) -> str:
    """Problems per second, or why there are none."""
    cell = Cell("test", level, n, problems, sampler="walk", unique=None if unique else False)
    cfg = GenerateConfig(suite="bench", cells=(cell,), colors=palette(None, [cell]))
    start = time.perf_counter()
    try:
        suite = generate(cfg)
    except BwbenchError:
        return f"none in {WALK_PATIENCE:,} walks"
    secs = time.perf_counter() - start
    assert len(suite.records["test"]) == problems
    return f"{problems / secs:,.1f}"


def rejection_rate(level: int, n: int, seconds: float) -> tuple[float, int, int]:
    """Problems of the level per second among uniform random pairs, with the pairs tried."""
    rng = np.random.default_rng(0)
    found = tried = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        a_all, g_all = sample_states(rng, n, 256), sample_states(rng, n, 256)
        for a, b in zip(a_all, g_all):
            tried += 1
            if deadlock.distance(tuple(a.tolist()), tuple(b.tolist())) == level:
                found += 1
            if time.perf_counter() - start >= seconds:
                break
    return found / (time.perf_counter() - start), found, tried


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--problems", type=int, default=20, help="problems per cell for the walk sampler")
    ap.add_argument("--seconds", type=float, default=10.0, help="time given to rejection sampling per cell")
    args = ap.parse_args()
    print(one_core())
    print("| blocks | level | walk, unique (problems/s) | walk, ties allowed | rejection sampling (found / pairs) | ratio (ties / rejection) |")
    print("|---|---|---|---|---|---|")
    for n, levels in CASES.items():
        for level in levels:
            unique = walk_rate(level, n, args.problems, True)
            ties = walk_rate(level, n, args.problems, False)
            rate, found, tried = rejection_rate(level, n, args.seconds)
            ratio = f"{float(ties.replace(',', '')) / rate:,.2g}×" if found else f"none in {args.seconds:.0f} s"
            print(f"| {n} | L{level} | {unique} | {ties} | {rate:,.2f}/s ({found:,} / {tried:,}) | {ratio} |",
                  flush=True)


if __name__ == "__main__":
    main()
