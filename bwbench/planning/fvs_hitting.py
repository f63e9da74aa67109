"""The exact minimum feedback vertex set of one large strongly connected component, as an implicit hitting set.

A smallest set meeting a list of the component's cycles is a lower bound on
the answer; once it leaves no cycle it is the answer. What keeps the 0/1
programs (HiGHS through ``scipy.optimize``) few and small at the hundreds of
nodes that 400-1,000 Blocksworld blocks leave after the reductions of
:mod:`.fvs`:

* **A tight linear relaxation before any 0/1 program.** Its fractional
  optimum is cut off again and again: by the lightest cycle through each node
  (node weights the fractional values, shortest paths by Dijkstra), and by
  *odd cycles of two-way pairs*: each pair ``u <-> v`` is a 2-cycle, so a set
  meets every pair of a ring of 2k+1 of them only with k+1 of its nodes (the
  odd-cycle inequality of vertex cover). On these graphs that closes about
  half of the gap between the plain relaxation and the optimum.
* **Local search between 0/1 programs.** A program's answer of size L that
  leaves cycles gives those cycles; a set of L nodes meeting all known cycles
  is then looked for by weighted local search, which is much cheaper than a
  program. Only when it fails does a program decide (with L as a proven lower
  bound) whether L still suffices; a set of L nodes that leaves no cycle is the
  answer, since L is a lower bound.
"""

from __future__ import annotations

import random

from .digraph import bits, components, mask_of

# Local search steps before a 0/1 program is asked; rounds of the relaxation's cutting planes at most.
SEARCH_STEPS = 5000
CUT_ROUNDS = 30


def hitting_set(graph: dict[int, int], comp: int) -> int:
    """A smallest feedback vertex set of the strongly connected component ``comp`` (a bit mask)."""
    cycles = _start_cycles(graph, comp)
    rings: dict[int, int] = {}  # odd rings of two-way pairs: node mask -> nodes the set needs among them
    _tighten(graph, comp, cycles, rings)
    chosen = _program(comp, cycles, rings, 0, integer=True)[0]
    at_least = bin(chosen).count("1")  # a proven lower bound: the rows are met by every feedback set
    while True:
        left = components(graph, comp & ~chosen)
        if not left:
            return chosen
        for part in left:
            _add_cycles(graph, part, cycles)
        found = _local_search(cycles, chosen, SEARCH_STEPS)
        if found is None:
            chosen = _program(comp, cycles, rings, at_least, integer=True)[0]
            at_least = bin(chosen).count("1")
        else:
            chosen = found


def _start_cycles(graph: dict[int, int], comp: int) -> set[int]:
    """The two-way pairs, a shortest cycle through each node, and the cycles greedy hitting sets leave."""
    cycles: set[int] = set()
    for v in bits(comp):
        for w in bits(graph[v] & comp):
            if w > v and graph[w] >> v & 1:
                cycles.add(1 << v | 1 << w)
    _add_cycles(graph, comp, cycles)
    while True:  # cheap rounds first: a greedy set's leftover cycles are the ones a near-best set misses
        left = components(graph, comp & ~_greedy_hitting_set(cycles))
        if not left:
            return cycles
        for part in left:
            _add_cycles(graph, part, cycles)


def _tighten(graph: dict[int, int], comp: int, cycles: set[int], rings: dict[int, int]) -> None:
    """Cutting planes for the linear relaxation: lightest cycles and odd rings its optimum leaves unmet."""
    nodes = list(bits(comp))
    for _ in range(CUT_ROUNDS):
        x = _program(comp, cycles, rings, 0, integer=False)[1]
        weight = dict(zip(nodes, x))
        more = _lightest_cycles(graph, comp, weight) - cycles
        odd = {ring: need for ring, need in _odd_rings(graph, comp, weight) if ring not in rings}
        if not more and not odd:
            return
        cycles |= more
        rings.update(odd)


def _program(comp: int, cycles: set[int], rings: dict[int, int], at_least: int, integer: bool):
    """The smallest set meeting each cycle and enough of each ring (and ``at_least`` nodes), by HiGHS: the set as a
    mask and the values per node, lowest node first. Without ``integer``, the linear relaxation."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix

    nodes = list(bits(comp))
    column = {v: i for i, v in enumerate(nodes)}
    rows_list = [(c, 1) for c in cycles] + list(rings.items())
    rows, cols, need = [], [], []
    for r, (mask, k) in enumerate(rows_list):
        for v in bits(mask):
            rows.append(r)
            cols.append(column[v])
        need.append(k)
    rows += [len(rows_list)] * len(nodes)
    cols += range(len(nodes))
    need.append(at_least)
    meets = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(need), len(nodes)))
    found = milp(np.ones(len(nodes)), constraints=LinearConstraint(meets, lb=np.array(need, float), ub=np.inf),
                 integrality=np.full(len(nodes), int(integer)), bounds=Bounds(0, 1),
                 options={"mip_rel_gap": 0})  # proven smallest: the next round takes its size as a lower bound
    if found.status != 0 or found.x is None:
        raise RuntimeError(f"HiGHS did not find the smallest hitting set: {found.message}")
    return mask_of(v for v, x in zip(nodes, found.x) if x > 0.5), [float(x) for x in found.x]


def _shortest_paths(sources: int, size: int, arcs: list[tuple[int, int, float]]):
    """Dijkstra from each of the first ``sources`` of ``size`` points over weighted arcs: distances, predecessors."""
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra

    # scipy reads a zero entry as no arc, so each arc costs a little more than its weight (shorter cycles first)
    matrix = csr_matrix(([w + 1e-6 for _, _, w in arcs], ([a for a, _, _ in arcs], [b for _, b, _ in arcs])),
                        shape=(size, size))
    return dijkstra(matrix, directed=True, indices=range(sources), return_predecessors=True)


def _lightest_cycles(graph: dict[int, int], comp: int, weight: dict[int, float]) -> set[int]:
    """Through each node, the cycle of least weight (the sum of its nodes' weights), where that is below 1."""
    nodes = list(bits(comp))
    column = {v: i for i, v in enumerate(nodes)}
    arcs = [(column[v], column[w], weight[w]) for v in nodes for w in bits(graph[v] & comp)]
    dist, prev = _shortest_paths(len(nodes), len(nodes), arcs)
    found = set()
    for v in nodes:
        i = column[v]
        last = min((column[u] for u in nodes if graph[u] >> v & 1), key=lambda j: dist[i, j], default=None)
        if last is None or dist[i, last] + weight[v] >= 1 - 1e-6:
            continue
        cycle, j = 1 << v, last
        while j != i:
            cycle |= 1 << nodes[j]
            j = prev[i, j]
        found.add(cycle)
    return found


def _odd_rings(graph: dict[int, int], comp: int, weight: dict[int, float]) -> list[tuple[int, int]]:
    """Odd cycles of two-way pairs whose nodes weigh less than the (length + 1) / 2 a feedback set needs among them:
    the shortest odd closed walk through each node, by Dijkstra on two copies of the nodes (an arc u <-> v costing
    x_u + x_v - 1, so that a ring of 2k+1 nodes costs 2 x(ring) - (2k+1)), kept where it is a simple cycle."""
    nodes = list(bits(comp))
    n = len(nodes)
    column = {v: i for i, v in enumerate(nodes)}
    arcs = []
    for v in nodes:
        for w in bits(graph[v] & comp):
            if graph[w] >> v & 1:
                cost = max(weight[v] + weight[w] - 1, 0.0)
                arcs += [(column[v], column[w] + n, cost), (column[v] + n, column[w], cost)]
    if not arcs:
        return []
    dist, prev = _shortest_paths(n, 2 * n, arcs)
    found = []
    for i in range(n):
        if dist[i, i + n] >= 1 - 1e-4:
            continue
        walk, j = [], i + n
        while j != i:
            walk.append(j % n)
            j = prev[i, j]
        if len(walk) >= 3 and len(set(walk)) == len(walk):
            found.append((mask_of(nodes[k] for k in walk), (len(walk) + 1) // 2))
    return found


def _add_cycles(graph: dict[int, int], nodes: int, cycles: set[int]) -> None:
    """A shortest cycle through each node, within ``nodes`` (breadth first), as node masks."""
    for v in bits(nodes):
        back = {v: -1}
        frontier = [v]
        found = 0
        while frontier and not found:
            following = []
            for u in frontier:
                if graph[u] >> v & 1:
                    found = 1 << u
                    while back[u] >= 0:
                        u = back[u]
                        found |= 1 << u
                    break
                for w in bits(graph[u] & nodes):
                    if w not in back:
                        back[w] = u
                        following.append(w)
            frontier = following
        if found:
            cycles.add(found)


def _greedy_hitting_set(cycles: set[int]) -> int:
    """A set meeting every cycle, taking next the node that meets the most cycles not yet met."""
    chosen, unmet = 0, list(cycles)
    while unmet:
        counts: dict[int, int] = {}
        for cycle in unmet:
            for v in bits(cycle):
                counts[v] = counts.get(v, 0) + 1
        best = max(counts, key=counts.__getitem__)
        chosen |= 1 << best
        unmet = [c for c in unmet if not c >> best & 1]
    return chosen


class _Search:
    """Weighted local search for a set of a fixed size meeting every cycle: swap out the chosen node whose loss
    is least, swap in the best node of a random unmet cycle; unmet cycles weigh more each step. ``score``: for a
    chosen node, minus the weight of the cycles only it meets; for another, the weight of the unmet cycles it is on.
    """

    def __init__(self, cycles: set[int], start: int, seed: int) -> None:
        self.rng = random.Random(seed)
        self.cycles = [list(bits(c)) for c in sorted(cycles)]
        self.on: dict[int, list[int]] = {}
        for i, c in enumerate(self.cycles):
            for v in c:
                self.on.setdefault(v, []).append(i)
        self.chosen = set(bits(start))
        self.met = [sum(v in self.chosen for v in c) for c in self.cycles]
        self.weight = [1] * len(self.cycles)
        self.score = {v: 0 for v in self.on}
        for i, c in enumerate(self.cycles):
            for v in c:
                if self.met[i] == 0:
                    self.score[v] += 1
                elif self.met[i] == 1 and v in self.chosen:
                    self.score[v] -= 1
        self.unmet = {i for i, m in enumerate(self.met) if m == 0}

    def drop(self, u: int) -> None:
        self.chosen.discard(u)
        for i in self.on.get(u, ()):
            self.met[i] -= 1
            w = self.weight[i]
            if self.met[i] == 0:
                self.unmet.add(i)
                for x in self.cycles[i]:
                    self.score[x] += w
                self.score[u] += w  # u's loss on this cycle becomes a gain
            elif self.met[i] == 1:
                for x in self.cycles[i]:
                    if x in self.chosen:
                        self.score[x] -= w

    def take(self, v: int) -> None:
        self.chosen.add(v)
        for i in self.on[v]:
            self.met[i] += 1
            w = self.weight[i]
            if self.met[i] == 1:
                self.unmet.discard(i)
                for x in self.cycles[i]:
                    self.score[x] -= w
                self.score[v] -= w  # v's gain on this cycle becomes a loss
            elif self.met[i] == 2:
                for x in self.cycles[i]:
                    if x in self.chosen and x != v:
                        self.score[x] += w


def _local_search(cycles: set[int], start: int, steps: int, seed: int = 1) -> int | None:
    """A set of as many nodes as ``start`` meeting every cycle, searched from ``start``; None if none is found."""
    s = _Search(cycles, start, seed)
    score, rng = s.score, s.rng
    recent: dict[int, int] = {}
    for step in range(steps):
        if not s.unmet:
            return mask_of(s.chosen)
        allowed = [v for v in s.chosen if recent.get(v, -9) < step - 1] or list(s.chosen)
        u = max(allowed, key=lambda v: (score.get(v, 0), rng.random()))
        s.drop(u)
        cycle = s.cycles[rng.choice(tuple(s.unmet))]
        v = max((x for x in cycle if x != u), key=lambda x: (score[x], rng.random()), default=u)
        s.take(v)
        recent[v] = step
        for i in s.unmet:
            s.weight[i] += 1
            for x in s.cycles[i]:
                score[x] += 1
    return None
