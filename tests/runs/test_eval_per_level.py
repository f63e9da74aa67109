"""eval --per-level N: N problems of each level, spread through it; its own table on a leaderboard."""

import json
import pytest

from collections import Counter

from bwbench.leaderboards.rows import read
from bwbench.suites.view import load_suite

from ..conftest import DATA, run_cli

LADDER = DATA / "ladder"


def test_per_level_spreads_over_each_level_and_its_block_counts():
    whole = load_suite(LADDER)
    view = load_suite(LADDER, per_level=4)
    levels = Counter(t.level for t in whole.items)
    assert Counter(t.level for t in view.items) == {k: 4 for k in levels}
    for k in (1, 20):
        ids = [t.id for t in whole.items if t.level == k]
        chosen = [t.id for t in view.items if t.level == k]
        assert chosen == [ids[j * len(ids) // 4] for j in range(4)]  # evenly spaced, the first included
    # L1 spans 9 block counts: 4 spread problems reach 4 of them, the first 4 problems only one.
    assert len({t.example.record["n_blocks"] for t in view.items if t.level == 1}) == 4
    assert load_suite(LADDER, per_level=500).items == whole.items  # a level with fewer gives all of them


def test_limit_and_per_level_together_are_refused(tmp_path):
    r = run_cli("eval", "--model", "planner", "--suite", str(LADDER), "--limit", "5", "--per-level", "2",
                "--out", str(tmp_path / "run"))
    lines = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(lines) == 1 and "--per-level" in lines[0], r.stderr
    assert not (tmp_path / "run").exists()


@pytest.mark.slow
def test_per_level_runs_extend_and_get_their_own_table(tmp_path):
    run = tmp_path / "run"
    r = run_cli("eval", "--model", "random", "--suite", str(LADDER), "--per-level", "2", "--out", str(run))
    assert r.returncode == 0, r.stderr
    first = json.loads((run / "results.json").read_text())
    assert first["suite"]["per_level"] == 2 and first["suite"]["n"] == 40
    assert set(first["metrics"]["by_length"]) == {str(2 * k) for k in range(1, 21)}
    full = tmp_path / "full"
    assert run_cli("eval", "--model", "planner", "--suite", str(LADDER), "--out", str(full)).returncode == 0
    page = tmp_path / "page.md"
    r = run_cli("leaderboard", str(run / "results.json"), str(full / "results.json"), "--out", str(page))
    assert r.returncode == 0, r.stderr
    text = page.read_text()
    assert "2 of each level, 40 problems" in text and "2,000 problems" in text
    parsed = read(run / "results.json")
    assert parsed.problems.per_level == 2
    # The same command without --per-level extends the run to the whole split, keeping what was done.
    r = run_cli("eval", "--model", "random", "--suite", str(LADDER), "--out", str(run))
    assert r.returncode == 0 and "40 of 2,000 problems already done" in r.stdout + r.stderr
    assert "per_level" not in json.loads((run / "results.json").read_text())["suite"]
