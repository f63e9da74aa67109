"""Progress without a terminal: long commands print plain lines to stderr (CI logs, nohup), quick ones nothing."""

from __future__ import annotations

import re

from ..conftest import DATA, run_cli

STANDARD = DATA / "standard"



def test_plain_progress_lines_without_a_terminal(tmp_path):
    r = run_cli("eval", "--model", "random", "--suite", STANDARD, "--limit", "400", "--batch-size", "20",
                "--out", tmp_path / "run", env={"BWBENCH_PROGRESS_SECONDS": "0"})
    assert r.returncode == 0, r.stderr
    lines = r.stderr.splitlines()
    counts = [int(m.group(1)) for ln in lines if (m := re.match(r"random on standard: (\d+)/400 \(\d+%\), \d+s", ln))]
    assert len(counts) >= 10 and counts == sorted(counts) and counts[-1] == 400, r.stderr
    assert lines[-1].endswith(", done") and "valid" in lines[-1], r.stderr


def test_a_quick_command_prints_no_progress(tmp_path):
    r = run_cli("eval", "--model", "planner", "--suite", STANDARD, "--limit", "5", "--out", tmp_path / "run")
    assert r.returncode == 0 and r.stderr == "", r.stderr
