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
  an **implicit hitting set** (:mod:`.fvs_hitting`): the smallest set meeting
  a growing list of cycles (a 0/1 program solved by HiGHS through
  ``scipy.optimize.milp``) is a lower bound, and once it leaves no cycle
  behind it is the answer; otherwise the cycles it left are added. At 400
  Blocksworld blocks the components have a few hundred nodes, where branch and
  bound alone takes hours.

:func:`minimum_set` gives a smallest set (a bit mask) and :func:`minimum_size` its size.
"""

from __future__ import annotations

from .digraph import bits, components, mask_of
from .fvs_hitting import hitting_set

__all__ = ["BRANCH_NODES", "bits", "components", "mask_of", "minimum_set", "minimum_size", "reduce"]

# Components up to this many nodes go to branch and bound; larger ones to the hitting-set program.
BRANCH_NODES = 48


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
            taken |= _branch_and_bound(sub, part) if bin(part).count("1") <= BRANCH_NODES else hitting_set(sub, part)
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
