"""`bwbench leaderboard`: tables from real eval runs, ranking, what is left out and why, byte-identical regeneration."""

import json
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from ..conftest import ROOT, run_cli


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two small suites (10 problems a level, so that figures are rates, not counts); the planner and random on
    the first, the planner on the second, and a repeat."""
    root = tmp_path_factory.mktemp("lb")
    for name, seed in [("a", 1), ("b", 2)]:
        r = run_cli("generate", "--levels", "L1,L2,L3", "--n", "10", "--train", "0", "--blocks", "4-5", "--seed", seed,
                    "--out", root / name)
        assert r.returncode == 0, r.stderr
    for model, suite, out in [("planner", "a", "planner-a"), ("random", "a", "random-a"), ("planner", "b", "planner-b"),
                              ("planner", "a", "planner-a-again")]:
        r = run_cli("eval", "--model", model, "--suite", root / suite, "--out", root / out)
        assert r.returncode == 0, r.stderr
    return root


def _table_rows(text: str, run: Path, problems: str | None = None) -> list[dict[str, str]]:
    """The rows of the table of the suite ``run`` was made on (tables are headed by the suite's sha256), and of
    ``problems`` (e.g. "test split, L3 only, 6 problems") where the page has several tables of that suite: each
    row's cells by their column's heading."""
    sha = json.loads((run / "results.json").read_text())["suite"]["sha256"][:16]
    parts = [p for p in text.split("\n## ")[1:] if p.splitlines()[0].endswith(f"(suite sha256 `{sha}`)")
             and (problems is None or f", {problems} (suite sha256" in p.splitlines()[0])]
    assert len(parts) == 1, [p.splitlines()[0] for p in parts]
    lines = [ln for ln in parts[0].split("\n### ")[0].splitlines() if ln.startswith("| ")]
    heads, *rows = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
    return [dict(zip(heads, row)) for row in rows]


def test_tables_rank_by_l3_and_take_every_figure_from_the_results(runs, tmp_path):
    out = tmp_path / "lb.md"
    files = [runs / d / "results.json" for d in ("random-a", "planner-a", "planner-b")]
    r = run_cli("leaderboard", *files, "--out", out, "--reference", "paper")
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    rows = _table_rows(text, runs / "planner-a")
    assert [row["model"] for row in rows] == ["planner", "random"]  # ranked by L3 valid
    res = json.loads((runs / "random-a" / "results.json").read_text())
    for level in ("L1", "L2", "L3"):  # valid with its interval, and optimal, at each level
        block = res["metrics"]["by_level"][level]
        lo, hi = block["ci95"]["valid"]
        assert rows[1][f"{level} valid"] == f"{100 * block['valid']:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]"
        assert rows[1][f"{level} optimal"] == f"{100 * block['optimal']:.1f}%"
    assert rows[1]["exact"] == f"{100 * res['metrics']['overall']['exact']:.1f}%"
    assert rows[1]["optimal (all levels)"] == f"{100 * res['metrics']['overall']['optimal']:.1f}%"
    assert rows[1]["n"] == str(res["n_examples"])
    assert all(rows[0][h].startswith("100.0%") for h in ("L1 valid", "L2 valid", "L3 valid", "L1 optimal", "L2 optimal",
                                                          "L3 optimal", "optimal (all levels)", "exact"))
    # Different suites never share a table; the paper's figures are a section of their own, not rows.
    assert len(_table_rows(text, runs / "planner-b")) == 1 and text.count("suite sha256") == 2
    assert "61%" in text.split("## Reported in the literature")[1] and "61%" not in text.split("## Reported")[0]


def test_regenerating_from_the_recorded_command_is_byte_identical(runs, tmp_path):
    out = tmp_path / "lb.md"
    png = tmp_path / "plots" / "lb.png"
    r = run_cli("leaderboard", runs / "planner-a" / "results.json", runs / "random-a" / "results.json", "--out", out,
                "--title", "Two runs", "--plot", png)
    assert r.returncode == 0, r.stderr
    first, picture = out.read_bytes(), png.read_bytes()
    assert picture.startswith(b"\x89PNG") and "](plots/lb.png)" in first.decode()  # embedded, relative to the page
    command = first.decode().splitlines()[0].removeprefix("<!-- regenerate: ").removesuffix(" -->")
    out.unlink()
    png.unlink()
    r = run_cli(*shlex.split(command)[1:])
    assert r.returncode == 0, r.stderr
    assert out.read_bytes() == first and png.read_bytes() == picture


def test_what_is_left_out_is_said(runs, tmp_path):
    old = json.loads((runs / "random-a" / "results.json").read_text())
    old["bwbench_version"] = "0.0.9"
    (tmp_path / "old.json").write_text(json.dumps(old))
    broken = {k: v for k, v in old.items() if k != "metrics"}
    (tmp_path / "broken.json").write_text(json.dumps(broken))
    (tmp_path / "junk.json").write_text("{not json")
    out = tmp_path / "lb.md"
    files = [runs / "planner-a" / "results.json", runs / "planner-a-again" / "results.json", tmp_path / "old.json",
             tmp_path / "broken.json", tmp_path / "junk.json"]
    r = run_cli("leaderboard", *files, "--out", out)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    assert [row["model"] for row in _table_rows(text, runs / "planner-a")] == ["planner"]  # the repeat counts once
    left = text.split("## Left out")[1]
    assert f"`{runs / 'planner-a' / 'results.json'}`: a duplicate of the later run {runs / 'planner-a-again' / 'results.json'}" in left
    assert "old.json`: bwbench 0.0.9; this table compares bwbench 0.1.0 runs only" in left
    assert "broken.json`: missing metrics" in left
    assert ("junk.json`: not a readable results.json: not valid JSON at line 1, column 2 (Expecting property name "
            "enclosed in double quotes)") in left
    assert r.stderr.count("left out") == 4


def test_no_usable_results_is_one_line(tmp_path):
    (tmp_path / "x.json").write_text("{}")
    r = run_cli("leaderboard", tmp_path / "x.json", "--out", tmp_path / "lb.md")
    assert r.returncode == 2 and r.stderr.startswith("error: RESULTS: no usable results")
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "lb.md").exists()
    r = run_cli("leaderboard", tmp_path / "x.json", "--out", tmp_path / "lb.md", "--reference", "vicuna")
    assert r.returncode == 2 and "unknown reference set" in r.stderr


PUBLISHED = ROOT / "leaderboards"
PAGE_COMMIT = re.compile(r"This page: bwbench [^,]+, git commit `([0-9a-f]{40})`")


def _page_commit(page: str) -> str | None:
    """The commit of bwbench that made a page, as its provenance says."""
    found = PAGE_COMMIT.search(page)
    return found.group(1) if found else None


def _without_commit(page: str) -> str:
    """A page with the commit that made it blanked out: a page made again at a later commit is otherwise the same."""
    commit = _page_commit(page)
    return page.replace(commit, "<commit>") if commit else page


def _is_a_commit(sha: str) -> bool:
    """Whether ``sha`` is a commit of this repository (true where there is no full history to look it up in)."""
    shallow = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--is-shallow-repository"], capture_output=True,
                             text=True)
    if shallow.returncode != 0 or shallow.stdout.strip() != "false":
        return True
    return subprocess.run(["git", "-C", str(ROOT), "cat-file", "-e", f"{sha}^{{commit}}"]).returncode == 0


# PlanBench's pages read two dozen results files each and draw large plots: 7-9 s apiece.
@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.slow) if n.startswith("planbench") else n
                                  for n in sorted(p.stem for p in PUBLISHED.glob("*.md"))])
def test_published_leaderboards_regenerate_from_committed_results(name, tmp_path):
    """Each leaderboards/*.md is what its first-line command makes from results/ (run from the repository root)."""
    root = ROOT
    published = (root / "leaderboards" / f"{name}.md").read_text()
    command = published.splitlines()[0].removeprefix("<!-- regenerate: ").removesuffix(" -->")
    argv = shlex.split(command)[1:]
    argv[argv.index("--out") + 1] = str(tmp_path / "x.md")  # not over the published files
    if "--plot" in argv:
        png = root / argv[argv.index("--plot") + 1]
        argv[argv.index("--plot") + 1] = str(tmp_path / png.name)
    r = run_cli(*argv, cwd=root)
    assert r.returncode == 0, r.stderr
    again = (tmp_path / "x.md").read_text()
    assert _page_commit(published) is not None and _is_a_commit(_page_commit(published))
    assert _without_commit(again).split("\n", 1)[1] == _without_commit(published).split("\n", 1)[1]
    if "--plot" in argv:  # pixels depend on the matplotlib and FreeType builds; same-machine identity is tested above
        assert (tmp_path / png.name).read_bytes()[:8] == png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_predictions_made_elsewhere_join_the_suite_table_through_score(runs, tmp_path):
    """`bwbench score --results` judges a predictions file into a results.json with the suite's sha256, only when
    the predictions are for exactly the suite's problems."""
    preds = runs / "random-a" / "predictions.jsonl"
    r = run_cli("score", preds, "--suite", runs / "a", "--model", "random, rescored", "--results", tmp_path / "r.json")
    assert r.returncode == 0, r.stderr
    mine, theirs = (json.loads(p.read_text()) for p in (tmp_path / "r.json", runs / "random-a" / "results.json"))
    assert mine["suite"]["sha256"] == theirs["suite"]["sha256"]
    for key in ("valid", "optimal", "exact"):
        assert mine["metrics"]["overall"][key] == theirs["metrics"]["overall"][key]
        assert mine["metrics"]["by_level"]["L3"][key] == theirs["metrics"]["by_level"]["L3"][key]
    out = tmp_path / "lb.md"
    r = run_cli("leaderboard", runs / "planner-a" / "results.json", tmp_path / "r.json", "--out", out)
    assert r.returncode == 0 and "| random, rescored | predictions rescored (`predictions.jsonl`) |" in out.read_text()
    r = run_cli("score", preds, "--suite", runs / "b", "--model", "x", "--results", tmp_path / "bad.json")
    assert r.returncode == 2 and "is not one prediction for each of this suite's" in r.stderr
    assert not (tmp_path / "bad.json").exists()
    r = run_cli("score", preds, "--results", tmp_path / "bad.json")
    assert r.returncode == 2 and "error: --results: takes one predictions file, with a suite and a model" in r.stderr


def test_a_table_without_l3_gets_the_measured_level_and_ranks_by_it():
    page = (PUBLISHED / "ood-L4-7b.md").read_text()
    header = next(ln for ln in page.splitlines() if ln.startswith("| model |"))
    assert "| L4 valid |" in header
    rows = [ln.split("|")[1].strip() for ln in page.splitlines() if ln.startswith("| ") and not ln.startswith("| model")]
    assert rows[0] == "planner" and set(rows) == {"planner", "random", "bwbench-tiny"}


@pytest.fixture(scope="module")
def subsets(tmp_path_factory):
    """One suite with a train split, and runs on different problems of it: all of the test split, its first 3
    problems, its L3 problems, the train split, and a limit above the number of problems (so all of them)."""
    root = tmp_path_factory.mktemp("subsets")
    r = run_cli("generate", "--levels", "L1,L2,L3", "--n", "6", "--train", "6", "--blocks", "4-5", "--seed", "3",
                "--name", "s", "--out", root / "s")
    assert r.returncode == 0, r.stderr
    for out, model, *options in [("planner", "planner"), ("random", "random"),
                                 ("planner-first3", "planner", "--limit", "3"),
                                 ("random-L3", "random", "--level", "L3"),
                                 ("planner-train", "planner", "--split", "train"),
                                 ("random-train", "random", "--split", "train"),
                                 ("random-limit1000", "random", "--limit", "1000", "--seed", "1")]:
        r = run_cli("eval", "--model", model, "--suite", root / "s", "--out", root / out, *options)
        assert r.returncode == 0, r.stderr
    return root


@pytest.mark.slow
def test_a_table_holds_only_runs_on_the_same_problems(subsets, tmp_path):
    """Runs on the train split, on the first 3 problems or on L3 alone used to share the suite's table and be ranked
    against the whole-split runs (the planner on 3 problems, with no L3 figure, below random)."""
    out = tmp_path / "lb.md"
    names = ["planner-first3", "random", "random-L3", "planner", "random-train", "planner-train"]
    r = run_cli("leaderboard", *(subsets / n / "results.json" for n in names), "--out", out)
    assert r.returncode == 0, r.stderr
    text = out.read_text()
    headings = [ln for ln in text.splitlines() if ln.startswith("## ") and "suite sha256" in ln]
    sha = json.loads((subsets / "planner" / "results.json").read_text())["suite"]["sha256"][:16]
    assert headings == [f"## s, {p} (suite sha256 `{sha}`)" for p in (
        "test split, all levels, 18 problems", "test split, all levels, the first 3 problems",
        "test split, L3 only, 6 problems", "train split, all levels, 18 problems")]
    whole = _table_rows(text, subsets / "planner", "test split, all levels, 18 problems")
    assert [row["model"] for row in whole] == ["planner", "random"] and [row["n"] for row in whole] == ["18", "18"]
    assert [row["model"] for row in _table_rows(text, subsets / "planner", "the first 3 problems")] == ["planner"]
    assert [row["model"] for row in _table_rows(text, subsets / "planner", "L3 only, 6 problems")] == ["random"]
    train = _table_rows(text, subsets / "planner", "train split, all levels, 18 problems")
    assert [row["model"] for row in train] == ["planner", "random"]
    assert "Results: `" + str(subsets / "planner-train" / "results.json") in text.split("train split")[1]
    assert "## Left out" not in text


@pytest.mark.slow
def test_a_limit_above_the_number_of_problems_measured_them_all(subsets, tmp_path):
    out = tmp_path / "lb.md"
    r = run_cli("leaderboard", subsets / "planner" / "results.json", subsets / "random-limit1000" / "results.json",
                "--out", out)
    assert r.returncode == 0, r.stderr
    rows = _table_rows(out.read_text(), subsets / "planner", "test split, all levels, 18 problems")
    assert [row["model"] for row in rows] == ["planner (seed 0)", "random (seed 1)"]  # run with different --seed


SETTINGS = [  # the run directory, and the options given to `bwbench eval --model random`
    ("default", []),
    ("samples20", ["--samples", "20"]),
    ("warm", ["--temperature", "0.7"]),
    ("plain", ["--template", "plain"]),
    ("shots2", ["--shots", "2"]),
    ("short", ["--max-new-tokens", "40"]),
]


@pytest.mark.slow
def test_runs_of_one_model_with_different_settings_say_how_they_differ(subsets, tmp_path):
    """Runs of random on the same problems with different settings were all kept, and every row read `random |
    floor (random legal actions)`: nothing told which figures came from which run. Each row now gives its value of
    every setting that is not the same in all runs of its table."""
    for out, options in SETTINGS:
        r = run_cli("eval", "--model", "random", "--suite", subsets / "s", "--out", tmp_path / out, *options)
        assert r.returncode == 0, r.stderr
    page = tmp_path / "lb.md"
    r = run_cli("leaderboard", *(tmp_path / out / "results.json" for out, _ in SETTINGS), "--out", page,
                "--plot", tmp_path / "lb.png")
    assert r.returncode == 0, r.stderr
    text = page.read_text()
    rows = _table_rows(text, subsets / "planner")
    files = text.split("Results: ")[1].split("\n")[0].split(", ")
    shown = {f: row["model"] for f, row in zip(files, rows)}
    budget = json.loads((tmp_path / "default" / "results.json").read_text())["generation"]["max_new_tokens"]
    usual = {"shots": "0-shot", "template": "template seed", "tokens": f"max new tokens {budget}", "samples": "samples 1",
             "T": "T 0"}
    changed = {"default": {}, "samples20": {"samples": "samples 20"}, "warm": {"T": "T 0.7"},
               "plain": {"template": "template plain"}, "shots2": {"shots": "2-shot"},
               "short": {"tokens": "max new tokens 40"}}
    for out, _ in SETTINGS:
        says = ", ".join({**usual, **changed[out]}.values())
        assert shown[f"`{tmp_path / out / 'results.json'}`"] == f"random ({says})", out
    # Runs that differ in one setting name that one only.
    r = run_cli("leaderboard", tmp_path / "default" / "results.json", tmp_path / "warm" / "results.json",
                subsets / "planner" / "results.json", "--out", page)
    assert r.returncode == 0, r.stderr
    rows = _table_rows(page.read_text(), subsets / "planner")
    assert [row["model"] for row in rows] == ["planner (T 0)", "random (T 0)", "random (T 0.7)"]


def test_runs_missing_answers_share_the_table_of_their_problems():
    """A rescored run that PlanBench left incomplete measured the suite's problems: it stays in their table, marked."""
    page = (PUBLISHED / "planbench-mystery.md").read_text()
    tables = [ln for ln in page.splitlines() if ln.startswith("## ") and "suite sha256" in ln]
    assert len(tables) == 2 and all(t.startswith("## planbench-mystery, test split, all levels, 500 problems")
                                    for t in tables)
    assert tables[1].endswith(": incomplete runs")  # those that answered under half of them: gemini-1.5-flash's
    main = page.split(tables[0])[1].split(tables[1])[0]
    row = next(ln for ln in main.splitlines()
               if ln.startswith("| o1-preview_chat | zero-shot, `task_1_plan_generation_zero_shot_run2.json` |"))
    assert "| 300 of 500 |" in row and "| 499 of 500 |" in main and "gemini-1.5-flash" not in main
    assert "| gemini-1.5-flash | one-shot |" in page.split(tables[1])[1]


def _refused(r, *paths: Path) -> None:
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert r.stderr.startswith("error: ") and "Traceback" not in r.stderr
    assert not any(p.exists() for p in paths), [p for p in paths if p.exists()]


@pytest.mark.slow
def test_the_page_and_its_plot_are_written_together_or_not_at_all(runs, tmp_path, readonly_dir):
    result = runs / "planner-a" / "results.json"
    (tmp_path / "dir.md").mkdir()
    r = run_cli("leaderboard", result, "--out", tmp_path / "dir.md", "--plot", tmp_path / "plots" / "p.png")
    _refused(r, tmp_path / "plots")  # no plot, and not the directory made for it
    assert "dir.md: cannot write: Is a directory" in r.stderr
    frozen = readonly_dir(tmp_path / "frozen")
    r = run_cli("leaderboard", result, "--out", frozen / "lb.md", "--plot", tmp_path / "p.png")
    _refused(r, frozen / "lb.md", tmp_path / "p.png")
    assert f"{frozen / 'lb.md'}: cannot write" in r.stderr
    r = run_cli("leaderboard", result, "--out", tmp_path / "lb.md", "--plot", frozen / "p.png")
    _refused(r, tmp_path / "lb.md", frozen / "p.png")
    assert f"{frozen / 'p.png'}: cannot write" in r.stderr
    r = run_cli("leaderboard", result, "--out", tmp_path / "lb.md", "--plot", tmp_path / "lb.md")
    _refused(r, tmp_path / "lb.md")
    assert f"--plot {tmp_path / 'lb.md'}: is the page's own file" in r.stderr


def test_a_page_that_cannot_be_replaced_whole_is_kept_as_it_was(runs, tmp_path, readonly_dir):
    """An earlier page and plot stay untouched when the new plot cannot be written."""
    page, png = tmp_path / "lb.md", tmp_path / "frozen" / "lb.png"
    r = run_cli("leaderboard", runs / "planner-a" / "results.json", "--out", page, "--plot", png)
    assert r.returncode == 0, r.stderr
    before = page.read_bytes(), png.read_bytes()
    readonly_dir(tmp_path / "frozen")
    r = run_cli("leaderboard", runs / "random-a" / "results.json", "--out", page, "--plot", png)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert (page.read_bytes(), png.read_bytes()) == before
