"""Optimal planning for full goals by size: bwbench against Fast Downward and pyperplan, on the same problems.

    python benchmarks/bench_planner.py [--sizes 8,10,12,14,16,20] [--problems 5] [--pyperplan-problems 3]
                                       [--cutoff 60] [--large 30,40,60] [--large-problems 100] [--plot PATH]

1. Uniform random initial states and goals (fixed seed), the same problems for
   every planner: bwbench (``get_planner("bwbench")``, exact beyond 7 blocks),
   Fast Downward's optimal configuration (A* with LM-cut, ``up-fast-downward``)
   and pyperplan's (A* with LM-cut), both through unified-planning. Each
   external call runs in its own process group, killed at the cutoff (wall
   clock): unified-planning's ``solve(timeout=...)`` is ignored by pyperplan
   (it only warns), so the cutoff is enforced here, alike for both. A planner
   that finishes none of a size's problems is not run at larger sizes. Per
   size and planner: problems finished, median and maximum time per problem
   (unfinished ones count as the cutoff, so a median or maximum they touch is
   a lower bound, shown with ``>=``), agreement in plan length with bwbench,
   every plan checked by simulation, and the ratio of medians to bwbench's.
2. bwbench alone at larger sizes: time per problem for the plan (with the
   count of optimal plans up to the cap) and for ``deadlock.distance`` alone.

Times are per call, measured around ``solve`` (for the external planners: in
the worker process, building the unified-planning problem and running the
engine, with the modules already imported and each engine run once before).
One core, as the other benchmarks.
"""

from __future__ import annotations

import argparse
import io
import multiprocessing as mp
import os
import signal
import statistics
import sys
import time
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import one_core  # noqa: E402

from bwbench.planning import deadlock  # noqa: E402
from bwbench.planning.moves import decode, encode  # noqa: E402
from bwbench.planning.planner import get_planner  # noqa: E402
from bwbench.suites.sampling import sample_states  # noqa: E402
from bwbench.world.simulate import simulate  # noqa: E402
from bwbench.world.state import Action, State  # noqa: E402

EXTERNAL = ("fast-downward", "pyperplan")
SEED = 2024


@dataclass(frozen=True)
class Problem:
    blocks: int
    init: State
    goal: State


@dataclass(frozen=True)
class Outcome:
    """One planner on one problem: the plan and its time, or None for either when it did not finish."""

    seconds: float | None
    plan: tuple[Action, ...] | None
    error: str | None = None


@dataclass(frozen=True)
class Row:
    """One planner at one size."""

    blocks: int
    planner: str
    outcomes: list[Outcome]
    lengths_agree: int
    valid: int


def problems(blocks: int, count: int, seed: int = SEED) -> list[Problem]:
    """``count`` problems of ``blocks`` blocks, init and goal uniform over configurations (seeded by size)."""
    names = [f"b{i}" for i in range(blocks)]
    below = sample_states(np.random.default_rng((seed, blocks)), blocks, 2 * count)
    states = [decode(tuple(int(x) for x in row), names) for row in below]
    return [Problem(blocks, states[2 * i], states[2 * i + 1]) for i in range(count)]


def _worker(planner: str, init: State, goal: State, conn) -> None:
    os.setpgrp()  # its own process group, so that killing it kills the engine's processes too
    try:
        with redirect_stdout(io.StringIO()):
            start = time.perf_counter()
            result = get_planner(planner).solve(init, goal)
            secs = time.perf_counter() - start
        conn.send(Outcome(secs, result.plan))
    except Exception as exc:  # reported, not raised: a failure is a result of the benchmark
        conn.send(Outcome(None, None, f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def run_external(planner: str, p: Problem, cutoff: float) -> Outcome:
    """``planner`` on ``p`` in a forked process, killed with everything it started once ``cutoff`` seconds pass."""
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_worker, args=(planner, p.init, p.goal, send))
    proc.start()
    send.close()
    got = recv.poll(cutoff)
    outcome = recv.recv() if got else Outcome(None, None, "cutoff")
    if proc.is_alive() and not got:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.join()
    recv.close()
    return outcome


def run_bwbench(p: Problem) -> Outcome:
    planner = get_planner("bwbench")
    start = time.perf_counter()
    plan = planner.solve(p.init, p.goal).plan
    return Outcome(time.perf_counter() - start, plan)


def warm_up() -> None:
    """Import and run each engine once on a small problem, so that no worker pays for first use."""
    p = problems(4, 1)[0]
    for name in EXTERNAL:
        with redirect_stdout(io.StringIO()):
            get_planner(name).solve(p.init, p.goal)


def row(blocks: int, planner: str, outcomes: list[Outcome], ps: list[Problem], ref: list[Outcome]) -> Row:
    agree = valid = 0
    for o, p, r in zip(outcomes, ps, ref):
        if o.plan is not None:
            valid += bool(simulate(p.init, p.goal, o.plan))
            agree += len(o.plan) == len(r.plan)
    return Row(blocks, planner, outcomes, agree, valid)


def times(r: Row, cutoff: float) -> tuple[float, bool, float, bool]:
    """Median and maximum seconds, unfinished counted as the cutoff, each with whether it is only a lower bound."""
    ts = sorted(o.seconds if o.seconds is not None else float("inf") for o in r.outcomes)
    n = len(ts)
    middle = ts[(n - 1) // 2 : n // 2 + 1]
    median = statistics.mean(min(t, cutoff) for t in middle)
    return median, any(t == float("inf") for t in middle), min(ts[-1], cutoff), ts[-1] == float("inf")


def fmt(secs: float, bound: bool) -> str:
    text = f"{1e3 * secs:,.1f} ms" if secs < 1 else f"{secs:,.2f} s"
    return (">=" if bound else "") + text


def compare(sizes: list[int], count: int, pyper_count: int, cutoff: float) -> list[Row]:
    print(f"\n1. optimal plans for full goals, uniform random problems (seed {SEED}); external planners cut off at "
          f"{cutoff:g} s wall clock")
    header = f"{'blocks':>6}  {'planner':<14}{'finished':>9}{'median':>13}{'max':>13}{'same length':>12}{'valid':>7}{'ratio':>10}"
    print(header)
    rows: list[Row] = []
    stopped: dict[str, int] = {}
    for blocks in sizes:
        ps = problems(blocks, count)
        ref = [run_bwbench(p) for p in ps]
        base = row(blocks, "bwbench", ref, ps, ref)
        rows.append(base)
        base_median = times(base, cutoff)[0]
        _print_row(base, cutoff, None)
        for name in EXTERNAL:
            if name in stopped:
                print(f"{blocks:>6}  {name:<14}not run: finished none of {stopped[name]} blocks' problems")
                continue
            mine = ps[: pyper_count if name == "pyperplan" else count]
            outcomes = [run_external(name, p, cutoff) for p in mine]
            r = row(blocks, name, outcomes, mine, ref)
            rows.append(r)
            _print_row(r, cutoff, statistics.median(o.seconds for o in ref[: len(mine)]) if len(mine) < count else base_median)
            errors = {o.error for o in outcomes if o.error not in (None, "cutoff")}
            for e in errors:
                print(f"        {name} failed: {e}")
            if not any(o.seconds is not None for o in outcomes):
                stopped[name] = blocks
    return rows


def _print_row(r: Row, cutoff: float, base_median: float | None) -> None:
    median, m_bound, most, x_bound = times(r, cutoff)
    done = sum(o.seconds is not None for o in r.outcomes)
    ratio = "" if base_median is None else ((">=" if m_bound else "") + f"{median / base_median:,.0f}x")
    print(f"{r.blocks:>6}  {r.planner:<14}{f'{done}/{len(r.outcomes)}':>9}{fmt(median, m_bound):>13}"
          f"{fmt(most, x_bound):>13}{f'{r.lengths_agree}/{done}':>12}{f'{r.valid}/{done}':>7}{ratio:>10}")


@dataclass(frozen=True)
class Large:
    blocks: int
    plan_times: list[float]
    distance_times: list[float]
    valid: int
    optimal: int


def large(sizes: list[int], count: int) -> list[Large]:
    print(f"\n2. bwbench alone, {count} uniform random problems per size (seed {SEED})")
    print(f"{'blocks':>6}{'plan: median':>16}{'max':>12}{'distance: median':>19}{'max':>12}{'valid':>9}{'length = 2 x distance':>24}")
    planner = get_planner("bwbench")
    out = []
    for blocks in sizes:
        plan_t, dist_t, valid, optimal = [], [], 0, 0
        for p in problems(blocks, count):
            _, s, g = encode(p.init, p.goal)
            t0 = time.perf_counter()
            plan = planner.solve(p.init, p.goal).plan
            t1 = time.perf_counter()
            d = deadlock.distance(s, g)
            t2 = time.perf_counter()
            plan_t.append(t1 - t0)
            dist_t.append(t2 - t1)
            valid += bool(simulate(p.init, p.goal, plan))
            optimal += len(plan) == 2 * d
        r = Large(blocks, plan_t, dist_t, valid, optimal)
        out.append(r)
        print(f"{blocks:>6}{1e3 * statistics.median(plan_t):>13.2f} ms{1e3 * max(plan_t):>9.2f} ms"
              f"{1e3 * statistics.median(dist_t):>16.3f} ms{1e3 * max(dist_t):>9.3f} ms"
              f"{f'{valid}/{count}':>9}{f'{optimal}/{count}':>24}")
    return out


def plot(path: Path, rows: list[Row], big: list[Large], cutoff: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5))
    styles = {"bwbench": ("C0", "o"), "fast-downward": ("C1", "s"), "pyperplan": ("C2", "^")}
    labels = {"bwbench": "bwbench", "fast-downward": "Fast Downward (A* + LM-cut)", "pyperplan": "pyperplan (A* + LM-cut)"}
    for name, (colour, marker) in styles.items():
        mine = [r for r in rows if r.planner == name]
        xs = [r.blocks for r in mine]
        ys = [times(r, cutoff)[0] for r in mine]
        if name == "bwbench":
            xs += [b.blocks for b in big]
            ys += [statistics.median(b.plan_times) for b in big]
            for b in big:
                ax.scatter([b.blocks] * len(b.plan_times), b.plan_times, color=colour, alpha=0.1, s=8)
        ax.plot(xs, ys, color=colour, marker=marker, label=f"{labels[name]}, median")
        for r in mine:  # every problem: finished ones as faint dots, unfinished ones as crosses on the cutoff
            done = [o.seconds for o in r.outcomes if o.seconds is not None]
            ax.scatter([r.blocks] * len(done), done, color=colour, alpha=0.3, s=12)
            if len(done) < len(r.outcomes):
                ax.scatter([r.blocks], [cutoff], color=colour, marker="x", s=50)
    ax.axhline(cutoff, color="grey", linestyle="--", linewidth=1)
    ax.text(ax.get_xlim()[1], cutoff / 1.25, f"cutoff {cutoff:g} s (x: some not finished) ", color="grey", fontsize=8,
            ha="right", va="top")
    ax.set_yscale("log")
    ax.set_xlabel("blocks")
    ax.set_ylabel("seconds per problem (optimal plan)")
    ax.set_title("Optimal Blocksworld planning, uniform random full goals, one core")
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(True, which="major", alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    print(f"\nplot: {path}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="8,10,12,14,16,20", help="block counts for the comparison")
    ap.add_argument("--problems", type=int, default=5, help="problems per size for bwbench and Fast Downward")
    ap.add_argument("--pyperplan-problems", type=int, default=3, help="problems per size for pyperplan (the first ones)")
    ap.add_argument("--cutoff", type=float, default=60.0, help="wall-clock seconds per external planner call")
    ap.add_argument("--large", default="30,40,60", help="block counts for bwbench alone")
    ap.add_argument("--large-problems", type=int, default=100)
    ap.add_argument("--plot", type=Path, help="write a log-scale plot of time against blocks here")
    args = ap.parse_args()
    print(one_core())
    print(f"load average at start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    warm_up()
    start = time.perf_counter()
    rows = compare([int(x) for x in args.sizes.split(",")], args.problems, min(args.pyperplan_problems, args.problems),
                   args.cutoff)
    big = large([int(x) for x in args.large.split(",") if x], args.large_problems)
    print(f"\nload average at end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}; "
          f"{time.perf_counter() - start:,.0f} s in all")
    if args.plot:
        plot(args.plot, rows, big, args.cutoff)


if __name__ == "__main__":
    main()
