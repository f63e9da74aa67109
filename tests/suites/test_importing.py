"""bwbench import: PlanBench's and anyone's Blocksworld PDDL as suites, checked against searches written here."""

from __future__ import annotations

import hashlib
import json
import subprocess
from collections import deque
from itertools import permutations
from pathlib import Path

import pytest

from bwbench.suites.dataset import read_examples
from bwbench.world.goal import Goal, parse_fact
from bwbench.world.simulate import simulate
from bwbench.world.state import State
from bwbench.world.text import as_actions
from bwbench.world.vocab import IPC

from ..conftest import DATA, SHARED, TYPED_DOMAIN, need_shared, run_cli

PUBLISHED = {  # suite → (problems, domain, names config, plans), as the suites' cards say they were imported
    "planbench-bw": ("instances/blocksworld/generated_basic", "instances/blocksworld/generated_domain.pddl",
                     "configs/blocksworld.yaml", "instances/blocksworld/info.json"),
    "planbench-bw3": ("instances/blocksworld/generated_basic_3", "instances/blocksworld/generated_domain.pddl",
                      "configs/blocksworld_3.yaml", None),
    "planbench-mystery": ("instances/blocksworld/mystery/generated_basic",
                          "instances/blocksworld/mystery/generated_domain.pddl", "configs/mystery_blocksworld.yaml",
                          "instances/blocksworld/info.json"),
    "planbench-hard": ("instances/blocksworld_hard/generated", "instances/blocksworld_hard/generated_domain.pddl",
                       None, "instances/blocksworld_hard/info.json"),  # its config has no words for 15 blocks
}


def shared() -> Path:
    return need_shared(SHARED / "planbench-reference")


# An independent oracle: breadth-first search over PDDL states as sets of ground facts, with the
# four operators written out from the domain file, counting shortest plans. Nothing from bwbench's planner.

def _successors(state: frozenset, blocks: list[str]):
    hand_empty = ("arm-empty",) in state
    for x in blocks:
        if hand_empty and ("clear", x) in state and ("on-table", x) in state:
            yield state - {("clear", x), ("on-table", x), ("arm-empty",)} | {("holding", x)}
        if ("holding", x) in state:
            yield state - {("holding", x)} | {("clear", x), ("arm-empty",), ("on-table", x)}
        for y in blocks:
            if x == y:
                continue
            if ("holding", x) in state and ("clear", y) in state:
                yield state - {("holding", x), ("clear", y)} | {("arm-empty",), ("clear", x), ("on", x, y)}
            if hand_empty and ("on", x, y) in state and ("clear", x) in state:
                yield state - {("on", x, y), ("clear", x), ("arm-empty",)} | {("holding", x), ("clear", y)}


def oracle(init: State, goal_facts: set) -> tuple[int, int]:
    """Length of a shortest plan and the number of shortest plans."""
    start = frozenset(init.facts())
    blocks = sorted(init.blocks)
    depth, count = {start: 0}, {start: 1}
    queue = deque([start])
    best = None
    while queue:
        s = queue.popleft()
        if best is not None and depth[s] > best:
            break
        if goal_facts <= s:
            best = depth[s]
            continue
        for t in _successors(s, blocks):
            if t not in depth:
                depth[t] = depth[s] + 1
                count[t] = 0
                queue.append(t)
            if depth[t] == depth[s] + 1:
                count[t] += count[s]
    return best, sum(c for s, c in count.items() if depth[s] == best and goal_facts <= s)


def test_oracle_agrees_with_partial_planner_on_every_small_goal():
    """Every goal of one or two facts over 3 blocks, from every start: lengths and plan counts equal the oracle's."""
    from bwbench.planning.planner import BwbenchPlanner

    blocks = ["a", "b", "c"]
    starts = {State.of(t) for t in _partitions(blocks)}
    facts = [("on", x, y) for x, y in permutations(blocks, 2)] + [("on-table", x) for x in blocks] \
        + [("clear", x) for x in blocks] + [("holding", x) for x in blocks] + [("arm-empty",)]
    checked = odd = 0
    for init in sorted(starts, key=lambda s: s.sorted_towers()):
        for i, f in enumerate(facts):
            for g in [(f,)] + [(f, h) for h in facts[i + 1:]]:
                try:
                    goal = Goal.of_facts(g)
                except ValueError:
                    continue  # contradictory: the oracle would search forever for nothing
                length, count = oracle(init, set(goal.facts()))
                result = BwbenchPlanner().solve(init, goal)
                assert (result.length, result.n_optimal) == (length, count), (init, g)
                assert simulate(init, goal, result.plan)
                checked += 1
                odd += length % 2
    assert checked > 500 and odd > 0  # goals that end on a pick (holding, clear) are among them


def _partitions(blocks):
    """Every configuration of ``blocks`` as lists of towers."""
    if not blocks:
        yield []
        return
    first, rest = blocks[0], blocks[1:]
    for towers in _partitions(rest):
        yield [[first], *towers]
        for i, t in enumerate(towers):
            for j in range(len(t) + 1):
                yield [*towers[:i], [*t[:j], first, *t[j:]], *towers[i + 1:]]


SMALL = sorted(s for s in PUBLISHED if s != "planbench-hard")  # the oracle's breadth-first search reaches 5 blocks


@pytest.mark.parametrize("suite", SMALL)
def test_published_suites_match_an_independent_search(suite):
    """Every problem of the published PlanBench suites: optimal length and plan count equal the oracle's; gold valid."""
    for ex in read_examples(DATA / suite / "test.jsonl"):
        rec = ex.record
        length, count = oracle(ex.init, {parse_fact(f) for f in rec["goal"]})
        assert (rec["optimal_len"], rec["n_optimal_plans"]) == (length, count), rec["id"]
        assert rec["level"] == (length + 1) // 2


@pytest.mark.slow
def test_planbench_hard_gold_plans_are_valid_and_as_long_as_planbench_plans():
    """PlanBench's blocksworld_hard plans (from an optimal planner) are as long as bwbench's, and both are valid."""
    for ex in read_examples(DATA / "planbench-hard" / "test.jsonl"):
        rec = ex.record
        theirs = IPC.read_plan(rec["source_plan"])
        assert simulate(ex.init, ex.goal, theirs) and len(theirs) == rec["optimal_len"] == ex.optimal_len, rec["id"]
        assert simulate(ex.init, ex.goal, as_actions(ex.init, ex.gold))
        assert simulate(ex.init, ex.goal, ex.gold), rec["id"]


@pytest.mark.parametrize("suite", [pytest.param(s, marks=pytest.mark.slow) if s in ("planbench-hard", "planbench-mystery")
                                   else s for s in sorted(PUBLISHED)])
def test_published_suites_reimport_byte_identically(suite, tmp_path):
    base = shared()
    man = json.loads((DATA / suite / "manifest.json").read_text())
    problems, domain, names, plans = PUBLISHED[suite]
    r = run_cli("import", str(base / problems), "--domain", str(base / domain),
                *(["--names", str(base / names)] if names else []),
                *(["--plans", str(base / plans)] if plans else []), "--out", str(tmp_path / suite), "--name", suite)
    assert r.returncode == 0, r.stderr
    again = json.loads((tmp_path / suite / "manifest.json").read_text())
    assert again["files"] == man["files"] and again["counts"] == man["counts"]
    assert (tmp_path / suite / "test.jsonl").read_bytes() == (DATA / suite / "test.jsonl").read_bytes()
    assert f"--out data/{suite}" in man["imported"]["command"]


def test_records_keep_source_and_sha256():
    base = shared()
    for ex in read_examples(DATA / "planbench-mystery" / "test.jsonl"):
        rec = ex.record
        path = base / PUBLISHED["planbench-mystery"][0] / rec["source"]
        assert hashlib.sha256(path.read_bytes()).hexdigest() == rec["source_sha256"]
        assert rec["vocabulary"]["actions"]["pick-up"] == "attack" and rec["vocabulary"]["objects"]["a"] == "object a"
        assert simulate(ex.init, ex.goal, IPC.read_plan(rec["source_plan"]))  # PlanBench's own plan, kept


@pytest.mark.slow
def test_gold_plans_pass_unified_planning_validator():
    """A sample of gold plans through unified-planning's own plan validator, on the PDDL files themselves."""
    base = shared()
    import unified_planning.shortcuts as up
    from unified_planning.io import PDDLReader
    from unified_planning.plans import ActionInstance, SequentialPlan

    up.get_environment().credits_stream = None
    for suite in ("planbench-bw", "planbench-mystery"):
        problems, domain, _, _ = PUBLISHED[suite]
        records = [json.loads(ln) for ln in (DATA / suite / "test.jsonl").read_text().splitlines()]
        for rec in records[::25]:
            problem = PDDLReader().parse_problem(str(base / domain), str(base / problems / rec["source"]))
            names = rec["vocabulary"]["actions"]
            actions = {a.name: a for a in problem.actions}
            ex = next(read_examples_from(rec))
            plan = []
            for step in ex.gold:
                act = step.resolve(_state_before(ex, plan)) if hasattr(step, "resolve") else step
                plan.append(act)
            up_plan = SequentialPlan([ActionInstance(actions[names[a.op.value]], [problem.object(a.block)] +
                                                     ([problem.object(a.target)] if a.target else [])) for a in plan])
            with up.PlanValidator(problem_kind=problem.kind) as validator:
                assert validator.validate(problem, up_plan).status.name == "VALID", rec["id"]


def read_examples_from(rec: dict):
    from bwbench.suites.dataset import to_example

    yield to_example(Path("x.jsonl"), 1, rec, "x.jsonl:1")


def _state_before(ex, done):
    s = ex.init
    for a in done:
        s = s.apply(a)
    return s


@pytest.mark.slow
def test_pyperplan_finds_the_same_optimal_lengths_on_every_planbench_instance():
    """pyperplan's optimal configuration (A* with LM-cut), through unified-planning, on all 1,100 small instance files."""
    base = shared()
    from bwbench.planning.engines import solve_with_engine
    from bwbench.world import pddl
    from bwbench.world.domain import recognise

    for suite in SMALL:  # pyperplan does not finish blocksworld_hard's larger instances
        problems, domain, _, _ = PUBLISHED[suite]
        for rec in (json.loads(ln) for ln in (DATA / suite / "test.jsonl").read_text().splitlines()):
            problem = pddl.read_problem(base / problems / rec["source"], base / domain)
            result = solve_with_engine(problem, "pyperplan-opt", "pyperplan", recognise(problem))
            assert result.length == rec["optimal_len"], (suite, rec["source"])


# Bad input: one line naming the file, exit 2, nothing written.

LOGISTICS = """(define (domain logistics) (:requirements :strips)
 (:predicates (at ?o ?l) (in ?o ?t) (truck ?t) (loc ?l) (pkg ?o))
 (:action load :parameters (?o ?t ?l) :precondition (and (at ?o ?l) (at ?t ?l)) :effect (and (in ?o ?t) (not (at ?o ?l))))
 (:action unload :parameters (?o ?t ?l) :precondition (and (in ?o ?t) (at ?t ?l)) :effect (and (at ?o ?l) (not (in ?o ?t))))
 (:action drive :parameters (?t ?a ?b) :precondition (at ?t ?a) :effect (and (at ?t ?b) (not (at ?t ?a)))))
"""
LOG_PROBLEM = "(define (problem p) (:domain logistics) (:objects p t a b) (:init (at p a) (at t a)) (:goal (and (at p b))))"


def _problem(goal: str, objects: str = "a b c") -> str:
    return (f"(define (problem p) (:domain blocksworld) (:objects {objects})"
            " (:init (arm-empty) (on-table a) (on-table b) (on c a) (clear b) (clear c))"
            f" (:goal (and {goal})))")


@pytest.mark.parametrize("case,files,extra,message", [
    ("logistics", {"dom.pddl": LOGISTICS, "p.pddl": LOG_PROBLEM}, ["--domain", "dom.pddl"], "not a Blocksworld domain"),
    ("cycle", {"p.pddl": _problem("(on a b) (on b a)")}, [], "cycle"),
    ("unknown", {"p.pddl": _problem("(on a z)")}, [], "z"),
    ("no words", {"p.pddl": _problem("(on a b)"), "cfg.yaml": "domain_intro: x\nactions: {pick-up: a}\npredicates: {on: b}\n"},
     ["--names", "cfg.yaml"], "encoded_objects"),
])
def test_bad_input_is_one_line_and_exit_2(tmp_path, case, files, extra, message):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    problem = "p.pddl"
    r = run_cli("import", problem, *extra, "--out", "suite", cwd=tmp_path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and message in lines[0], r.stderr
    assert not (tmp_path / "suite").exists()


@pytest.mark.slow
def test_a_partial_goal_problem_imports_and_evaluates(tmp_path):
    (tmp_path / "probs").mkdir()
    (tmp_path / "probs" / "p-2.pddl").write_text(_problem("(on a b)"))
    (tmp_path / "probs" / "p-10.pddl").write_text(_problem("(clear a)"))
    r = run_cli("import", "probs", "--out", "s", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    recs = [json.loads(ln) for ln in (tmp_path / "s" / "test.jsonl").read_text().splitlines()]
    assert [x["source"] for x in recs] == ["p-2.pddl", "p-10.pddl"]  # natural order
    assert [x["optimal_len"] for x in recs] == [4, 1]  # (clear a): unstack c, and hold it
    r = run_cli("eval", "--model", "planner", "--suite", "s", "--out", "run", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    lines = [json.loads(ln) for ln in (tmp_path / "run" / "predictions.jsonl").read_text().splitlines()]
    assert sorted(x["source"] for x in lines) == ["p-10.pddl", "p-2.pddl"]
    assert all(x["verdict"]["status"] == "valid" for x in lines)
    # An earlier suite is replaced whole; another directory is refused.
    assert run_cli("import", "probs/p-2.pddl", "--out", "s", cwd=tmp_path).returncode == 0
    assert len((tmp_path / "s" / "test.jsonl").read_text().splitlines()) == 1
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "keep.txt").write_text("x")
    assert run_cli("import", "probs", "--out", "other", cwd=tmp_path).returncode == 2
    assert (tmp_path / "other" / "keep.txt").read_text() == "x"


@pytest.mark.slow
def test_solve_reads_ipc_problems_with_their_own_domain(tmp_path):
    """A standard IPC problem (ontable, clear, handempty) with its own domain file, and a renamed one."""
    ipc_domain = (pddl_domain_text().replace("on-table", "ontable").replace("arm-empty", "handempty")
                  .replace("(define (domain blocksworld)", "(define (domain blocks)"))
    (tmp_path / "domain.pddl").write_text(ipc_domain)
    (tmp_path / "p.pddl").write_text(
        "(define (problem sussman) (:domain blocks) (:objects a b c)"
        " (:init (handempty) (ontable a) (ontable b) (on c a) (clear b) (clear c))"
        " (:goal (and (on a b) (on b c))))")
    r = run_cli("solve", "p.pddl", "--domain", "domain.pddl", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith("; 6 steps, planner bwbench")  # the Sussman anomaly
    assert "(unstack c a)" in r.stdout
    r = run_cli("solve", "p.pddl", "--domain", "domain.pddl", "--planner", "pyperplan", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.splitlines()[0].startswith("; 6 steps, planner pyperplan"), r.stderr
    r = run_cli("solve", "p.pddl", cwd=tmp_path)  # no --domain: the shipped one, under the IPC's names
    assert r.returncode == 0 and r.stdout.splitlines()[0].startswith("; 6 steps, planner bwbench"), r.stderr
    mystery = shared() / "instances/blocksworld/mystery"
    r = run_cli("solve", str(mystery / "generated_basic/instance-12.pddl"), "--domain", str(mystery / "generated_domain.pddl"))
    assert r.returncode == 0 and "(feast b d)" in r.stdout, r.stderr


def pddl_domain_text() -> str:
    from bwbench.world.pddl import domain_path

    return domain_path().read_text()


# What a careful user runs into: each of these was a traceback, a silent loss or a wrong answer once.

def _ipc_problem(goal: str, objects: str = "a b c") -> str:
    return (f"(define (problem p) (:domain blocks) (:objects {objects})"
            " (:init (handempty) (ontable a) (ontable b) (on c a) (clear b) (clear c))"
            f" (:goal (and {goal})))")


def _one_line_exit_2(r: subprocess.CompletedProcess, message: str) -> None:
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and message in lines[0], (r.returncode, r.stderr)


def test_an_unwritable_out_is_one_line(tmp_path):
    (tmp_path / "p.pddl").write_text(_ipc_problem("(on a b)"))
    (tmp_path / "afile").write_text("x")
    _one_line_exit_2(run_cli("import", "p.pddl", "--out", "afile/suite", cwd=tmp_path), "afile")
    assert (tmp_path / "afile").read_text() == "x"


def test_an_empty_goal_is_refused(tmp_path):
    (tmp_path / "p.pddl").write_text(_ipc_problem("").replace("(and )", "(and)"))
    _one_line_exit_2(run_cli("import", "p.pddl", "--out", "s", cwd=tmp_path), "the goal is empty")
    assert not (tmp_path / "s").exists()




@pytest.mark.slow
def test_typed_objects_however_spaced_are_read(tmp_path):
    for name, objects in (("tab.pddl", "a\t-\tblock b c - block"), ("newline.pddl", "a b c -\nblock")):
        (tmp_path / name).write_text(_ipc_problem("(on a b)", objects))
    (tmp_path / "domain.pddl").write_text(TYPED_DOMAIN)
    r = run_cli("import", "tab.pddl", "newline.pddl", "--domain", "domain.pddl", "--out", "s", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    recs = [json.loads(ln) for ln in (tmp_path / "s" / "test.jsonl").read_text().splitlines()]
    assert [r["n_blocks"] for r in recs] == [3, 3] and all(r["init"] == [["a", "c"], ["b"]] for r in recs)


def test_odd_optimal_lengths_have_their_level_everywhere(tmp_path):
    (tmp_path / "p.pddl").write_text(_ipc_problem("(holding a)"))
    assert run_cli("import", "p.pddl", "--out", "s", cwd=tmp_path).returncode == 0
    rec = json.loads((tmp_path / "s" / "test.jsonl").read_text())
    assert (rec["optimal_len"], rec["level"]) == (3, 2)
    r = run_cli("eval", "--model", "planner", "--suite", "s", "--level", "L2", "--out", "run", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    results = json.loads((tmp_path / "run" / "results.json").read_text())
    assert results["n_examples"] == 1 and results["metrics"]["by_level"]["L2"]["valid"] == 1.0


def test_import_does_not_replace_a_generated_suite(tmp_path):
    import shutil

    shutil.copytree(DATA / "ood-L3-7b", tmp_path / "ood")
    (tmp_path / "p.pddl").write_text(_ipc_problem("(on a b)"))
    _one_line_exit_2(run_cli("import", "p.pddl", "--out", "ood", cwd=tmp_path), "is not what this command writes")
    assert (tmp_path / "ood" / "test.jsonl").read_bytes() == (DATA / "ood-L3-7b" / "test.jsonl").read_bytes()


@pytest.mark.slow
def test_one_shot_needs_another_problem_to_show(tmp_path):
    (tmp_path / "p.pddl").write_text(_ipc_problem("(on a b)"))
    assert run_cli("import", "p.pddl", "--out", "s", cwd=tmp_path).returncode == 0
    r = run_cli("eval", "--model", "planner", "--suite", "s", "--template", "planbench-1shot", "--out", "run", cwd=tmp_path)
    _one_line_exit_2(r, "planbench-1shot")


def test_names_for_a_domain_of_other_names(tmp_path):
    """A renamed domain with a PlanBench-style config in its own names: words and verbs come from the config."""
    renamed = pddl_domain_text()
    for old, new in [("pick-up", "grab"), ("put-down", "drop"), ("unstack", "lift"), ("(:action stack", "(:action place"),
                     ("on-table", "floor"), ("arm-empty", "free"), ("holding", "carry"), ("(clear", "(open"),
                     ("(not (clear", "(not (open")]:
        renamed = renamed.replace(old, new)
    (tmp_path / "domain.pddl").write_text(renamed)
    (tmp_path / "p.pddl").write_text("(define (problem p) (:domain blocksworld) (:objects a b)"
                                     " (:init (free) (floor a) (floor b) (open a) (open b)) (:goal (and (on a b))))")
    (tmp_path / "names.yaml").write_text(
        "domain_name: crates\ndomain_intro: I move crates.\n"
        "actions: {grab: 'grab {}', drop: 'drop {}', place: 'place {} on {}', lift: 'lift {} off {}'}\n"
        "predicates: {floor: '{} is on the floor', open: '{} is open', free: 'my hands are free', carry: 'I carry {}', 'on': '{} is on {}'}\n"
        "encoded_objects: {a: 'crate a', b: 'crate b'}\n")
    r = run_cli("import", "p.pddl", "--domain", "domain.pddl", "--names", "names.yaml", "--out", "s", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    rec = json.loads((tmp_path / "s" / "test.jsonl").read_text())
    assert rec["vocabulary"]["actions"]["stack"] == "place" and rec["vocabulary"]["objects"]["a"] == "crate a"
    ex = next(read_examples(tmp_path / "s" / "test.jsonl"))
    from bwbench.judging.judge import judge

    assert judge(ex.init, ex.goal, "1. grab crate a\n2. place crate a on crate b", vocab=ex.vocab).valid


@pytest.mark.slow
def test_partial_goals_beyond_the_breadth_first_search_are_solved(tmp_path):
    objects = " ".join("abcdefghij")
    init = " ".join(f"(ontable {b}) (clear {b})" for b in "abcdefghij")
    (tmp_path / "p.pddl").write_text(f"(define (problem p) (:domain blocks) (:objects {objects})"
                                     f" (:init (handempty) {init}) (:goal (and (on a b))))")
    r = run_cli("import", "p.pddl", "--out", "s", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    record = json.loads((tmp_path / "s" / "test.jsonl").read_text())
    assert (record["optimal_len"], record["n_optimal_plans"]) == (2, 1)
    r = run_cli("solve", "p.pddl", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("; 2 steps") and "1 optimal plan" in r.stdout, r.stderr
    r = run_cli("solve", "p.pddl", "--planner", "pyperplan", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("; 2 steps"), r.stderr
