"""Object names that readers take for something else: blocks called ``ON``, ``OR``, ``AT``, ``and`` or ``TABLE``.

PDDL names are case-insensitive, and nothing stops a problem from naming a
block like a predicate, an action or a keyword: IPC's largest Blocksworld
problems have blocks ``ON``, ``OR`` and ``AT``. unified-planning refuses an
object that shares a name with a predicate, so those objects are escaped
(``bw--on``) in the text it reads and unescaped in what it returns
(:func:`escape_objects`, :func:`unescape`). bwbench's own states use ``table``
for what a block stands on, so a block named ``table`` is ``bw--table`` in
bwbench's terms (:func:`bwbench_name`), escaped for unified-planning too, and
has its own name back wherever the problem's words are printed.
"""

from __future__ import annotations

import re

from .state import TABLE

ESCAPE = "bw--"  # a prefix no IPC name starts with; unified-planning lowercases names, so this is lowercase too

KEYWORDS = frozenset({
    "and", "or", "not", "imply", "exists", "forall", "when", "either", "at", "over", "start", "end", "all",
    "object", "define", "domain", "problem", "increase", "decrease", "assign", "minimize", "maximize",
    "preference", "always", "sometime", "within", "total-cost", "number",
})
"""PDDL's own words, which a reader may take for syntax wherever they stand."""

_WORD = re.compile(r"(?<![?:\w-])[A-Za-z][\w-]*")
_OBJECTS = re.compile(r"(\(\s*:objects\b)([^()]*)(\))", re.I)
_ATOM = re.compile(r"\(\s*([^\s()]+)((?:\s+[^\s()]+)*)\s*\)")


def reserved(domain: str) -> frozenset[str]:
    """The names a problem's objects must not take in ``domain``'s text: its own words (predicates, actions,
    types, constants) and PDDL's keywords, lowercased."""
    text = re.sub(r";[^\n]*", "", domain)
    return KEYWORDS | {TABLE} | {w.lower() for w in _WORD.findall(text)}


def escape_objects(problem: str, taken: frozenset[str]) -> str:
    """``problem`` with each object named like a word in ``taken`` escaped, in ``:objects`` and as an argument of a
    fact (never a predicate, a keyword or a type); lines and spacing kept, so that errors point where they did."""
    objects = _OBJECTS.search(problem)
    if objects is None:
        return problem
    tokens = objects.group(2).split()
    types = {tokens[i + 1].lower() for i, t in enumerate(tokens[:-1]) if t == "-"}
    clash = {t.lower() for i, t in enumerate(tokens) if t != "-" and (i == 0 or tokens[i - 1] != "-")
             and t.lower() in taken} - types
    if not clash:
        return problem

    def names(text: str) -> str:
        return re.sub(r"[^\s()]+", lambda m: ESCAPE + m.group() if m.group().lower() in clash else m.group(), text)

    def atom(m: re.Match) -> str:
        return m.group(0)[:m.start(2) - m.start(0)] + names(m.group(2)) + m.group(0)[m.end(2) - m.start(0):]

    rest = _ATOM.sub(lambda m: m.group(0) if m.group(1).startswith(":") else atom(m), problem[objects.end(2):])
    return problem[:objects.start(2)] + names(objects.group(2)) + rest


def unescape(name: str) -> str:
    """An object's name as the problem gives it (lowercased, as unified-planning returns it)."""
    return name[len(ESCAPE):] if name.startswith(ESCAPE) else name


def bwbench_name(name: str) -> str:
    """An object's name in bwbench's terms, from the file's or unified-planning's: its own, but ``bw--table`` for a
    block named ``table`` (which in bwbench's states is what blocks stand on)."""
    own = unescape(name)
    return ESCAPE + TABLE if own.lower() == TABLE else own
