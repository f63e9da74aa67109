"""Other people's PDDL, as IPC writes it, read by ``bwbench solve`` and ``bwbench import``: typed objects, the
shipped domain passed by hand, and errors that name their cause and file."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from bwbench.world.pddl import domain_path

from ..conftest import TYPED_DOMAIN, run_cli



def sussman(objects: str = "a b c - block", goal: str = "(on a b) (on b c)") -> str:
    """The Sussman anomaly in IPC's words (ontable, handempty): 6 steps."""
    return (f"(define (problem sussman) (:domain blocks)\n (:objects {objects})\n"
            " (:init (handempty) (ontable a) (ontable b) (on c a) (clear b) (clear c))\n"
            f" (:goal (and {goal})))\n")


def one_line(r: subprocess.CompletedProcess, *words: str) -> str:
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert r.returncode == 2 and len(lines) == 1, (r.returncode, r.stderr)
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


def solved_in(r: subprocess.CompletedProcess, steps: int) -> None:
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0].startswith(f"; {steps} steps"), r.stdout


def imported(r: subprocess.CompletedProcess, suite) -> list[dict]:
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in (suite / "test.jsonl").read_text().splitlines()]


@pytest.mark.slow  # two or three processes, each reading PDDL with unified-planning
@pytest.mark.parametrize("domain", [None, "typed.pddl"])
def test_typed_objects_are_read_with_or_without_a_typed_domain(tmp_path, domain):
    (tmp_path / "typed.pddl").write_text(TYPED_DOMAIN)
    (tmp_path / "p.pddl").write_text(sussman())
    given = ["--domain", domain] if domain else []
    solved_in(run_cli("solve", "p.pddl", *given, cwd=tmp_path), 6)
    records = imported(run_cli("import", "p.pddl", *given, "--out", "s", cwd=tmp_path), tmp_path / "s")
    assert [r["optimal_len"] for r in records] == [6] and records[0]["n_blocks"] == 3


def test_bwbench_words_with_typed_objects_read_against_the_shipped_domain(tmp_path):
    text = sussman().replace("handempty", "arm-empty").replace("ontable", "on-table")
    (tmp_path / "p.pddl").write_text(text.replace("a b c - block", "a - block b c - block"))
    solved_in(run_cli("solve", "p.pddl", cwd=tmp_path), 6)


@pytest.mark.slow  # two or three processes, each reading PDDL with unified-planning
def test_a_type_the_domain_lacks_is_named(tmp_path):
    (tmp_path / "typed.pddl").write_text(TYPED_DOMAIN)
    (tmp_path / "p.pddl").write_text(sussman("a b c - blok"))
    for command in (["solve", "p.pddl"], ["import", "p.pddl", "--out", "s"]):
        one_line(run_cli(*command, "--domain", "typed.pddl", cwd=tmp_path), "p.pddl", "unknown type blok", "block")
    assert not (tmp_path / "s").exists()


@pytest.mark.slow  # two or three processes, each reading PDDL with unified-planning
@pytest.mark.parametrize("objects,domain", [("a b c", None), ("a b c - block", None), ("a b c - block", "typed.pddl")])
def test_a_goal_naming_an_unknown_object_names_it_and_the_file(tmp_path, objects, domain):
    (tmp_path / "typed.pddl").write_text(TYPED_DOMAIN)
    (tmp_path / "p.pddl").write_text(sussman(objects, "(on a d) (on b c)"))
    given = ["--domain", domain] if domain else []
    for command in (["solve", "p.pddl"], ["import", "p.pddl", "--out", "s"]):
        line = one_line(run_cli(*command, *given, cwd=tmp_path), "p.pddl", "(on a d)", "names d")
        assert "handempty" not in line  # not the other domain's words blamed


@pytest.mark.slow  # two or three processes, each reading PDDL with unified-planning
def test_a_copy_of_the_shipped_domain_reads_ipc_words_as_the_shipped_one_does(tmp_path):
    shutil.copy(domain_path(), tmp_path / "blocksworld.pddl")
    (tmp_path / "p.pddl").write_text(sussman("a b c"))
    solved_in(run_cli("solve", "p.pddl", "--domain", "blocksworld.pddl", cwd=tmp_path), 6)
    mine = imported(run_cli("import", "p.pddl", "--domain", "blocksworld.pddl", "--out", "s", cwd=tmp_path),
                    tmp_path / "s")
    shipped = imported(run_cli("import", "p.pddl", "--out", "t", cwd=tmp_path), tmp_path / "t")
    assert [r["plan"] for r in mine] == [r["plan"] for r in shipped] and mine[0]["optimal_len"] == 6
