"""The curve: results record figures per optimal plan length, and a leaderboard over many lengths shows them."""

import json
from collections import Counter
from pathlib import Path

import pytest

from bwbench.judging.metrics import wilson
from bwbench.leaderboards import arrange, rows
from bwbench.leaderboards.markdown import render
from bwbench.leaderboards.plot import plot
from bwbench.runs.results import ResultsError

from ..conftest import DATA, run_cli

SUITE = DATA / "planbench-bw"
# Every test here reads the runs of the fixture below (evals of 500 problems, 8-9 s); the published ladder page
# (test_leaderboard.py) checks the curve table byte for byte in the quick tests.
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The planner and random on PlanBench's Blocksworld suite (eight optimal lengths), random's predictions
    rescored by `bwbench score --results`, and the planner on a small generated suite (three lengths)."""
    root = tmp_path_factory.mktemp("curve")
    for model in ("planner", "random"):
        r = run_cli("eval", "--model", model, "--suite", SUITE, "--template", "planbench", "--out", root / model)
        assert r.returncode == 0, r.stderr
    r = run_cli("score", root / "random" / "predictions.jsonl", "--suite", SUITE, "--model", "random, rescored",
                "--results", root / "rescored.json")
    assert r.returncode == 0, r.stderr
    r = run_cli("generate", "--levels", "L1,L2,L3", "--n", "2", "--train", "0", "--blocks", "4", "--seed", "1",
                "--out", root / "small")
    assert r.returncode == 0, r.stderr
    r = run_cli("eval", "--model", "planner", "--suite", root / "small", "--out", root / "small-planner")
    assert r.returncode == 0, r.stderr
    return root


def _lengths() -> Counter:
    return Counter(json.loads(line)["optimal_len"] for line in (SUITE / "test.jsonl").read_text().splitlines())


def _curve_rows(page: str) -> tuple[list[str], dict[str, list[str]]]:
    """The curve table of a page of one table: its header cells, and each row's cells by model and second column."""
    part = page.split("### Valid (and optimal) by optimal plan length")[1].split("\nResults: ")[0]
    table = [ln for ln in part.splitlines() if ln.startswith("| ")]
    cells = [[c.strip() for c in ln.strip("|").split("|")] for ln in table]
    return cells[0], {f"{row[0]} | {row[1]}": row[2:] for row in cells[1:]}


def test_results_record_every_optimal_length(runs):
    """eval and `score --results` write metrics.by_length: each optimal length of the suite, its problems, and
    its counts with Wilson intervals, summing to the overall figures."""
    want = _lengths()
    for file in (runs / "random" / "results.json", runs / "rescored.json"):
        metrics = json.loads(file.read_text())["metrics"]
        by_length = metrics["by_length"]
        assert list(by_length) == [str(k) for k in sorted(want)]  # natural order: 2, 4, ..., 16
        assert {int(k): v["n"] for k, v in by_length.items()} == want
        for key in ("valid", "optimal"):
            assert sum(v["count"][key] for v in by_length.values()) == metrics["overall"]["count"][key]
            for v in by_length.values():
                assert v["ci95"][key] == pytest.approx(list(wilson(v["count"][key], v["n"])), abs=1e-6)
    # The same predictions, judged by eval and by score --results: the same figures per length.
    evaluated, rescored = (json.loads(f.read_text())["metrics"]["by_length"]
                           for f in (runs / "random" / "results.json", runs / "rescored.json"))
    assert evaluated == rescored
    assert any(v["valid"] for v in evaluated.values()) and not all(v["valid"] for v in evaluated.values())


def test_score_breaks_down_by_length(runs):
    r = run_cli("score", runs / "random" / "predictions.jsonl", "--json", "--by", "length")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    results = json.loads((runs / "random" / "results.json").read_text())["metrics"]["by_length"]
    assert "by_level" not in data and {k: v["count"] for k, v in data["by_length"].items()} == {
        k: v["count"] for k, v in results.items()}
    table = run_cli("score", runs / "random" / "predictions.jsonl", "--by", "length", env={"COLUMNS": "300"})
    assert table.returncode == 0 and "16 steps" in table.stdout


def test_the_curve_shows_the_figures_of_the_results(runs, tmp_path):
    """A table of PlanBench's prompts (the prompt column), and another table (the kind column)."""
    lengths = _lengths()

    def cells(file: Path) -> list[str]:
        by_length = json.loads(file.read_text())["metrics"]["by_length"]
        out = []
        for k in sorted(lengths):
            m = by_length[str(k)]
            if m["n"] < 10:  # a length of few problems: counts (PlanBench's 14 and 16 steps: one problem each)
                out.append(f"{m['count']['valid']}/{m['n']} / {m['count']['optimal']}/{m['n']}")
                continue
            lo, hi = m["ci95"]["valid"]
            out.append(f"{100 * m['valid']:.0f} [{100 * lo:.0f}, {100 * hi:.0f}] / {100 * m['optimal']:.0f}")
        return out

    out = tmp_path / "lb.md"
    r = run_cli("leaderboard", runs / "random" / "results.json", runs / "planner" / "results.json", "--out", out)
    assert r.returncode == 0, r.stderr
    page = out.read_text()
    header, rows = _curve_rows(page)
    assert header == ["model", "prompt"] + [f"{k} (n {lengths[k]})" for k in sorted(lengths)]
    assert list(rows) == ["planner | — (optimal planner)", "random | — (random legal actions)"]  # as ranked
    assert rows["random | — (random legal actions)"] == cells(runs / "random" / "results.json")
    assert rows["planner | — (optimal planner)"] == cells(runs / "planner" / "results.json")
    assert rows["planner | — (optimal planner)"][0] == "100 [89, 100] / 100"
    # The curve is in place of the coarser table by level, which a table spanning few lengths keeps.
    assert "By optimal plan length (Lk: 2k steps)" not in page
    r = run_cli("leaderboard", runs / "rescored.json", "--out", out)
    assert r.returncode == 0, r.stderr
    header, rows = _curve_rows(out.read_text())
    assert header[:2] == ["model", "kind"]
    assert rows == {"random, rescored | predictions rescored (`predictions.jsonl`)": cells(runs / "rescored.json")}


def test_runs_without_by_length_are_named_and_pages_without_any_are_as_before(runs, tmp_path):
    old = json.loads((runs / "random" / "results.json").read_text())
    del old["metrics"]["by_length"]
    (tmp_path / "old.json").write_text(json.dumps(old))
    out = tmp_path / "lb.md"
    r = run_cli("leaderboard", runs / "planner" / "results.json", tmp_path / "old.json", "--out", out)
    assert r.returncode == 0, r.stderr
    page = out.read_text()
    _, rows = _curve_rows(page)
    assert list(rows) == ["planner | — (optimal planner)"]
    assert (f"Not by length (the results.json has no metrics.by_length; rescoring or re-running the eval adds it): "
            f"random, — (random legal actions) (`{tmp_path / 'old.json'}`).") in page
    valid = f"{100 * old['metrics']['overall']['valid']:.1f}%"
    assert f"| random | — (random legal actions) | {valid} [" in page  # still in the main table
    # With no run recording lengths, the page is what it was: the table by level, no curve.
    r = run_cli("leaderboard", tmp_path / "old.json", "--out", out)
    assert r.returncode == 0, r.stderr
    page = out.read_text()
    assert "### Valid (and optimal)" not in page and "By optimal plan length (Lk: 2k steps)" in page


def test_few_lengths_get_no_curve(runs):
    board = arrange.collect([runs / "small-planner" / "results.json"])
    (table,) = board.tables.values()
    assert arrange.curve_lengths(table) == [2, 4, 6] and not arrange.has_curve(table)
    assert "### Valid (and optimal)" not in render(board, "c", "t")


def test_a_length_that_is_not_one_is_left_out_with_the_reason(runs, tmp_path):
    data = json.loads((runs / "planner" / "results.json").read_text())
    data["metrics"]["by_length"]["L3"] = data["metrics"]["by_length"]["6"]
    with pytest.raises(ResultsError, match="metrics.by_length has 'L3', not an optimal plan length"):
        rows.parse("x.json", data)


def test_the_plot_draws_the_curve_and_the_bars_and_its_bytes_repeat(runs, tmp_path):
    """A page with a table over many lengths (the curve, a panel per model) and one over few (bars by level)."""
    files = [runs / "planner" / "results.json", runs / "random" / "results.json",
             runs / "small-planner" / "results.json"]
    pictures = []
    for name in ("a", "b"):
        r = run_cli("leaderboard", *files, "--out", tmp_path / f"{name}.md", "--plot", tmp_path / f"{name}.png")
        assert r.returncode == 0, r.stderr
        pictures.append((tmp_path / f"{name}.png").read_bytes())
    assert pictures[0] == pictures[1] and pictures[0].startswith(b"\x89PNG\r\n\x1a\n")
    page = (tmp_path / "a.md").read_text()
    assert ("![Valid plans by level, and valid and optimal plans by optimal plan length, with 95% intervals](a.png)"
            in page)
    assert plot(arrange.collect(files[:2])) != pictures[0]  # the curve alone is another picture
