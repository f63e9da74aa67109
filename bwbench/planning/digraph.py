"""Directed graphs as bit masks: ``{node: bit mask of its successors}`` over small integer nodes, with a bit mask of
the nodes in play. The nodes of a mask, a mask of nodes, and strongly connected components."""

from __future__ import annotations

from collections.abc import Iterator


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
