"""The layout is the architecture: docs/architecture.md's import rules, checked over the real import graph.

Every ``import`` in bwbench, at the top of a module or inside a function (a lazy
import is still a dependency), is an edge from the importing module to the
module imported. The rules: a module imports only modules of its own stage or
of lower stages (the ranks below, as docs/architecture.md lists them); stages
of the same rank do not import each other; and the graph has no cycle. Module
and function sizes are bounded so that each reads in one sitting.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bwbench"

RANKS = {
    "errors": 0, "fileio": 0, "provenance": 0,
    "world": 1, "planning": 2, "suites": 3, "judging": 4, "tasks": 5, "models": 6, "runs": 7,
    "training": 8, "leaderboards": 8, "interop": 8,
    "cli": 9, "__main__": 10,
}
"""Each stage's rank: a module may import modules of a lower rank, and of its own stage."""

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The bwbench modules ``name`` imports, anywhere in its code."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in known else module for a in node.names]
        else:
            continue
        found.update(t for t in targets if t in known and t != name)
    return found


BASE = ("errors", "fileio", "provenance")


def stage(module: str) -> str:
    """The stage a module belongs to: its package under bwbench, or ``base`` for the modules every stage may use."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in BASE:
        return "base"
    return parts[1] if len(parts) > 1 else "bwbench"


GRAPH = {name: imports(name, path, set(modules())) for name, path in modules().items()}


def _rank(stage_name: str) -> int:
    return 0 if stage_name == "base" else RANKS[stage_name]


def test_every_stage_has_a_rank():
    stages = {stage(m) for m in GRAPH} - {"bwbench", "base"}
    assert stages <= set(RANKS), f"stages with no rank in RANKS (and docs/architecture.md): {stages - set(RANKS)}"


def test_the_ranks_are_the_ones_docs_architecture_states():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    stated = {m.group(1): int(m.group(2)) for m in re.finditer(r"^\|\s*`(\w+)/?`\s*\|\s*(\d+)\s*\|", text, re.M)}
    assert stated == {s: r for s, r in RANKS.items() if s != "__main__"}


def test_no_module_imports_a_higher_stage():
    upward = []
    for name, targets in GRAPH.items():
        if stage(name) == "bwbench":
            continue
        for target in targets:
            if stage(target) == "bwbench":
                continue  # the package's own __init__: the version only
            a, b = stage(name), stage(target)
            if a != b and _rank(b) >= _rank(a):
                upward.append(f"{name} -> {target}")
    assert not upward, "imports that go up, or across stages of one rank:\n" + "\n".join(sorted(upward))


def test_the_import_graph_has_no_cycle():
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    cycles = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_the_core_imports_no_runs_models_or_command_line():
    core = {"world", "planning", "suites", "judging", "tasks"}
    bad = [f"{n} -> {t}" for n, ts in GRAPH.items() for t in ts
           if stage(n) in core and stage(t) in {"models", "runs", "cli"}]
    assert not bad


def test_the_symbolic_core_imports_no_heavy_library_at_module_level():
    heavy = {"torch", "transformers", "peft", "vllm", "modal", "openai", "matplotlib", "datasets", "unified_planning"}
    bad = []
    for name, path in modules().items():
        if stage(name) not in {"world", "planning", "suites", "judging", "tasks", "runs", "leaderboards"}:
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            bad += [f"{name}: {n}" for n in names if n.split(".")[0] in heavy]
    assert not bad


def test_option_strings_are_the_command_lines_own():
    """Library errors name what is wrong with a value; only the command line knows options (``--level``)."""
    found = []
    for name, path in modules().items():
        if stage(name) in ("cli", "bwbench"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        # Another program's options in a command vector (["axolotl", "train", cfg, "--launcher", ...]) are its own.
        vectors = {id(e) for node in ast.walk(tree) if isinstance(node, (ast.List, ast.Tuple)) for e in node.elts}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in vectors \
                    and re.fullmatch(r"--[a-z][\w-]*", node.value):
                found.append(f"{name}: {node.value}")
    assert not found, "\n".join(found)


def _too_long() -> list[str]:
    out = []
    for name, path in modules().items():
        text = path.read_text(encoding="utf-8")
        if len(text.splitlines()) > MAX_MODULE_LINES:
            out.append(f"{name}: {len(text.splitlines())} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                size = node.end_lineno - node.lineno + 1
                if size > MAX_FUNCTION_LINES and not _excused(text, node):
                    out.append(f"{name}.{node.name}: {size} lines")
    return out


def _excused(text: str, node: ast.AST) -> bool:
    """A function may be longer where a comment on its ``def`` line says why (``# long: ...``)."""
    line = text.splitlines()[node.lineno - 1]
    return "# long:" in line


def test_modules_and_functions_read_in_one_sitting():
    assert not _too_long(), "\n".join(_too_long())


def test_the_tests_mirror_the_rooms():
    """Each folder of tests/ is a room of bwbench/ (tests/runs/ tests bwbench/runs/), and each room with modules
    of its own has its folder, so that a change's tests are found where its code is."""
    rooms = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    folders = {p.name for p in (ROOT / "tests").iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    assert folders <= rooms, f"test folders that are no room of bwbench: {sorted(folders - rooms)}"
    assert rooms <= folders, f"rooms without a test folder: {sorted(rooms - folders)}"
    assert not list((ROOT / "tests").glob("*/*/test_*.py")), "test modules sit one level down, in their room's folder"


def test_each_command_is_thin():
    """A command is options in, a library request, output out: under 40 lines, its decorators included."""
    long = []
    for path in sorted((PACKAGE / "cli").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and any("command" in ast.unparse(d) for d in node.decorator_list):
                lines = node.end_lineno - min(d.lineno for d in node.decorator_list) + 1
                if lines >= 40:
                    long.append(f"{path.name}:{node.name} ({lines} lines)")
    assert not long, f"commands of 40 lines or more: {long}"
