"""Full goals at 100-500 blocks, as IPC writes them: bwbench against Fast Downward and the exact optimum, in one run.

    python benchmarks/bench_large.py [--sizes 100,200,500] [--problems 3] [--full-sizes 100] [--cutoff 60]
                                     [--fd-sizes 100] [--profile 500] [--files DIR [--fd-files 3]]

Problems: random initial states (each block ends a tower with probability
1/sqrt(n), so about sqrt(n) towers of about sqrt(n) blocks, as in uniform
random states), and two kinds of goal: IPC's one tower of every block written
as ``on`` facts alone, no ``on-table`` (recognised as a configuration), and a
random configuration with every fact (``--full-sizes``: tall towers on both
sides make deadlocks, whose exact count is NP-hard, so those stay small).
bwbench solves each as ``bwbench solve`` does (default count: none beyond 40
blocks). Baselines in the same run: the exact optimum alone
(``deadlock.state_distance``: twice it is the optimal length), against which
every plan's length is checked, along with a lower bound computed here
independently (each misplaced block moves at least once); and Fast Downward's
optimal configuration (A* with LM-cut through unified-planning, in a process
killed at the cutoff) at ``--fd-sizes``. Every plan is checked by simulation.
``--profile N`` prints where the time goes for one N-block tower goal.

``--files DIR`` times every problem file of a folder instead (IPC 2023's
learning-track ``blocksworld/testing/hard``, 125-1082 blocks, say, with its
``domain.pddl``): bwbench, then in the same run the exact distance by branch
and bound alone (the feedback vertex set solver bwbench had before the
hitting-set one) and Fast Downward on the first ``--fd-files``, each in a
process killed at ``--cutoff``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import pstats
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_planner import Outcome, Problem, run_external  # noqa: E402
from common import one_core  # noqa: E402

from bwbench.planning import deadlock, fvs  # noqa: E402
from bwbench.planning.planner import (
    BwbenchPlanner,  # noqa: E402
    configuration,  # noqa: E402
)
from bwbench.planning.solve import solve_file  # noqa: E402
from bwbench.world.goal import Goal  # noqa: E402
from bwbench.world.pddl import read_domain  # noqa: E402
from bwbench.world.simulate import simulate  # noqa: E402
from bwbench.world.state import State  # noqa: E402

SEED = 2026


def random_towers(rng: random.Random, names: list[str]) -> State:
    order = names[:]
    rng.shuffle(order)
    p = 1 / math.sqrt(len(names))
    towers, cur = [], []
    for b in order:
        cur.append(b)
        if rng.random() < p:
            towers.append(cur)
            cur = []
    return State.of(towers + ([cur] if cur else []))


def problems(n: int, count: int, tower: bool) -> list[tuple[State, State, Goal]]:
    """``count`` problems: (init, goal configuration, the goal as bwbench reads it from the file)."""
    rng = random.Random(SEED * 1000 + n * 2 + tower)
    names = [f"b{i}" for i in range(n)]
    out = []
    for _ in range(count):
        init = random_towers(rng, names)
        goal = State.of([rng.sample(names, n)]) if tower else random_towers(rng, names)
        facts = Goal.of_facts(("on", b, s) for b, s in goal.below().items() if s != "table") if tower \
            else Goal.of_state(goal)
        out.append((init, goal, facts))
    return out


def misplaced_bound(init: State, goal: State) -> int:
    """Moves at least: every block not on what it stands on in the goal, or above such a block, moves once."""
    want, has = goal.below(), init.below()
    moves = 0
    for tower in init.towers:
        wrong = False
        for b in tower:
            wrong = wrong or has[b] != want[b]
            moves += wrong
    return moves


def measure(n: int, count: int, tower: bool, cutoff: float, with_fd: bool) -> None:
    kind = "one tower, on facts only" if tower else "random configuration"
    ours, optimum, fd, checks = [], [], [], []
    for init, goal, facts in problems(n, count, tower):
        start = time.perf_counter()
        result = BwbenchPlanner().solve(init, facts)
        ours.append(time.perf_counter() - start)
        start = time.perf_counter()
        best = 2 * deadlock.state_distance(init, goal)
        optimum.append(time.perf_counter() - start)
        checks.append(bool(simulate(init, facts, result.plan)) and result.length == best
                      and best >= 2 * misplaced_bound(init, goal))
        if with_fd:
            out = run_external("fast-downward", Problem(n, init, goal), cutoff)
            fd.append(out.seconds)
            if out.plan is not None:
                checks[-1] = checks[-1] and len(out.plan) == result.length
    mine = statistics.median(ours)
    line = (f"{n:>5}  {kind:<26} bwbench median {mine:8.3f} s (max {max(ours):.3f})   exact optimum alone "
            f"{statistics.median(optimum):7.3f} s ({mine / statistics.median(optimum):6.1f}x)   "
            f"valid and optimal {sum(checks)}/{len(checks)}")
    if with_fd:
        done = [t for t in fd if t is not None]
        shown = f"{statistics.median(done):.2f} s" if len(done) == len(fd) else f">= {cutoff:g} s ({len(done)}/{len(fd)} finished)"
        worst = statistics.median([cutoff if t is None else t for t in fd])
        line += f"   Fast Downward {shown} ({'>= ' if len(done) < len(fd) else ''}{worst / mine:,.0f}x)"
    print(line, flush=True)


def profile(n: int) -> None:
    init, _, facts = problems(n, 1, True)[0]
    prof = cProfile.Profile()
    prof.enable()
    BwbenchPlanner().solve(init, facts)
    prof.disable()
    text = io.StringIO()
    pstats.Stats(prof, stream=text).sort_stats("tottime").print_stats(8)
    print(f"\nwhere the time goes, one {n}-block tower goal:\n" + text.getvalue())


def in_process(job, cutoff: float):
    """``job()`` in a forked process killed at ``cutoff`` seconds: its seconds, or None."""
    import multiprocessing as mp
    ctx = mp.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)

    def work():
        start = time.perf_counter()
        job()
        send.send(time.perf_counter() - start)

    proc = ctx.Process(target=work)
    proc.start()
    got = recv.poll(cutoff)
    seconds = recv.recv() if got else None
    proc.kill()
    proc.join()
    return seconds


def branch_and_bound_only(init: State, goal: State) -> None:
    fvs.BRANCH_NODES = 10**9
    deadlock.state_distance(init, goal)


def measure_files(folder: Path, cutoff: float, fd_files: int) -> None:
    domain = folder / "domain.pddl"
    if domain.exists():
        read_domain(domain)  # unified-planning imported once, here, so that no timed process pays for it
    total, solved = 0.0, 0
    files = sorted(f for f in folder.glob("*.pddl") if f != domain)
    given = domain if domain.exists() else None
    for i, file in enumerate(files):
        done = in_process(lambda file=file: solve_file(file, given, count="none"), cutoff)
        solved += done is not None
        total += cutoff if done is None else done
        s = solve_file(file, given, count="none") if done is not None else None
        line = f"{file.name:<12} " + (f"{len(s.problem.init.blocks):>5} blocks {s.result.length:>5} steps "
                                      f"bwbench {done:8.2f} s" if s else f"bwbench >= {cutoff:g} s")
        if s:
            init, goal = s.problem.init, configuration(s.problem.init, s.problem.goal)
            ok = bool(simulate(init, s.problem.goal, s.result.plan)) and s.result.length >= 2 * misplaced_bound(init, goal)
            old = in_process(lambda init=init, goal=goal: branch_and_bound_only(init, goal), cutoff)
            line += (f"   branch and bound alone {'>= %g' % cutoff if old is None else '%.2f' % old} s "
                     f"({'>= ' if old is None else ''}{(old or cutoff) / done:,.1f}x)   valid, >= bound: {ok}")
            if i < fd_files:
                out: Outcome = run_external("fast-downward", Problem(len(init.blocks), init, goal), cutoff)
                line += f"   Fast Downward {'>= %g' % cutoff if out.seconds is None else '%.2f' % out.seconds} s"
        print(line, flush=True)
    print(f"{solved}/{len(files)} solved within {cutoff:g} s each; {total:.1f} s in all (unsolved counted at the cutoff)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100,200,500")
    ap.add_argument("--full-sizes", default="100")
    ap.add_argument("--fd-sizes", default="100")
    ap.add_argument("--problems", type=int, default=3)
    ap.add_argument("--cutoff", type=float, default=60.0)
    ap.add_argument("--profile", type=int, default=0)
    ap.add_argument("--files", type=Path, default=None)
    ap.add_argument("--fd-files", type=int, default=3)
    args = ap.parse_args()
    print(one_core())
    if args.files:
        measure_files(args.files, args.cutoff, args.fd_files)
        return
    fd_sizes = {int(x) for x in args.fd_sizes.split(",") if x}
    for n in (int(x) for x in args.sizes.split(",") if x):
        measure(n, args.problems, True, args.cutoff, n in fd_sizes)
    for n in (int(x) for x in args.full_sizes.split(",") if x):
        measure(n, args.problems, False, args.cutoff, n in fd_sizes)
    if args.profile:
        profile(args.profile)


if __name__ == "__main__":
    main()
