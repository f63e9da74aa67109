"""The documentation: every shell example runs as pasted from the repository root, or says what it needs.

README.md and every page under docs/ are read for fenced blocks. A ```bash
block runs as pasted: each one is run here, in a copy of the checkout's data
beside ``../shared``, with ``bwbench`` this checkout's command (and a
``.venv/bin/activate`` that makes it so). A ```console block is one that
cannot run here: it needs credentials, a GPU, a server, network access or a
long time, and the paragraph before it says what it needs. No other shell
fence is allowed, so no example goes unrun by accident. The README stays
short, and every page is in the site's navigation.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pytest

from .conftest import SHARED, need_shared

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
README_LIMIT = 8 * 1024
SHELL_FENCES = {"bash", "sh", "shell", "zsh", "console", "shell-session"}
RUN, SHOWN = "bash", "console"


@dataclass(frozen=True)
class Block:
    doc: str
    line: int
    lang: str
    body: str
    before: str  # the paragraph just before the fence


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def blocks(path: Path) -> list[Block]:
    """Fenced blocks, indented ones (in lists, admonitions) included, with their bodies dedented."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found, i = [], 0
    while i < len(lines):
        m = re.match(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)", lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.groups()
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence), len(lines))
        body = "\n".join(line[len(indent):] if line.startswith(indent) else line.lstrip() for line in lines[i + 1:end])
        para = []
        for line in reversed(lines[:i]):
            if not line.strip():
                if para:
                    break
                continue
            para.append(line.strip())
        found.append(Block(str(path.relative_to(ROOT)), i + 1, lang, body, " ".join(reversed(para))))
        i = end + 1
    return found


ALL = [b for p in documents() for b in blocks(p)]
RUNNABLE = [b for b in ALL if b.lang == RUN]


def test_the_readme_is_short():
    size = len((ROOT / "README.md").read_bytes())
    assert size <= README_LIMIT, f"README.md is {size:,} bytes; the manual belongs in docs/"


def _nav_pages(node) -> set[str]:
    if isinstance(node, str):
        return {node} if node.endswith(".md") else set()
    if isinstance(node, dict):
        return set().union(*map(_nav_pages, node.values())) if node else set()
    if isinstance(node, list):
        return set().union(*map(_nav_pages, node)) if node else set()
    return set()


def test_every_page_is_in_the_nav():
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert config["docs_dir"] == "docs"
    pages = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    listed = _nav_pages(config["nav"])
    assert pages - listed == set(), "pages missing from mkdocs.yml's nav"
    assert listed - pages == set(), "mkdocs.yml's nav lists pages that do not exist"


def _commands():
    import typer.main

    from bwbench.cli import app

    def walk(group, prefix=()):
        for name, cmd in sorted(group.commands.items()):
            if hasattr(cmd, "commands"):
                yield from walk(cmd, (*prefix, name))
            else:
                yield " ".join((*prefix, name))

    return list(walk(typer.main.get_command(app)))


def test_every_command_has_a_page_with_its_generated_reference():
    for name in _commands():
        page = DOCS / "commands" / f"{name.replace(' ', '-')}.md"
        assert page.is_file(), f"bwbench {name} has no page {page.relative_to(ROOT)}"
        text = page.read_text(encoding="utf-8")
        attribute = name.replace(" ", "_").replace("-", "_")
        assert "::: mkdocs-click" in text and f":command: {attribute}\n" in text, page.name
        assert f":prog_name: bwbench {name}\n" in text, page.name


def test_shell_examples_are_run_or_say_what_they_need():
    """```bash runs; ```console is shown only, after a sentence saying what it needs. Nothing else."""
    for b in ALL:
        where = f"{b.doc}:{b.line}"
        assert b.lang, f"{where}: a fence without a language (text, bash, console, ...)"
        assert b.lang not in SHELL_FENCES - {RUN, SHOWN}, f"{where}: shell examples are ```bash (run) or ```console (not run)"
        if b.lang == SHOWN:
            assert re.search(r"\bneed", b.before, re.I), f"{where}: say what this example needs before it"
            assert not re.search(r"^\s*\$ ", b.body, re.M), f"{where}: no prompts, so that it pastes as it is"


def test_every_bash_block_is_collected():
    """The reader above misses no ```bash block, however it is indented: each one is run."""
    raw = sum(len(re.findall(r"^\s*```bash\s*$", p.read_text(encoding="utf-8"), re.M)) for p in documents())
    assert raw == len(RUNNABLE) and RUNNABLE


@lru_cache(maxsize=None)
def _cli_accepts(*args: str) -> bool:
    """Whether today's command line takes these arguments (with ``--help``, so nothing runs)."""
    from typer.testing import CliRunner

    from bwbench.cli import app

    return CliRunner().invoke(app, [*args, "--help"] if "-h" not in args else list(args)).exit_code == 0


NEW_CLI = [
    (re.compile(r"bwbench generate\b[^\n]*\s--name\b"), ("generate", "--name", "x"), "generate --name NAME names the suite"),
    (re.compile(r"bwbench import\b[^\n]*\s--name\b"), ("import", "--name", "x"), "import --name NAME names the suite"),
    (re.compile(r"bwbench\b[^\n]*\s-h\b"), ("-h",), "every command takes -h"),
]
"""Examples written for the command line as it is becoming: expected to fail only while it lacks these."""


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    """One copy of the repository's data per document, beside ``shared``, as a fresh checkout sits beside ../shared."""
    made: dict[str, Path] = {}

    def get(doc: str) -> Path:
        if doc not in made:
            base = tmp_path_factory.mktemp("docs")
            repo = base / "bwbench"
            repo.mkdir()
            for d in ("data", "results", "leaderboards"):
                shutil.copytree(ROOT / d, repo / d)
            for d in ("models", "domains", "configs", "benchmarks"):
                (repo / d).symlink_to(ROOT / d)
            if SHARED.is_dir():
                (base / "shared").symlink_to(SHARED)
            activate = repo / ".venv" / "bin" / "activate"
            activate.parent.mkdir(parents=True)
            activate.write_text(f'# this checkout\'s bwbench, as the real activate script gives it\n'
                                f'PATH="{Path(sys.executable).parent}:$PATH"\n'
                                f'bwbench() {{ "{sys.executable}" -m bwbench "$@"; }}\n')
            made[doc] = repo
        return made[doc]

    return get


@pytest.mark.slow
@pytest.mark.parametrize("block", RUNNABLE, ids=[f"{b.doc}:{b.line}" for b in RUNNABLE])
def test_example_runs_as_pasted(checkout, block, request):
    if "../shared" in block.body:
        need_shared(SHARED)
    for pattern, args, change in NEW_CLI:
        if pattern.search(block.body) and not _cli_accepts(*args):
            request.applymarker(pytest.mark.xfail(reason=f"written for the new command line: {change}", strict=True))
    script = f'set -eo pipefail\nbwbench() {{ "{sys.executable}" -m bwbench "$@"; }}\n{block.body}\n'
    r = subprocess.run(["bash", "-c", script], cwd=checkout(block.doc), capture_output=True, text=True, timeout=900,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, f"{block.doc}:{block.line}\n{block.body}\n{r.stderr[-3000:]}"
