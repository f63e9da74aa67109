"""Blocks named like PDDL's words or the domain's (ON, OR, AT, and, TABLE, in any case), as IPC's largest
Blocksworld problems name them, read, solved and imported under their own names."""

from __future__ import annotations

import json
import random

import pytest

from bwbench.world.pddl import read_problem, read_problem_fast, from_up_problem
from bwbench.world.pddl_names import escape_objects, reserved
from bwbench.world.simulate import simulate
from bwbench.world.state import Action, Op, State
from bwbench.world.vocab import IPC

from ..conftest import run_cli

KEYWORDS = ["ON", "OR", "AT", "TABLE", "AND", "Not", "clear", "HANDEMPTY"]


def towers(blocks: list[str], rng: random.Random) -> list[list[str]]:
    order = rng.sample(blocks, len(blocks))
    cuts = sorted(rng.sample(range(1, len(order)), 4))
    return [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(order)])]


def ipc_problem(n: int, typed: bool = True, seed: int = 0) -> str:
    """An IPC-2000-style problem, upper case, its blocks named like keywords among others; a full goal."""
    rng = random.Random(seed)
    blocks = KEYWORDS + [f"B{i}" for i in range(n - len(KEYWORDS))]

    def facts(ts: list[list[str]]) -> list[str]:
        out = []
        for t in ts:
            out.append(f"(ONTABLE {t[0]})")
            out += [f"(ON {up} {down})" for down, up in zip(t, t[1:])]
        return out

    start, goal = towers(blocks, rng), towers(blocks, rng)
    init = facts(start) + [f"(CLEAR {t[-1]})" for t in start] + ["(HANDEMPTY)"]
    return (f"(define (problem BLOCKS-{n}-0) (:domain BLOCKS)\n(:objects {' '.join(blocks)}{' - block' if typed else ''})\n"
            f"(:INIT {' '.join(init)})\n(:goal (AND {' '.join(facts(goal))}))\n)\n")


def own_state(text: str) -> tuple[State, State]:
    """The start and goal of :func:`ipc_problem`'s text, read here by hand, ``table`` spelled ``tbl``."""
    def state(section: str) -> State:
        below = {}
        for atom in section.split(")"):
            words = atom.split("(")[-1].split()
            if words and words[0] == "ON":
                below[words[1].lower()] = words[2].lower()
            elif words and words[0] == "ONTABLE":
                below[words[1].lower()] = "table-of-the-world"
        below = {("tbl" if b == "table" else b): ("tbl" if o == "table" else o) for b, o in below.items()}
        return State.from_below({b: ("table" if o == "table-of-the-world" else o) for b, o in below.items()})

    init, goal = text.split("(:goal")
    return state(init.split("(:INIT")[1]), state(goal)


def printed_plan(stdout: str) -> list[Action]:
    out = []
    for line in stdout.splitlines():
        if line.startswith("("):
            name, *args = line.strip("()").split()
            out.append(Action(Op(name), *("tbl" if a == "table" else a for a in args)))
    return out


@pytest.mark.parametrize("typed", [True, False])
def test_a_problem_whose_blocks_are_named_like_keywords_solves_in_its_own_names(tmp_path, typed):
    text = ipc_problem(60, typed)
    (tmp_path / "p.pddl").write_text(text)
    r = run_cli("solve", "p.pddl", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    plan = printed_plan(r.stdout)
    init, goal = own_state(text)
    assert simulate(init, goal, plan)
    assert r.stdout.startswith(f"; {len(plan)} steps")
    assert "bw--" not in r.stdout.split("\n\n")[0]


def test_a_directory_of_them_imports(tmp_path):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "p.pddl").write_text(ipc_problem(30, seed=1))
    r = run_cli("import", "d", "--out", "s", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rec = json.loads((tmp_path / "s" / "test.jsonl").read_text())
    blocks = {b for t in rec["init"] for b in t}
    assert {"on", "or", "at", "and", "not", "clear", "handempty", "bw--table"} <= blocks and "table" not in blocks
    init, goal = own_state(ipc_problem(30, seed=1))
    assert rec["optimal_len"] == len(rec["plan"]) and rec["n_blocks"] == 30


def test_another_planner_reads_them_too(tmp_path):
    (tmp_path / "p.pddl").write_text(ipc_problem(9))
    r = run_cli("solve", "p.pddl", "--planner", "pyperplan", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    init, goal = own_state(ipc_problem(9))
    assert simulate(init, goal, printed_plan(r.stdout))


def test_unified_planning_and_the_fast_reader_agree(tmp_path):
    text = ipc_problem(30, typed=False)
    (tmp_path / "p.pddl").write_text(text)
    slow = from_up_problem(read_problem(tmp_path / "p.pddl"))
    fast = read_problem_fast(text, IPC)
    assert (slow.init, slow.goal, set(slow.objects)) == (fast.init, fast.goal, set(fast.objects))


def test_escaping_keeps_lines_and_leaves_predicates_types_and_other_names_alone():
    domain = "(define (domain d) (:types block) (:predicates (on ?x ?y) (clear ?x)))"
    text = "(define (problem p)\n(:objects ON b - block)\n(:init (on ON b)\n (clear ON))\n(:goal (and (on b ON))))"
    escaped = escape_objects(text, reserved(domain))
    assert escaped.count("\n") == text.count("\n")
    assert escaped == text.replace("ON", "bw--ON")


@pytest.mark.slow  # unified-planning reads 500 typed objects in about ten seconds, twice
def test_five_hundred_blocks_named_like_keywords_solve_and_import(tmp_path):
    rng = random.Random(5)
    blocks = KEYWORDS + [f"B{i}" for i in range(500 - len(KEYWORDS))]
    start = towers(blocks, rng)
    goal = [t[:] for t in start]
    goal[1].append(goal[0].pop())  # one move: the top of the first tower onto the second

    def facts(ts: list[list[str]]) -> str:
        return " ".join([f"(ONTABLE {t[0]})" for t in ts] + [f"(ON {u} {d})" for t in ts for d, u in zip(t, t[1:])])

    text = (f"(define (problem BLOCKS-500-0) (:domain BLOCKS)\n(:objects {' '.join(blocks)} - block)\n"
            f"(:INIT (HANDEMPTY) {facts(start)} {' '.join(f'(CLEAR {t[-1]})' for t in start)})\n"
            f"(:goal (AND {facts(goal)})))\n")
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "p.pddl").write_text(text)
    r = run_cli("solve", "d/p.pddl", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("; 2 steps"), (r.stdout, r.stderr)
    assert simulate(*own_state(text), printed_plan(r.stdout))
    r = run_cli("import", "d", "--out", "s", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rec = json.loads((tmp_path / "s" / "test.jsonl").read_text())
    assert rec["n_blocks"] == 500 and rec["optimal_len"] == 2
