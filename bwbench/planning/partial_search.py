"""Optimal plans for partial goals of any size: iterative deepening over moves, pruned by an admissible bound.

The breadth-first search of :mod:`.partial` visits every state within the
optimal distance, which stops being possible past 8 blocks. This search finds
the same results with a depth-first search in :func:`.moves.moves` order,
deepened one move at a time (IDA*), that never enters a state from which the
goal is provably out of reach within the moves left. The bound
(:func:`GoalTest.bound`) is the number of blocks that must move at least once,
plus one for each block that provably moves twice:

* a block must move when a goal fact on its position is false, when it stands
  above a block that must move, or when it stands above a block that must be
  cleared (the goal's support of a block not yet on it, a block the goal wants
  clear or held);
* a block that must move although it stands where the goal wants it (its
  support must move) moves twice: away, then back;
* among the other blocks that must move, an order is forced if each moves only
  once (a block leaves before any block under it; a block lands on its goal
  support after that support's last move and after every block above the
  support has left); each cycle in that order needs one block to move twice,
  so a set of disjoint cycles adds one move each (Gupta & Nau 1992; Slaney &
  Thiébaux 2001: for a full goal, the optimal number of moves is the blocks
  that must move plus the fewest that must detour).

Why the results equal the breadth-first search's. Depth ``d`` is tried only
after every smaller depth failed, so a walk of ``d`` moves that reaches the
goal is a shortest path, and the first one found depth-first in move order is
the first optimal move sequence in that order: the gold plan. Every pruning
removes only walks that cannot be shortest paths to the goal (the bound, a
block moved twice in a row, a state reached in more moves than before, a state
already shown to have no walk of that length), so counting the walks of ``d``
moves, memoised by (state, moves left), counts the optimal plans. As in
:mod:`.partial`, depth ``d`` first asks for goal states (``2d`` steps) and
then for states where one pick reaches the goal (``2d + 1`` steps).
"""

from __future__ import annotations

from ..world.goal import Goal
from ..world.state import TABLE
from .moves import Below, Move
from .moves import moves as moves_from

NO_GOAL = -2
"""``GoalTest.want[b]`` for a block whose position the goal does not give (-1 is the table)."""


class GoalTest:
    """The goal on ``below`` tuples of block indices, and the admissible bound on moves to reach it."""

    def __init__(self, goal: Goal, index: dict[str, int]):
        self.n = len(index)
        self.pairs = tuple((index[b], -1 if s == TABLE else index[s]) for b, s in goal.below)
        self.clear = tuple(index[c] for c in sorted(goal.clear))
        self.holding = None if goal.holding is None else index[goal.holding]
        # A last pick can only help when the goal wants a block held, or one uncovered without a hand-empty fact.
        self.pick_helps = goal.holding is not None or (bool(goal.clear) and not goal.hand_empty)
        want = [NO_GOAL] * self.n
        for b, w in self.pairs:
            want[b] = w
        self.want = tuple(want)
        # child[y]: the block the goal puts on y; goal_above[y]: every block the goal stacks above y, as a bitmask.
        child = [-1] * self.n
        for b, w in self.pairs:
            if w >= 0:
                child[w] = b
        self.child = tuple(child)
        goal_above = [0] * self.n
        for y in range(self.n):
            c = child[y]
            while c >= 0:
                goal_above[y] |= 1 << c
                c = child[c]
        self.goal_above = tuple(goal_above)
        # Blocks whose top must be bare when the hand is empty at the end: the clear goals.
        self.bare = frozenset(self.clear)

    def reached(self, s: Below) -> bool:
        if self.holding is not None:
            return False
        for b, w in self.pairs:
            if s[b] != w:
                return False
        if self.clear:
            supports = set(s)
            for c in self.clear:
                if c in supports:
                    return False
        return True

    def finishing_picks(self, s: Below) -> list[int]:
        """Blocks whose pick from ``s`` reaches the goal (the hand then holds it)."""
        if not self.pick_helps:
            return []
        supports = set(s)
        out = []
        for x in range(len(s)):
            if x in supports or (self.holding is not None and x != self.holding):
                continue
            if any(b == x or s[b] != w for b, w in self.pairs):
                continue  # a held block stands on nothing
            under = s[x]
            if any(c == x or (c in supports and c != under) for c in self.clear):
                continue  # picking x uncovers only the block under it
            out.append(x)
        return out

    def pick_bound(self, s: Below) -> int:
        """A lower bound on the moves from ``s`` to a state where one pick reaches the goal.

        With the goal's block to hold, that block must be bare and any clear
        goal under it may stay covered by it. Otherwise the pick helps only by
        uncovering a clear goal ``c``: when the block on ``c`` is the one
        picked at the end it need not move (but must be bare), and it can be
        picked only if the goal says nothing of it; any other plan clears
        ``c`` by moves, as a plan ending with the hand empty does. And putting
        the picked block down instead of holding it reaches the goal with the
        hand empty, so a pick plan needs at most one move fewer.
        """
        if self.holding is not None:
            return self.bound(s, self.bare - {s[self.holding]} | {self.holding})
        even = self.bound(s, self.bare)
        best = even
        for c in self.clear:
            if c in s:
                y = s.index(c)  # the block on c
                if self.want[y] == NO_GOAL and self.child[y] == -1 and y not in self.bare:
                    best = min(best, self.bound(s, self.bare - {c} | {y}))
        return max(best, even - 1)

    def bound(self, s: Below, bare: frozenset[int]) -> int:  # long: evaluated at every node, its state in locals
        """A lower bound on the moves from ``s`` to a state where the goal's positions hold and ``bare`` are clear.

        Each block that must move has a first and a last move, and these
        events are ordered: a block's first move comes before the first move
        of any block under it (it must leave first); a block's last move comes
        after its goal support's last move; a block's last move, onto its goal
        support, comes after the first move of the block now on that support.
        ``reach[b]`` holds the blocks whose last move must come after b's
        first move; when that includes b itself, b moves twice.
        """
        n, want, goal_above, child = self.n, self.want, self.goal_above, self.child
        above = [-1] * n
        for b in range(n):
            if s[b] >= 0:
                above[s[b]] = b
        wrong_bare = 0  # blocks that a wrong block wants to stand on: whatever is on them must leave
        for b in range(n):
            if want[b] >= 0 and s[b] != want[b]:
                wrong_bare |= 1 << want[b]
        bare_mask = wrong_bare
        for b in bare:
            bare_mask |= 1 << b
        must = 0
        twice = 0
        reach = [0] * n
        down_mask = [0] * n  # blocks below b in its tower
        for b0 in range(n):
            if s[b0] != -1:
                continue
            w, b, mask = -1, b0, 0
            while b != -1:
                if w >= 0 and (must >> w & 1 or bare_mask >> w & 1):
                    moving = True
                else:
                    moving = want[b] != NO_GOAL and s[b] != want[b]
                if moving:
                    must |= 1 << b
                    after = 0
                    if w >= 0:
                        if must >> w & 1:
                            after = reach[w]
                        if wrong_bare >> w & 1:
                            v = child[w]  # wants to stand on w, where b is
                            after |= 1 << v | goal_above[v]
                    if after >> b & 1:
                        twice |= 1 << b
                    reach[b] = after | 1 << b | goal_above[b]
                down_mask[b] = mask
                mask |= 1 << b
                w, b = b, above[b]
        count = must.bit_count() + twice.bit_count()
        once = must & ~twice
        if not wrong_bare or not once:
            return count
        # Blocks that move once must move in an order; each cycle of must-come-after needs a block to move twice.
        succ = [0] * n
        rest = once
        while rest:
            low = rest & -rest
            u = low.bit_length() - 1
            succ[u] = (reach[u] | down_mask[u]) & once & ~low
            rest ^= low
        return count + _disjoint_cycles(succ, once)


def _disjoint_cycles(succ: list[int], alive: int) -> int:
    """How many vertex-disjoint cycles a greedy pass finds in the graph ``succ`` (bitmasks) on the vertices ``alive``."""
    found = 0
    v = 0
    while alive >> v:
        if not alive >> v & 1:
            v += 1
            continue
        # Breadth-first from v's successors until v comes back; layers let the cycle be traced back.
        layers = [succ[v] & alive]
        seen = layers[0]
        while layers[-1] and not layers[-1] >> v & 1:
            nxt, front = 0, layers[-1]
            while front:
                low = front & -front
                nxt |= succ[low.bit_length() - 1]
                front ^= low
            nxt &= alive & ~seen
            seen |= nxt
            layers.append(nxt)
        if not layers[-1]:
            alive &= ~(1 << v)  # on no cycle among the vertices left
            v += 1
            continue
        cycle, target = 1 << v, v
        for layer in reversed(layers[:-1]):
            front = layer
            while front:
                low = front & -front
                u = low.bit_length() - 1
                if succ[u] >> target & 1:
                    cycle |= low
                    target = u
                    break
                front ^= low
        alive &= ~cycle
        found += 1
    return found


class SearchBudget(Exception):
    """The search evaluated more states than it was allowed."""


class Search:
    """Iterative deepening in move order for one problem; :meth:`first` then :meth:`count`.

    ``max_nodes`` bounds the states whose bound is computed (the cost of the search), over both calls.
    """

    def __init__(self, start: Below, test: GoalTest, max_nodes: int | None):
        self.start = start
        self.test = test
        self.max_nodes = max_nodes
        self.nodes = 0
        self._bounds: dict[tuple[Below, bool], int] = {}

    def _h(self, s: Below, pick: bool) -> int:
        key = (s, pick)
        h = self._bounds.get(key)
        if h is None:
            self.nodes += 1
            if self.max_nodes is not None and self.nodes > self.max_nodes:
                raise SearchBudget
            h = self.test.pick_bound(s) if pick else self.test.bound(s, self.test.bare)
            self._bounds[key] = h
        return h

    def first(self, max_moves: int, max_len: int | None = None) -> tuple[int, bool, list[Move]] | None:
        """(moves, whether a last pick finishes, the first optimal move sequence), or None when no plan has at most
        ``max_moves`` moves (and at most ``max_len`` steps)."""
        test = self.test
        best_g: dict[Below, int] = {}
        dead: dict[bool, set[tuple[Below, int]]] = {False: set(), True: set()}
        # A plan ends with the hand empty, or with one last pick (the only way to hold a block at the end).
        kinds = (True,) if test.holding is not None else (False, True) if test.pick_helps else (False,)
        d = min(self._h(self.start, pick) for pick in kinds)
        while d <= max_moves:
            for pick in kinds:
                if max_len is not None and 2 * d + pick > max_len:
                    return None
                if self._h(self.start, pick) > d:
                    continue
                path: list[Move] = []
                if self._dfs(self.start, d, 0, -1, pick, path, best_g, dead[pick]):
                    return d, pick, path
            d += 1
        return None

    def _is_end(self, s: Below, pick: bool) -> bool:
        return bool(self.test.finishing_picks(s)) if pick else self.test.reached(s)

    def _dfs(self, s: Below, left: int, g: int, last: int, pick: bool, path: list[Move],
             best_g: dict[Below, int], dead: set[tuple[Below, int]]) -> bool:
        if left == 0:
            return self._is_end(s, pick)
        for (x, d), t in moves_from(s):
            if x == last:
                continue  # two moves of one block in a row are one move
            if self._h(t, pick) > left - 1 or (t, left - 1) in dead:
                continue
            if best_g.get(t, g + 1) < g + 1:
                continue  # reached in fewer moves before: not a shortest path
            best_g[t] = g + 1
            path.append((x, d))
            if self._dfs(t, left - 1, g + 1, x, pick, path, best_g, dead):
                return True
            path.pop()
            dead.add((t, left - 1))
        return False

    def count(self, moves: int, pick: bool, cap: int | None) -> int:
        """The number of optimal plans (``moves`` must be the optimal depth), or ``cap`` if there are at least that many."""
        memo: dict[tuple[Below, int], int] = {}

        def walks(s: Below, left: int, last: int) -> int:
            if left == 0:
                if pick:
                    return len(self.test.finishing_picks(s))
                return 1 if self.test.reached(s) else 0
            key = (s, left)
            got = memo.get(key)
            if got is not None:
                return got
            total = 0
            for (x, _), t in moves_from(s):
                if x != last and self._h(t, pick) <= left - 1:
                    total += walks(t, left - 1, x)
                    if cap is not None and total >= cap:
                        memo[key] = cap
                        return cap
            memo[key] = total
            return total

        return walks(self.start, moves, -1)
