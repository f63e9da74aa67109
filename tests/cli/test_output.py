"""What the command line prints arrives as it is: square brackets are not read as rich's markup, and output to a
pipe or a log is not folded or cut short at 80 columns (``COLUMNS`` still sets a width where given)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import DATA, SHARED, need_shared, run_cli


def piped(*args, cwd: Path, columns: str | None = None) -> subprocess.CompletedProcess:
    """``bwbench ARGS...`` writing to a pipe, as into a log: no ``COLUMNS`` unless given (readline, loaded by a
    test runner on a terminal, exports one to child processes without telling ``os.environ``)."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"} | ({"COLUMNS": columns} if columns else {})
    return subprocess.run([sys.executable, "-m", "bwbench", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env)


def made_run(cwd: Path, suite: str, run: str) -> None:
    """A two-problem suite at ``suite`` and the planner's run on it at ``run`` (paths relative to ``cwd``)."""
    r = run_cli("generate", "--level", "L1", "--n", "2", "--out", suite, cwd=cwd)
    assert r.returncode == 0, r.stderr
    r = run_cli("eval", "--model", "planner", "--suite", suite, "--out", run, cwd=cwd)
    assert r.returncode == 0, r.stderr


def test_square_brackets_in_paths_and_messages_arrive_whole(tmp_path):
    r = run_cli("generate", "--level", "L1", "--n", "2", "--out", "s[x]", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.splitlines()[0].rstrip().endswith("→ s[x]"), r.stdout
    assert run_cli("eval", "--model", "planner", "--suite", "s[x]", "--out", "r[x]", cwd=tmp_path).returncode == 0
    r = run_cli("score", "r[x]/predictions.jsonl", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("r[x]/predictions.jsonl: 2 predictions"), r.stdout
    r = run_cli("score", "r[x]/predictions.jsonl", "--by", "[bold]x[/]", cwd=tmp_path)  # a message quoting input
    assert r.returncode == 2 and "'[bold]x[/]'" in r.stderr, r.stderr


def test_an_error_names_no_option_the_command_lacks(tmp_path):
    """``runs list`` has no ``--backend``: Modal's missing credentials are said without naming one."""
    pytest.importorskip("modal")
    env = {"HOME": str(tmp_path), "MODAL_TOKEN_ID": "", "MODAL_TOKEN_SECRET": "",
           "MODAL_CONFIG_PATH": str(tmp_path / "none.toml")}
    r = run_cli("runs", "list", cwd=tmp_path, env=env)
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "Modal credentials" in lines[0], r.stderr
    assert "backend" not in lines[0], lines[0]


@pytest.mark.slow  # three processes: generate, eval and score, twice
def test_output_to_a_pipe_is_not_folded_at_80_columns(tmp_path):
    deep = Path("a-directory-with-a-rather-long-name-to-hold-runs") / "and-another-one-below-it-for-good-measure"
    (tmp_path / deep).mkdir(parents=True)
    made_run(tmp_path, str(deep / "suite"), str(deep / "run"))
    file = f"{deep / 'run' / 'predictions.jsonl'}"
    assert len(file) > 80
    r = piped("score", file, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.splitlines()[0].startswith(f"{file}: 2 predictions"), r.stdout
    narrow = piped("score", file, cwd=tmp_path, columns="60")
    table = [line for line in narrow.stdout.splitlines() if line[:1] in "┏┃┡│└"]
    assert narrow.returncode == 0 and table and max(map(len, table)) <= 60, narrow.stdout  # COLUMNS is its width
    assert narrow.stdout.splitlines()[0].startswith(f"{file}: 2 predictions")  # the title a line of its own


def test_a_wide_table_to_a_pipe_is_not_cut_short(tmp_path):
    results = need_shared(SHARED / "planbench-reference" / "results" / "blocksworld" / "o1-preview_chat")
    r = piped("score", *sorted(results.glob("*.json")), "--suite", DATA / "planbench-bw", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "o1-preview_chat zero-shot" in r.stdout and "…" not in r.stdout, r.stdout
    assert any(len(line) > 80 for line in r.stdout.splitlines())
