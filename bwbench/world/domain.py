"""Recognising a PDDL domain as Blocksworld by the structure of its action schemas, whatever its names.

A domain is the IPC 4-operator Blocksworld when its predicates and actions can
be matched one to one with bwbench's (:data:`SCHEMAS`) so that every action's
parameters, preconditions, add and delete effects correspond exactly. Names do
not matter: PlanBench's Mystery Blocksworld (attack, feast, succumb, overcome;
planet, province, harmony, craves, pain) is recognised as what it is, and a
domain that merely uses the familiar names for something else is not.
The match is a :class:`~.vocab.Vocabulary`: the domain's name for each role.
"""

from __future__ import annotations

from itertools import permutations

from . import three_ops
from .state import Op
from .vocab import ARITY, ARM_EMPTY, CLEAR, HOLDING, ON, ON_TABLE, Vocabulary

# Each operator as (parameters, preconditions, add effects, delete effects) over roles and parameter indices.
SCHEMAS: dict[Op, tuple[int, frozenset, frozenset, frozenset]] = {
    Op.PICK_UP: (1, frozenset({(CLEAR, 0), (ON_TABLE, 0), (ARM_EMPTY,)}), frozenset({(HOLDING, 0)}),
                 frozenset({(CLEAR, 0), (ON_TABLE, 0), (ARM_EMPTY,)})),
    Op.PUT_DOWN: (1, frozenset({(HOLDING, 0)}), frozenset({(CLEAR, 0), (ARM_EMPTY,), (ON_TABLE, 0)}),
                  frozenset({(HOLDING, 0)})),
    Op.STACK: (2, frozenset({(CLEAR, 1), (HOLDING, 0)}), frozenset({(ARM_EMPTY,), (CLEAR, 0), (ON, 0, 1)}),
               frozenset({(CLEAR, 1), (HOLDING, 0)})),
    Op.UNSTACK: (2, frozenset({(ON, 0, 1), (CLEAR, 0), (ARM_EMPTY,)}), frozenset({(HOLDING, 0), (CLEAR, 1)}),
                 frozenset({(ON, 0, 1), (CLEAR, 0), (ARM_EMPTY,)})),
}


class NotBlocksworld(ValueError):
    """The domain is not the 4-operator Blocksworld under any renaming."""


def schemas_of(problem) -> dict[str, tuple[int, frozenset, frozenset, frozenset]]:
    """A unified-planning problem's actions as (parameters, pre, add, del) over its own predicate names."""
    out = {}
    for action in problem.actions:
        params = [p.name for p in action.parameters]
        pos = {p: i for i, p in enumerate(params)}

        def fact(exp) -> tuple:
            if not exp.is_fluent_exp() or not all(a.is_parameter_exp() for a in exp.args):
                raise NotBlocksworld(f"action {action.name}: {exp} is not a fact over its parameters")
            return (exp.fluent().name, *(pos[a.parameter().name] for a in exp.args))

        pre: set = set()
        for cond in getattr(action, "preconditions", None) or ():
            for part in (cond.args if cond.is_and() else (cond,)):
                pre.add(fact(part))
        add, delete = set(), set()
        for eff in getattr(action, "effects", None) or ():
            if eff.is_conditional() or not eff.value.is_bool_constant():
                raise NotBlocksworld(f"action {action.name} has a conditional or non-Boolean effect")
            (add if eff.value.bool_constant_value() else delete).add(fact(eff.fluent))
        out[action.name] = (len(params), frozenset(pre), frozenset(add), frozenset(delete))
    return out


def recognise(problem, name: str | None = None) -> Vocabulary:
    """The roles of a unified-planning problem's (or domain's) names; ``NotBlocksworld`` saying why not."""
    arity = {f.name: f.arity for f in problem.fluents}
    by_arity: dict[int, list[str]] = {}
    for pred, n in arity.items():
        by_arity.setdefault(n, []).append(pred)
    want = {n: sum(1 for r in ARITY.values() if r == n) for n in set(ARITY.values())}
    have = {n: len(by_arity.get(n, [])) for n in set(arity.values()) | set(want)}
    if have == {0: 0, 1: 2, 2: 1}:  # no hand: the 3-operator domain, if its actions are its moves
        return _recognise_moves(problem, by_arity, name)
    if have != want:
        raise NotBlocksworld(f"its predicates ({_list(arity)}) are not Blocksworld's: one binary, three unary, one nullary")
    schemas = schemas_of(problem)
    if len(schemas) != 4:
        raise NotBlocksworld(f"it has {len(schemas)} actions ({_list(schemas)}); Blocksworld has 4")
    binary, nullary = by_arity[2][0], by_arity[0][0]
    for unary in permutations(sorted(by_arity[1])):
        role = {binary: ON, nullary: ARM_EMPTY, unary[0]: ON_TABLE, unary[1]: CLEAR, unary[2]: HOLDING}
        actions = _match_actions(schemas, role)
        if actions is not None:
            predicates = {r: p for p, r in role.items()}
            return Vocabulary(name or getattr(problem, "name", "") or "blocksworld", actions, predicates,
                              types=_types(problem))
    raise NotBlocksworld("its actions do not match pick-up, put-down, stack and unstack under any renaming "
                         "(compared by parameters, preconditions and effects)")


def _recognise_moves(problem, by_arity: dict[int, list[str]], name: str | None) -> Vocabulary:
    """The 3-operator domain's roles (:mod:`.three_ops`), matched as the 4-operator domain's are."""
    schemas = schemas_of(problem)
    if len(schemas) == 3:
        for unary in permutations(sorted(by_arity[1])):
            role = {by_arity[2][0]: ON, unary[0]: ON_TABLE, unary[1]: CLEAR}
            found: dict[str, str] = {}
            for action, (n, pre, add, delete) in schemas.items():
                sig = (n, *(frozenset((role[f[0]], *f[1:]) for f in part) for part in (pre, add, delete)))
                found.update((m, action) for m, schema in three_ops.SCHEMAS.items() if schema == sig and m not in found)
            if len(found) == 3:
                predicates = {r: p for p, r in role.items()}
                return Vocabulary(name or getattr(problem, "name", "") or "blocksworld-3ops", {}, predicates, moves=found,
                                  types=_types(problem))
    raise NotBlocksworld(f"it has no hand, and its actions ({_list(schemas)}) do not match move-b-to-b, move-b-to-t "
                         "and move-t-to-b under any renaming (compared by parameters, preconditions and effects)")


def _match_actions(schemas: dict, role: dict[str, str]) -> dict[Op, str] | None:
    found: dict[Op, str] = {}
    for action, (n, pre, add, delete) in schemas.items():
        sig = (n, *(frozenset((role[f[0]], *f[1:]) for f in part) for part in (pre, add, delete)))
        ops = [op for op, schema in SCHEMAS.items() if schema == sig and op not in found]
        if not ops:
            return None
        found[ops[0]] = action
    return found if len(found) == 4 else None


def _types(problem) -> tuple[str, ...]:
    """The object types a problem's domain declares, lower case and sorted (none if it is untyped: unified-planning
    gives an untyped domain the one type ``object``)."""
    return tuple(sorted({t.name.lower() for t in getattr(problem, "user_types", ())} - {"object"}))


def _list(names) -> str:
    return ", ".join(sorted(names)) or "none"
