"""An answer in the 3-operator domain's own actions judged: its moves read, simulated exactly, failures said in moves.

A problem imported from the 3-operator domain (``move-b-to-b``, ``move-b-to-t``,
``move-t-to-b``; :mod:`bwbench.world.three_ops`) is asked and answered in
moves. Each line that names one of the domain's moves is a move (after any
marker: ``1.``, ``step 2:``); the plan is judged by simulating its moves as
their steps, two a move, so the verdict, its length and exact match are in
steps as for any problem, while the reason names the move
(``move 1 (move-b-to-t c b): c is on a, not on b``).
"""

from __future__ import annotations

import re

from ..world.goal import Goal
from ..world.simulate import Status, simulate_moves
from ..world.state import State
from ..world.three_ops import steps_of
from ..world.vocab import Vocabulary

_LINE = re.compile(r"[\W_]*(?:(?:step|move)\s*\d+\s*[:.)-]?|\d+\s*[:.)])?\s*[(`*]*\s*([A-Za-z][\w-]*)([^()]*)")


def judge_moves(init: State, goal: State | Goal, completion: str, vocab: Vocabulary) -> dict | None:
    """The verdict's parts (a :class:`~.judge.Judgement`'s status, plan in steps, failed step, reason, executed
    steps, goal share and notes) for an answer written in ``vocab``'s moves; None when no line names a move."""
    names = {name.lower() for name in vocab.moves.values()}
    moves, bad = [], None
    for line in completion.splitlines():
        m = _LINE.match(line.strip())
        if m is None or m.group(1).lower() not in names:
            continue
        try:
            moves.append(vocab.read_move(f"({m.group(1)} {m.group(2).replace(',', ' ').strip(' `*.')})"))
        except ValueError as exc:
            bad = f"move {len(moves) + 1}: {exc}"
            break
    if not moves and bad is None:
        return None
    run = simulate_moves(init, goal, moves, vocab.moves)
    sim = run.simulation
    plan = tuple(step for role, args in moves for step in steps_of(role, args))
    status, failed, reason = sim.status, sim.failed_step, run.reason
    if bad is not None and status is not Status.INVALID_STEP:  # a move that does not read, after moves that apply
        status, failed, reason = Status.PARSE_ERROR, len(plan), bad
    return {"status": status, "plan": plan, "failed_step": failed, "_reason": reason, "executed": sim.executed,
            "goal_share": sim.goal_share, "notes": ("read as moves of the 3-operator domain",)}
