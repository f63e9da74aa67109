"""A minimum feedback vertex set of a directed graph, exactly, at the sizes Blocksworld's deadlocks reach.

Graphs are ``{node: bit mask of its successors}`` over small integer nodes,
with a bit mask of the nodes still in play. A feedback vertex set meets every
cycle (a node with an edge to itself is in every one). The problem is NP-hard;
what makes it fast here:

* **Reductions** that keep an optimum (Levy & Low 1988; Lin & Jou 2000), run
  to a fixed point: a self-loop is taken; a node with no way in or out goes; a
  node with one way in (or out) merges into its neighbour; a node whose
  neighbours are all two-way and pairwise two-way (a *core*) leaves its
  neighbours taken; and a one-way edge on no cycle of one-way edges, or one
  whose cycles all have a shortcut (a *dominated* edge), is dropped, since a
  cycle through it either holds a two-way pair, which any solution meets, or
  contains a shorter cycle.
* **Strongly connected components**, solved apart.
* Small components by **branch and bound** on the busiest node; large ones as
  an **implicit hitting set**: the smallest set meeting a growing list of
  cycles (a 0/1 program solved by HiGHS through ``scipy.optimize.milp``) is a
  lower bound, and once it leaves no cycle behind it is the answer; otherwise
  the cycles it left are added. At 400 Blocksworld blocks the components have
  a few hundred nodes, where branch and bound alone takes hours.

:func:`minimum_set` gives a smallest set (a bit mask) and :func:`minimum_size` its size.
"""

from __future__ import annotations

from collections.abc import Iterator

# Components up to this many nodes go to branch and bound; larger ones to the hitting-set program.
BRANCH_NODES = 48


def bits(mask: int) -> Iterator[int]:
    """The nodes of a bit mask, lowest first."""
    while mask:
        low = mask & -mask
        yield low.bit_length() - 1
        mask ^= low


def mask_of(nodes) -> int:
    mask = 0
    for v in nodes:
        mask |= 1 << v
    return mask


def minimum_size(succ: dict[int, int]) -> int:
    """The size of a smallest set of nodes meeting every cycle of ``succ`` (``succ[v]``: v's successors)."""
    return bin(minimum_set(dict(succ), mask_of(succ))).count("1")


def minimum_set(graph: dict[int, int], nodes: int) -> int:
    """A smallest feedback vertex set of the subgraph on ``nodes``, as a bit mask (``graph`` is modified).

    The cheap node reductions first; the edge reductions and cores only for components too large for branch and
    bound, where they pay (at 10-40 blocks they would cost more than the branching they save)."""
    taken, nodes = _reduce_nodes(graph, nodes)
    for comp in components(graph, nodes):
        if bin(comp).count("1") <= BRANCH_NODES:
            taken |= _branch_and_bound({v: graph[v] & comp for v in bits(comp)}, comp)
            continue
        more, rest = reduce(graph, comp)
        taken |= more
        for part in components(graph, rest):
            sub = {v: graph[v] & part for v in bits(part)}
            taken |= _branch_and_bound(sub, part) if bin(part).count("1") <= BRANCH_NODES else _hitting_set(sub, part)
    return taken


# --------------------------------------------------------------------------- reductions


def reduce(graph: dict[int, int], nodes: int) -> tuple[int, int]:
    """All reductions to a fixed point, in place: (the nodes they took into the set, the nodes left)."""
    taken = 0
    while True:
        more, nodes = _reduce_nodes(graph, nodes)
        taken |= more
        more, nodes = _cores(graph, nodes)
        taken |= more
        if not more and not _drop_edges(graph, nodes):
            return taken, nodes


def _predecessors(graph: dict[int, int], nodes: int) -> dict[int, int]:
    pred = {v: 0 for v in bits(nodes)}
    for v in bits(nodes):
        bit = 1 << v
        for w in bits(graph[v] & nodes):
            pred[w] |= bit
    return pred


def _reduce_nodes(graph: dict[int, int], nodes: int) -> tuple[int, int]:
    """Self-loops taken; nodes on no cycle dropped; nodes with one way in or out merged into that neighbour.

    Each change puts the nodes it touched back on the work list, so the work is proportional to the changes.
    """
    for v in bits(nodes):
        graph[v] &= nodes
    pred = _predecessors(graph, nodes)
    taken = 0
    todo = nodes
    while todo:
        low = todo & -todo
        todo ^= low
        v = low.bit_length() - 1
        if not nodes & low:
            continue
        out, inn = graph[v] & nodes, pred[v] & nodes
        if out & low:
            taken |= low
        elif not out or not inn:
            pass
        elif not inn & (inn - 1):  # one predecessor u: v merges into u
            u = inn.bit_length() - 1
            graph[u] |= out
            for w in bits(out):
                pred[w] |= 1 << u
            todo |= 1 << u | out
        elif not out & (out - 1):  # one successor w: v's predecessors point to w
            w = out.bit_length() - 1
            for p in bits(inn):
                graph[p] |= out
            pred[w] |= inn
            todo |= out | inn
        else:
            continue
        nodes &= ~low
        todo |= (out | inn) & nodes
    for v in bits(nodes):
        graph[v] &= nodes
    return taken, nodes


def _cores(graph: dict[int, int], nodes: int) -> tuple[int, int]:
    """Nodes whose every edge is two-way, to neighbours pairwise two-way: the neighbours are taken, the node goes."""
    pred = _predecessors(graph, nodes)
    taken = 0
    for v in bits(nodes):
        if not nodes >> v & 1:
            continue
        near = graph[v] & nodes
        if not near or near != pred[v] & nodes:
            continue
        if all(near & ~(1 << w) & ~(graph[w] & pred[w]) == 0 for w in bits(near)):
            taken |= near
            nodes &= ~(near | 1 << v)
    return taken, nodes


def _drop_edges(graph: dict[int, int], nodes: int) -> bool:
    """Drop one-way edges on no cycle of one-way edges, then dominated one-way edges; whether any went."""
    pred = _predecessors(graph, nodes)
    one_way = {v: graph[v] & ~pred[v] for v in bits(nodes)}
    within = {}
    for comp in components(dict(one_way), nodes, trivial=True):
        for v in bits(comp):
            within[v] = comp
    dropped = False
    for v in bits(nodes):
        off = one_way[v] & ~within[v]
        if off:
            graph[v] &= ~off
            for w in bits(off):
                pred[w] &= ~(1 << v)
            dropped = True
    for u in bits(nodes):
        for v in bits(graph[u] & ~pred[u]):
            # u -> v is dominated when every one-way way into u also reaches v, or every one-way way out of v
            # is also a way out of u: a cycle through u -> v then has a shortcut past u, or past v.
            if not pred[u] & ~graph[u] & ~pred[v] or not graph[v] & ~pred[v] & ~graph[u]:
                graph[u] &= ~(1 << v)
                pred[v] &= ~(1 << u)
                dropped = True
    return dropped


def components(graph: dict[int, int], nodes: int, trivial: bool = False) -> list[int]:
    """Strongly connected components (bit masks) of the subgraph on ``nodes``; without ``trivial``, only those with
    a cycle (more than one node, or a self-loop). Tarjan's algorithm without recursion."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on_stack = 0
    stack: list[int] = []
    out: list[int] = []
    for root in bits(nodes):
        if root in index:
            continue
        work = [(root, graph[root] & nodes)]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack |= 1 << root
        while work:
            v, todo = work[-1]
            if todo:
                w_bit = todo & -todo
                work[-1] = (v, todo ^ w_bit)
                w = w_bit.bit_length() - 1
                if w not in index:
                    index[w] = low[w] = len(index)
                    stack.append(w)
                    on_stack |= w_bit
                    work.append((w, graph[w] & nodes))
                elif on_stack & w_bit:
                    low[v] = min(low[v], index[w])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
            if low[v] == index[v]:
                comp = 0
                while True:
                    w = stack.pop()
                    on_stack &= ~(1 << w)
                    comp |= 1 << w
                    if w == v:
                        break
                if trivial or comp & (comp - 1) or graph[v] & (1 << v):
                    out.append(comp)
    return out


# --------------------------------------------------------------------------- exact solvers for one component


def _branch_and_bound(graph: dict[int, int], comp: int) -> int:
    """A smallest set for one strongly connected component, by branching on its busiest node."""
    best = [bin(comp).count("1"), comp]  # size and set; all nodes always break every cycle

    def branch(g: dict[int, int], nodes: int, chosen: int) -> None:
        taken, nodes = _reduce_nodes(g, nodes)
        chosen |= taken
        size = bin(chosen).count("1")
        if size >= best[0]:
            return
        comps = components(g, nodes)
        if not comps:
            best[:] = [size, chosen]
            return
        if len(comps) > 1:  # independent parts: solve each exactly, then add
            for c in comps:
                chosen |= _branch_and_bound({v: g[v] & c for v in bits(c)}, c)
            if bin(chosen).count("1") < best[0]:
                best[:] = [bin(chosen).count("1"), chosen]
            return
        if size + 1 >= best[0]:  # a cycle remains, so at least one more node
            return
        c = comps[0]
        pred = _predecessors(g, c)
        v = max(bits(c), key=lambda x: bin(g[x] & c).count("1") * bin(pred[x]).count("1"))
        branch({x: g[x] for x in bits(c)}, c & ~(1 << v), chosen | 1 << v)  # v in the set
        kept = {x: g[x] for x in bits(c)}  # v kept: bypass it (each predecessor now reaches v's successors)
        for p in bits(pred[v]):
            kept[p] |= kept[v] & c
        branch(kept, c & ~(1 << v), chosen)

    branch(graph, comp, 0)
    return best[1]


def _hitting_set(graph: dict[int, int], comp: int) -> int:
    """A smallest set for one strongly connected component: the smallest set meeting a list of its cycles that
    grows until that set leaves no cycle (the list starts with the two-way pairs and a shortest cycle through each
    node; each round adds a shortest cycle through each node the last answer left on a cycle). Each answer, with
    the cycles it left broken, is also a feedback set: once the smallest of those is no larger than the last
    answer, it is the answer."""
    cycles: set[int] = set()
    for v in bits(comp):
        for w in bits(graph[v] & comp):
            if w > v and graph[w] >> v & 1:
                cycles.add(1 << v | 1 << w)
    _add_cycles(graph, comp, cycles)
    while True:  # cheap rounds first: a greedy set's leftover cycles are the ones a near-best set misses
        left = components(graph, comp & ~_greedy_hitting_set(cycles))
        if not left:
            break
        for part in left:
            _add_cycles(graph, part, cycles)
    at_least, best = 0, comp
    while True:
        chosen = _smallest_hitting_set(comp, cycles, at_least)
        left = components(graph, comp & ~chosen)
        if not left:
            return chosen
        at_least = bin(chosen).count("1")  # more cycles never make the smallest set smaller
        repaired = chosen  # and the set with the cycles it left broken is a feedback set: an upper bound
        for part in left:
            repaired |= minimum_set({v: graph[v] & part for v in bits(part)}, part)
        if bin(repaired).count("1") < bin(best).count("1"):
            best = repaired
        if bin(best).count("1") == at_least:
            return best
        for part in left:
            _add_cycles(graph, part, cycles)


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


def _smallest_hitting_set(comp: int, cycles: set[int], at_least: int = 0) -> int:
    """The smallest set of nodes meeting every cycle: a 0/1 program, solved by HiGHS. ``at_least``, a size known
    not to be beaten, is a constraint too, so that a set of that size is known at once to be the smallest."""
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp
    from scipy.sparse import csr_matrix

    nodes = list(bits(comp))
    column = {v: i for i, v in enumerate(nodes)}
    rows, cols = [], []
    for r, cycle in enumerate(cycles):
        for v in bits(cycle):
            rows.append(r)
            cols.append(column[v])
    rows += [len(cycles)] * len(nodes)
    cols += range(len(nodes))
    meets = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(cycles) + 1, len(nodes)))
    bound = np.ones(len(cycles) + 1)
    bound[-1] = at_least
    found = milp(np.ones(len(nodes)), constraints=LinearConstraint(meets, lb=bound, ub=np.inf),
                 integrality=np.ones(len(nodes)), bounds=Bounds(0, 1),
                 options={"mip_rel_gap": 0})  # proven smallest: the next round takes its size as a lower bound
    if found.status != 0 or found.x is None:
        raise RuntimeError(f"HiGHS did not find the smallest hitting set: {found.message}")
    return mask_of(v for v, x in zip(nodes, found.x) if x > 0.5)
