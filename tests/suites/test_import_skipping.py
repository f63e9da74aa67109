"""``bwbench import`` over folders where some files cannot be imported: one line naming them, exit 2 and nothing
written; or, asked to skip them, the rest imported and each file left out listed with its reason."""

from __future__ import annotations

import json
import subprocess

import pytest

from ..conftest import run_cli


def problem(goal: str = "(on a b)", domain: str = "blocksworld", words: tuple[str, str] = ("on-table", "arm-empty")) -> str:
    table, empty = words
    return (f"(define (problem p) (:domain {domain}) (:objects a b c)\n"
            f" (:init ({empty}) ({table} a) ({table} b) (on c a) (clear b) (clear c))\n (:goal (and {goal})))\n")


def write(root, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)


def refused(r: subprocess.CompletedProcess, *words: str) -> str:
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1, (r.returncode, r.stderr)
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


def skipped(r: subprocess.CompletedProcess, suite) -> list[dict]:
    assert r.returncode == 0, r.stderr
    listed = json.loads((suite / "manifest.json").read_text())["imported"]["skipped"]
    stderr = [ln for ln in r.stderr.splitlines() if ln.startswith("skipped:")]
    assert stderr == [f"skipped: {s['file']}: {s['reason']}" for s in listed], r.stderr
    assert f"{len(listed)} file" in r.stdout
    return listed


CASES = {  # files, the file refused, words its line must say
    "unsolvable": ({"x/p1.pddl": problem(), "x/p2.pddl": problem("(on a b) (on b a)")}, "x/p2.pddl", ["cycle"]),
    "same names": ({"x/p1.pddl": problem(), "y/p1.pddl": problem("(on b a)")}, "y/p1.pddl",
                   ["x/p1.pddl", "same file name"]),
    "mixed domains": ({"x/p1.pddl": problem(), "x/p2.pddl": problem(domain="blocks", words=("ontable", "handempty"))},
                      "x/p2.pddl", ["x/p1.pddl", "domain blocks", "blocksworld"]),
}


@pytest.mark.parametrize("case", CASES)
def test_a_file_that_cannot_join_the_others_is_named_and_nothing_written(tmp_path, case):
    files, bad, words = CASES[case]
    write(tmp_path, files)
    folders = sorted({name.split("/")[0] for name in files})
    line = refused(run_cli("import", *folders, "--out", "s", cwd=tmp_path), bad, *words)
    assert "--skip-unreadable" in line
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("case", CASES)
def test_skipping_imports_the_rest_and_lists_each_file_left_out(tmp_path, case):
    files, bad, words = CASES[case]
    write(tmp_path, files)
    folders = sorted({name.split("/")[0] for name in files})
    r = run_cli("import", *folders, "--out", "s", "--skip-unreadable", cwd=tmp_path)
    listed = skipped(r, tmp_path / "s")
    assert [s["file"] for s in listed] == [bad] and all(w in listed[0]["reason"] for w in words)
    records = (tmp_path / "s" / "test.jsonl").read_text().splitlines()
    assert [json.loads(r)["source"] for r in records] == ["p1.pddl"]


def test_skipping_every_file_writes_nothing(tmp_path):
    write(tmp_path, {"x/p1.pddl": problem("(on a b) (on b a)"), "x/p2.pddl": problem("(on a z)")})
    refused(run_cli("import", "x", "--out", "s", "--skip-unreadable", cwd=tmp_path), "none of the 2", "x/p1.pddl")
    assert not (tmp_path / "s").exists()


def test_without_skipping_the_manifest_says_nothing_of_it(tmp_path):
    write(tmp_path, {"x/p1.pddl": problem()})
    assert run_cli("import", "x", "--out", "s", cwd=tmp_path).returncode == 0
    assert "skipped" not in json.loads((tmp_path / "s" / "manifest.json").read_text())["imported"]


def test_a_problem_whose_domain_is_not_given_names_that_domain(tmp_path):
    write(tmp_path, {"x/p1.pddl": problem(domain="mystery-4ops", words=("planet", "harmony"))})
    line = refused(run_cli("import", "x", "--out", "s", cwd=tmp_path), "x/p1.pddl", "domain mystery-4ops", "not given")
    assert "--skip-unreadable" in line
    refused(run_cli("import", "x", "--out", "s", "--skip-unreadable", cwd=tmp_path), "none of the 1", "mystery-4ops")
    assert not (tmp_path / "s").exists()


@pytest.mark.slow  # several imports, two with worker processes
def test_files_imported_in_workers_are_the_files_imported_here_and_one_out_of_time_is_named(tmp_path):
    write(tmp_path, {"p1.pddl": problem(), "p2.pddl": problem("(on b a)"), "p3.pddl": problem("(on a b) (on b a)")})
    here = run_cli("import", ".", "--out", "here", "--skip-unreadable", cwd=tmp_path)
    there = run_cli("import", ".", "--out", "there", "--name", "here", "--skip-unreadable", "--jobs", "2",
                    "--time-limit", "120", cwd=tmp_path)
    assert skipped(here, tmp_path / "here") == skipped(there, tmp_path / "there") and len(skipped(here, tmp_path / "here")) == 1
    assert (tmp_path / "here" / "test.jsonl").read_bytes() == (tmp_path / "there" / "test.jsonl").read_bytes()
    # a limit no worker can meet (starting one takes longer): the first file is named, and nothing is written
    refused(run_cli("import", ".", "--out", "none", "--time-limit", "0.001", cwd=tmp_path),
            "p1.pddl", "ran out of time (the limit is 0.001 s)", "--skip-unreadable")
    assert not (tmp_path / "none").exists()
