"""Promises every command keeps: one line and exit 2 for what the file system refuses, nothing half-written,
and tests of ``../shared`` that cannot skip silently where CI requires it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import need_shared


def test_need_shared_skips_or_fails_as_the_environment_says(monkeypatch, tmp_path):
    missing = tmp_path / "shared" / "nothing-here"
    monkeypatch.delenv("BWBENCH_REQUIRE_SHARED", raising=False)
    with pytest.raises(pytest.skip.Exception):
        need_shared(missing)
    monkeypatch.setenv("BWBENCH_REQUIRE_SHARED", "1")
    with pytest.raises(pytest.fail.Exception, match="BWBENCH_REQUIRE_SHARED"):
        need_shared(missing)
    assert need_shared(tmp_path) == tmp_path


def test_a_required_shared_file_that_is_missing_fails_a_real_pytest_run(tmp_path):
    """What CI's ``BWBENCH_REQUIRE_SHARED=1`` does to a run of pytest: a missing reference file is a failure."""
    test = tmp_path / "test_needs.py"
    test.write_text("from pathlib import Path\nfrom tests.conftest import need_shared\n\n\n"
                    "def test_needs():\n    need_shared(Path('/nonexistent/shared/file'))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for required, outcome in (("1", "1 failed"), ("", "1 skipped")):
        env["BWBENCH_REQUIRE_SHARED"] = required
        r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(test)], cwd=tmp_path,
                           env=env, capture_output=True, text=True)
        assert outcome in r.stdout, r.stdout


ROOT = Path(__file__).resolve().parents[2]
PREDICTIONS = "predictions.jsonl"  # made by the `predictions` fixture: planner answers for data/paper's test split


def _writers(ro: Path) -> dict[str, list[str]]:
    """Every command that writes, pointed into the read-only directory ``ro``."""
    return {
        "generate": ["generate", "--level", "L1", "--n", "3", "--out", str(ro / "suite")],
        "import": ["import", "p.pddl", "--out", str(ro / "suite")],
        "eval": ["eval", "--model", "planner", "--suite", str(ROOT / "data" / "standard"), "--limit", "2", "--out", str(ro / "run")],
        "leaderboard": ["leaderboard", str(ROOT / "results" / "paper-planner" / "results.json"), "--out", str(ro / "board.md")],
        "leaderboard --plot": ["leaderboard", str(ROOT / "results" / "paper-planner" / "results.json"), "--out", "board.md",
                               "--plot", str(ro / "board.png")],
        "card": ["card", str(ro)],
        "export": ["export", "lm-eval", "--suite", str(ROOT / "data" / "standard"), "--out", str(ro / "tasks")],
        "score --results": ["score", PREDICTIONS, "--suite", str(ROOT / "data" / "paper"), "--model", "m",
                            "--results", str(ro / "results.json")],
        "score --report": ["score", PREDICTIONS, "--report", str(ro / "report.txt")],
    }


def _one_line_exit_2(r) -> str:
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), (r.returncode, r.stderr)
    assert "Traceback" not in r.stderr
    return lines[0]


@pytest.fixture(scope="module")
def predictions(tmp_path_factory) -> Path:
    from ..conftest import run_cli

    work = tmp_path_factory.mktemp("preds")
    r = run_cli("eval", "--model", "planner", "--suite", ROOT / "data" / "paper", "--out", work / "run")
    assert r.returncode == 0, r.stderr
    return work / "run" / "predictions.jsonl"


@pytest.mark.parametrize("command", list(_writers(Path("/ro"))))
def test_a_read_only_directory_is_one_line_and_nothing_is_written(command, tmp_path, readonly_dir, predictions):
    from ..conftest import run_cli

    work = tmp_path / "work"
    work.mkdir()
    (work / "p.pddl").write_text("(define (problem p) (:domain blocksworld) (:objects a b)"
                                 " (:init (handempty) (ontable a) (on b a) (clear b)) (:goal (and (on a b))))")
    shutil.copy(predictions, work / PREDICTIONS)
    ro = tmp_path / "ro"
    if command == "card":
        shutil.copytree(ROOT / "data" / "planbench-bw3", ro)
    before = _listing(ro)
    readonly_dir(ro)
    r = run_cli(*_writers(ro)[command], cwd=work)
    line = _one_line_exit_2(r)
    assert str(ro) in line, line
    assert _listing(ro) == before
    assert not (work / "board.md").exists()  # the page and its plot go together or not at all


@pytest.mark.parametrize("command,option", [("generate", "--out"), ("import", "--out"), ("eval", "--out"),
                                            ("export", "--out")])
def test_an_out_that_is_a_file_is_one_line(command, option, tmp_path, predictions):
    from ..conftest import run_cli

    (tmp_path / "p.pddl").write_text("(define (problem p) (:domain blocksworld) (:objects a b)"
                                     " (:init (handempty) (ontable a) (on b a) (clear b)) (:goal (and (on a b))))")
    args = _writers(tmp_path / "taken")[command]
    target = Path(args[args.index(option) + 1])
    target.parent.mkdir()
    target.write_text("precious\n")
    r = run_cli(*args, cwd=tmp_path)
    _one_line_exit_2(r)
    assert target.read_text() == "precious\n"


def test_a_leaderboard_out_that_is_a_directory_is_one_line(tmp_path):
    from ..conftest import run_cli

    (tmp_path / "board.md").mkdir()
    r = run_cli("leaderboard", ROOT / "results" / "paper-planner" / "results.json", "--out", "board.md", cwd=tmp_path)
    assert "board.md" in _one_line_exit_2(r)
    assert list((tmp_path / "board.md").iterdir()) == []


def _listing(path: Path) -> dict[str, bytes]:
    if not path.exists():
        return {}
    return {str(p.relative_to(path)): p.read_bytes() if p.is_file() else b"" for p in sorted(path.rglob("*"))}
