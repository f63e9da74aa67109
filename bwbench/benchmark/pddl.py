"""PDDL I/O through unified-planning: the shipped domain, problems both ways, engine calls.

unified-planning parses and writes the PDDL; this module only maps between its
problems and bwbench states. It is imported lazily (unified-planning takes a
moment to import), so the generator's hot path never pays for it.
"""

from __future__ import annotations

import functools
import io
import re
from contextlib import redirect_stdout
from pathlib import Path

from .planner import PlanResult
from .state import TABLE, Action, InvalidState, Op, State

DOMAIN_NAME = "blocksworld"


def domain_path() -> Path:
    """``domains/blocksworld.pddl``: inside the installed wheel, or at the source tree's root."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "domains", here.parent / "domains"):
        path = candidate / "blocksworld.pddl"
        if path.is_file():
            return path
    raise FileNotFoundError("domains/blocksworld.pddl is missing from the installation")


@functools.cache
def _env():
    import unified_planning.shortcuts as up

    up.get_environment().credits_stream = None  # no banner on every engine call
    return up


@functools.cache
def _domain():
    from unified_planning.io import PDDLReader

    _env()
    return PDDLReader().parse_problem(str(domain_path()))


def to_up_problem(init: State, goal: State, name: str = "bw"):
    """A unified-planning problem over the shipped domain with ``goal`` as a full configuration."""
    up = _env()
    problem = _domain().clone()
    problem.name = name
    fl = {f.name: f for f in problem.fluents}
    objs = {b: up.Object(b, problem.user_types[0]) for b in sorted(init.blocks | goal.blocks)}
    problem.add_objects(objs.values())
    for fact in sorted(init.facts()):
        pred, *args = fact
        problem.set_initial_value(fl[pred](*(objs[a] for a in args)), True)
    for block, on in sorted(goal.below().items()):
        problem.add_goal(fl["on-table"](objs[block]) if on == TABLE else fl["on"](objs[block], objs[on]))
    return problem


def to_pddl(init: State, goal: State, name: str = "bw") -> str:
    """PDDL problem text for the shipped domain."""
    from unified_planning.io import PDDLWriter

    text = PDDLWriter(to_up_problem(init, goal, name)).get_problem()
    # The writer names the domain after the problem; ours has its own name.
    text = re.sub(r"\(define \(problem [^)]*\)", f"(define (problem {name})", text, count=1)
    return re.sub(r"\(:domain [^)]*\)", f"(:domain {DOMAIN_NAME})", text, count=1)


def from_up_problem(problem) -> tuple[State, State | frozenset[tuple[str, ...]]]:
    """Init state, and the goal: a State when it fixes every block, else the goal facts."""
    true = set()
    for fluent, value in problem.explicit_initial_values.items():
        if value.is_true():
            true.add((fluent.fluent().name, *(str(a) for a in fluent.args)))
    init = state_from_facts(true, [str(o) for o in problem.all_objects])
    goal_facts: set[tuple[str, ...]] = set()
    for g in problem.goals:
        for e in g.args if g.is_and() else (g,):
            if not e.is_fluent_exp():
                raise ValueError(f"goal {e} is not a conjunction of facts")
            goal_facts.add((e.fluent().name, *(str(a) for a in e.args)))
    placed = {f[1] for f in goal_facts if f[0] in ("on", "on-table")}
    if placed == init.blocks:
        try:
            return init, state_from_facts(goal_facts | {("arm-empty",)}, sorted(init.blocks))
        except InvalidState:
            pass  # not a consistent configuration: leave it to the search as facts
    return init, frozenset(goal_facts)


def state_from_facts(facts: set[tuple[str, ...]], blocks: list[str]) -> State:
    below: dict[str, str] = {}
    holding = None
    for pred, *args in facts:
        if pred == "on-table":
            below[args[0]] = TABLE
        elif pred == "on":
            if args[0] in below:
                raise InvalidState(f"{args[0]} is in two places")
            below[args[0]] = args[1]
        elif pred == "holding":
            holding = args[0]
    above = {}
    for b, on in below.items():
        if on != TABLE:
            if on in above:
                raise InvalidState(f"{above[on]} and {b} are both on {on}")
            above[on] = b
    towers = []
    for b in sorted(b for b, on in below.items() if on == TABLE):
        tower = [b]
        while tower[-1] in above:
            tower.append(above[tower[-1]])
        towers.append(tower)
    state = State.of(towers, holding)
    missing = set(blocks) - state.blocks
    if missing or sum(map(len, towers)) != len(below):
        raise InvalidState(f"blocks not placed (or in a cycle): {sorted(missing) or sorted(below)}")
    return state


def read_problem(problem_file: str | Path, domain_file: str | Path | None = None):
    """Parse a PDDL problem (and domain, the shipped one by default); ``ValueError`` if unreadable."""
    from unified_planning.io import PDDLReader

    _env()
    try:
        return PDDLReader().parse_problem(str(domain_file or domain_path()), str(problem_file))
    except Exception as exc:  # the reader raises many types; all mean "cannot read this PDDL"
        raise ValueError(f"cannot read PDDL: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}") from exc


def solve_with_engine(problem, engine: str, name: str) -> PlanResult:
    """Solve with a unified-planning engine by name; ``RuntimeError`` when it is missing or fails."""
    up = _env()
    try:
        planner = up.OneshotPlanner(name=engine)
    except Exception as exc:
        raise RuntimeError(f"planner {name!r} is not available ({engine}): {exc}") from exc
    with planner, redirect_stdout(io.StringIO()):
        result = planner.solve(problem)
    if result.plan is None:
        raise RuntimeError(f"{name} found no plan ({result.status.name})")
    actions = []
    for a in result.plan.actions:
        args = [str(p) for p in a.actual_parameters]
        actions.append(Action(Op(a.action.name), args[0], args[1] if len(args) > 1 else None))
    return PlanResult(tuple(actions), None, name)
