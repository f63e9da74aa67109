"""A generated suite is named after its directory unless named otherwise, so two suites' ids and runs never collide."""

import json
import shutil

import pytest

from ..conftest import DATA, run_cli

SMALL = ("--level", "L1", "--blocks", "4", "--n", "3")


def _ids(suite):
    return [json.loads(line)["id"] for line in (suite / "test.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_two_suites_with_the_same_settings_get_their_directories_names_and_their_own_runs(tmp_path):
    for name in ("a", "b"):
        r = run_cli("generate", *SMALL, "--out", f"suites/{name}", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert json.loads((tmp_path / "suites" / name / "manifest.json").read_text())["suite"] == name
        assert _ids(tmp_path / "suites" / name) == [f"{name}-test-L1-{i:05d}" for i in range(3)]
    runs = []
    for name in ("a", "b"):
        before = set((tmp_path / "results").iterdir()) if (tmp_path / "results").is_dir() else set()
        r = run_cli("eval", "--model", "planner", "--suite", f"suites/{name}", "--limit", "2", cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        assert "resuming" not in r.stdout + r.stderr
        made = set((tmp_path / "results").iterdir()) - before
        assert len(made) == 1, (r.stdout, r.stderr)
        run = made.pop()
        assert f"-{name}-" in run.name
        results = json.loads((run / "results.json").read_text())
        assert results["n_examples"] == 2
        runs.append(run)
    assert runs[0] != runs[1]


def test_a_published_suite_regenerates_byte_for_byte_without_naming_it(tmp_path):
    """data/ood-L3-7b's command without --name: the directory gives the name its manifest records."""
    shutil.copytree(DATA / "ood-L3-7b", tmp_path / "data" / "ood-L3-7b")
    r = run_cli("generate", "--level", "L3", "--blocks", "7", "--n", "200", "--seed", "7", "--out", "data/ood-L3-7b",
                cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    for f in sorted((DATA / "ood-L3-7b").rglob("*")):
        if f.is_file():
            rel = f.relative_to(DATA)
            assert (tmp_path / "data" / rel).read_bytes() == f.read_bytes(), rel
