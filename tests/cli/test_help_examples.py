"""Every ``--help`` example runs as pasted from the repository root, or says what it needs that a checkout lacks."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bwbench.cli import FROM_ROOT

from ..conftest import SHARED, cli_commands, need_shared

ROOT = Path(__file__).resolve().parents[2]


COMMANDS = {" ".join(words): cmd for words, cmd in cli_commands().items()}
RUNNABLE = [(name, i, example) for name, cmd in COMMANDS.items() if f"({FROM_ROOT}):" in (cmd.epilog or "")
            for i, example in enumerate(cmd.epilog.split("\n\n")[1:])]


def test_every_command_has_examples_that_say_where_they_run():
    assert {"generate", "solve", "import", "audit", "score", "eval", "train", "leaderboard", "card",
            "export lm-eval", "runs list", "runs pull"} <= set(COMMANDS)
    for name, cmd in COMMANDS.items():
        head, *examples = (cmd.epilog or "").split("\n\n")
        assert head.startswith(("Example (", "Examples (")) and head.endswith("):"), name
        assert f"({FROM_ROOT})" in head or "(needs " in head, name
        assert examples and all(e.startswith(f"bwbench {name} ") or e == f"bwbench {name}" for e in examples), name
    needing = sorted(name for name, cmd in COMMANDS.items() if "(needs " in cmd.epilog)
    assert needing == ["runs list", "runs pull"]  # Modal's volume is out of reach without credentials


@pytest.fixture(scope="module")
def checkout(tmp_path_factory) -> Path:
    """A copy of the repository's data beside a ``shared`` directory, as a fresh checkout sits beside ../shared."""
    base = tmp_path_factory.mktemp("pasted")
    repo = base / "bwbench"
    repo.mkdir()
    for d in ("data", "results", "leaderboards"):
        shutil.copytree(ROOT / d, repo / d)
    for d in ("models", "domains", "configs"):
        (repo / d).symlink_to(ROOT / d)
    if SHARED.is_dir():
        (base / "shared").symlink_to(SHARED)
    return repo


@pytest.mark.slow
@pytest.mark.parametrize("name,i,example", RUNNABLE, ids=[f"{n}-{i}" for n, i, _ in RUNNABLE])
def test_example_runs_as_pasted(checkout, name, i, example):
    if "../shared" in example:
        need_shared(SHARED)
    script = f'bwbench() {{ "{sys.executable}" -m bwbench "$@"; }}\n{example}\n'  # as installed, whatever PATH holds
    r = subprocess.run(["bash", "-c", script], cwd=checkout, capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert r.returncode == 0, f"{example}\n{r.stderr[-2000:]}"
