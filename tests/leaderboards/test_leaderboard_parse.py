"""`bwbench leaderboard` reads each results.json once, into a Run: no content of a file can crash the page.

Every nested field of real results files (an hf run, rescored PlanBench runs, complete and not, a rescored seed
file) is deleted, nulled or given a value of each other kind, one at a time and at random several at once: each
file is then either shown on the page or left out with a reason naming what is wrong.
"""

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bwbench.leaderboards import arrange, rows
from bwbench.leaderboards.markdown import render
from bwbench.leaderboards.plot import plot
from bwbench.runs.results import ResultsError

from ..conftest import ROOT, run_cli

REAL = [ROOT / "results" / name / "results.json" for name in (
    "standard-bwbench-tiny",  # hf adapter, single-step success, L1-L3
    "planbench-bw-claude-3-opus-oneshot",  # rescored PlanBench: prompt label, PlanBench's figure, 499 of 500
    "planbench-mystery-o1-preview_chat-zeroshot-run2",  # 300 of 500, answers missing
    "seed-l3-seed-lora",  # rescored seed predictions: prompt null, L0
)]
DELETE = object()
VALUES = [DELETE, None, "x", "", [], {}, 0, -1, 7, 2.5, 1e300, True, float("nan"), float("inf"), [1, 2, 3], {"a": 1}]


def _paths(value, prefix=()):
    """Every place in a JSON value (lists: their first two items), the root included."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, prefix + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value[:2]):
            yield from _paths(item, prefix + (i,))


def _mutated(data, path, value):
    """``data`` with the value at ``path`` replaced (or deleted): the objects along the path are copied, the rest is
    shared (nothing that reads a results file changes it), so that thousands of changes cost little."""
    if not path:
        return value
    if not isinstance(data, (dict, list)):
        raise TypeError(f"{type(data).__name__} has no items")
    copy = dict(data) if isinstance(data, dict) else list(data)
    key = path[0]
    if len(path) > 1:
        copy[key] = _mutated(data[key], path[1:], value)
    elif value is DELETE:
        del copy[key]
    else:
        copy[key] = value
    return copy


def _page(file: Path) -> tuple[arrange.Board, str | None]:
    """What the command does with one results file: the board, and the page when anything is on it."""
    board = arrange.collect([file])
    return board, (render(board, "bwbench leaderboard x", "t") if board.runs() else None)


def _page_of(file: Path, content) -> tuple[arrange.Board, str | None]:
    """The same for a file's content, without the file: parsed, then arranged and rendered as the command does."""
    try:
        board = arrange.arrange([rows.parse(str(file), content)])
    except ResultsError as exc:
        return arrange.Board(skipped=[(str(file), str(exc))]), None
    return board, (render(board, "bwbench leaderboard x", "t") if board.runs() else None)


def _shown_or_left_out(file: Path, board: arrange.Board, page: str | None) -> str | None:
    """The reason ``file`` is left out, or None when it is a row of the page; exactly one of the two."""
    shown = [r for r in board.runs() if r.file == str(file)]
    reasons = [why for f, why in board.skipped if f == str(file)]
    assert len(shown) + len(reasons) == 1, (shown, reasons)
    if shown:
        assert page is not None and f"`{file}`" in page
        return None
    assert reasons[0].strip()
    return reasons[0]


def _named(path: tuple) -> list[str]:
    """The dotted names a reason may use for the field at ``path`` or one above it."""
    keys = [str(k) for k in path if not isinstance(k, int)]
    return [".".join(keys[:i]) for i in range(len(keys), 0, -1)]


SLOW = {"planbench-bw-claude-3-opus-oneshot", "planbench-mystery-o1-preview_chat-zeroshot-run2"}  # 5-9 s each


@pytest.mark.parametrize("real", [pytest.param(p, marks=pytest.mark.slow) if p.parent.name in SLOW else p
                                  for p in REAL], ids=lambda p: p.parent.name)
def test_no_single_change_to_a_real_results_file_crashes_the_page(real, tmp_path):
    data = json.loads(real.read_text())
    assert _shown_or_left_out(real, *_page(real)) is None  # the file itself is on the page
    file = tmp_path / "results.json"
    tried = left_out = 0
    for path in _paths(data):
        for value in VALUES:
            if path == () and value is DELETE:
                continue
            why = _shown_or_left_out(file, *_page_of(file, _mutated(data, path, value)))
            tried += 1
            if why is None:
                continue
            left_out += 1
            # The reason names the field (or one above it, or a field it contradicts), or says the run is unfinished.
            names = _named(path) + ["suite.n", "n_examples", "planbench.n", "not complete", "the file holds"]
            assert any(name in why for name in names), (path, value, why)
    assert tried > 1000 and 0 < left_out < tried


JSON = st.recursive(st.none() | st.booleans() | st.integers(-10, 10**6) | st.floats(allow_nan=True) | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                    max_leaves=6)


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_set_of_changes_crashes_the_page(data, tmp_path):
    real = data.draw(st.sampled_from(REAL))
    content = json.loads(real.read_text())
    paths = [p for p in _paths(content) if p]
    for _ in range(data.draw(st.integers(1, 4))):
        path = data.draw(st.sampled_from(paths))
        value = data.draw(st.just(DELETE) | JSON)
        try:
            content = _mutated(content, path, value)
        except (KeyError, IndexError, TypeError):  # an earlier change removed or replaced this place
            continue
    file = tmp_path / "results.json"
    file.write_text(json.dumps(content))
    _shown_or_left_out(file, *_page(file))


def test_the_plot_draws_whatever_the_page_shows(tmp_path):
    """The plot reads the same Run: levels without a valid rate or an interval are drawn as far as they go."""
    pytest.importorskip("matplotlib")
    data = json.loads(REAL[0].read_text())
    changes = [(("metrics", "by_level", "L3", "valid"), None), (("metrics", "by_level", "L2", "ci95"), DELETE),
               (("metrics", "by_level", "L1", "ci95", "valid"), None), (("metrics", "by_level", "L2"), DELETE)]
    for path, value in changes:
        data = _mutated(data, path, value)
    file = tmp_path / "results.json"
    file.write_text(json.dumps(data))
    board, page = _page(file)
    assert _shown_or_left_out(file, board, page) is None
    assert plot(board).startswith(b"\x89PNG")


@pytest.fixture(scope="module")
def planner_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("lbp")
    r = run_cli("generate", "--levels", "L1,L2,L3", "--n", "3", "--blocks", "4", "--seed", "5", "--out", root / "s")
    assert r.returncode == 0, r.stderr
    r = run_cli("eval", "--model", "planner", "--suite", root / "s", "--out", root / "planner")
    assert r.returncode == 0, r.stderr
    return root / "planner" / "results.json"


BROKEN = {
    "no-l3-valid.json": ((("metrics", "by_level", "L3", "valid"), DELETE), "missing metrics.by_level.L3.valid"),
    "adapter-null.json": ((("adapter",), None), "adapter is version 1's block; version 2 names it model_settings"),
    "settings-list.json": ((("model_settings",), []), "model_settings is a list, not an object"),
    "metrics-list.json": ((("metrics",), []), "metrics is a list, not an object"),
    "sha-number.json": ((("suite", "sha256"), 12345), "suite.sha256 is a whole number, not a string"),
    "rate-string.json": ((("metrics", "overall", "optimal"), "0.5"), "metrics.overall.optimal is a string, not a number"),
    "level-rate-string.json": ((("metrics", "by_level", "L1", "valid"), "100%"),
                               "metrics.by_level.L1.valid is a string, not a number"),
    "ci-short.json": ((("metrics", "by_level", "L2", "ci95", "valid"), [0.5]),
                      "metrics.by_level.L2.ci95.valid has 1 items, not 2"),
    "rate-above-one.json": ((("metrics", "by_level", "L3", "valid"), 1.5), "metrics.by_level.L3.valid is 1.5, not a rate"),
    "split-null.json": ((("suite", "split"), None), "suite.split is null, not a string"),
    "limit-string.json": ((("suite", "limit"), "3"), "suite.limit is a string, not a whole number"),
    "n-examples-bool.json": ((("n_examples",), True), "n_examples is true or false, not a whole number"),
    "model-number.json": ((("model",), 7), "model is a whole number, not a string"),
    "planbench-no-correct.json": ((("planbench",), {"n": 10}), "missing planbench.correct"),
    "a-list.json": (((), []), "the file holds a list, not an object"),
}


def test_bad_results_are_left_out_with_their_reason(planner_run, tmp_path):
    """Each of these crashed the whole page with a traceback; each is now one 'left out' line, and the page is made."""
    data = json.loads(planner_run.read_text())
    for name, ((path, value), _) in BROKEN.items():
        (tmp_path / name).write_text(json.dumps(_mutated(data, path, value)))
    out = tmp_path / "lb.md"
    r = run_cli("leaderboard", planner_run, *(tmp_path / name for name in BROKEN), "--out", out)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    left = out.read_text().split("## Left out")[1]
    said = " ".join(r.stderr.split())  # as a terminal shows it, however wide
    for name, (_, why) in BROKEN.items():
        assert f"left out {tmp_path / name}: {why}" in said, name
        assert f"- `{tmp_path / name}`: {why}" in left, name
    assert out.read_text().count("| planner |") == 1


def test_a_run_alone_and_broken_is_one_line(planner_run, tmp_path):
    data = json.loads(planner_run.read_text())
    (tmp_path / "r.json").write_text(json.dumps(_mutated(data, ("metrics", "by_level"), [])))
    r = run_cli("leaderboard", tmp_path / "r.json", "--out", tmp_path / "lb.md")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "no usable results" in r.stderr and "metrics.by_level is a list, not an object" in r.stderr
    assert not (tmp_path / "lb.md").exists()


def test_the_problems_a_run_measured_are_read_from_its_suite_block():
    data = json.loads(REAL[0].read_text())
    run = rows.parse("f", data)
    assert run.problems == rows.Problems(data["suite"]["sha256"], "test", None, None, 3000)
    assert run.problems.describe() == "test split, all levels, 3,000 problems"
    several = rows.parse("f", _mutated(data, ("suite", "level"), "L2,L1")).problems
    assert several.level == "L1,L2" and several.describe() == "test split, L1 and L2 only, 3,000 problems"
    limited = rows.parse("f", _mutated(_mutated(data, ("suite", "limit"), 3000), ("suite", "split"), "train")).problems
    assert limited.limit == 3000 and limited.describe() == "train split, all levels, the first 3,000 problems"
    # A limit above the problems there are took them all: the same problems as no limit.
    assert rows.parse("f", _mutated(data, ("suite", "limit"), 5000)).problems == run.problems
    with pytest.raises(ResultsError, match=r"suite.n \(3000\) is more than suite.limit \(20\)"):
        rows.parse("f", _mutated(data, ("suite", "limit"), 20))
    assert math.isclose(run.by_level["L3"].get("valid"), data["metrics"]["by_level"]["L3"]["valid"])


def test_runs_that_differ_in_their_model_options_are_both_shown_and_told_apart():
    """Two runs of one model differing only in --dtype, or in LoRAs whose directories share a name, were one run
    repeated (the earlier left out as a duplicate), or two rows that read the same."""
    data = json.loads(REAL[0].read_text())
    half = _mutated(data, ("model_options", "dtype"), "bfloat16")
    board = arrange.arrange([rows.parse("a", data), rows.parse("b", half)])
    assert not board.skipped
    assert sorted(arrange.model_name(r) for r in board.tables[rows.parse("a", data).problems]) == [
        "bwbench-tiny (dtype auto)", "bwbench-tiny (dtype bfloat16)"]
    tuned = [_mutated(_mutated(data, ("model_options", "lora"), f"runs/{n}/adapter"), ("adapter", "lora"),
                      f"runs/{n}/adapter") for n in ("one", "two")]
    named = [_mutated(_mutated(t, ("model_options", "lora"), f"runs/{n}"), ("adapter", "lora"), f"runs/{n}")
             for t, n in zip(tuned, ("one", "two"))]
    page = render(arrange.arrange([rows.parse("a", tuned[0]), rows.parse("b", tuned[1])]), "bwbench leaderboard x", "t")
    assert "| bwbench-tiny (lora runs/one/adapter) | LoRA `adapter` |" in page
    assert "| bwbench-tiny (lora runs/two/adapter) | LoRA `adapter` |" in page
    page = render(arrange.arrange([rows.parse("a", named[0]), rows.parse("b", named[1])]), "bwbench leaderboard x", "t")
    assert "| bwbench-tiny | LoRA `one` |" in page and "| bwbench-tiny | LoRA `two` |" in page  # the adapter says it
