"""What a page tells a reader: rows named by their label or served model, counts where few problems, incomplete runs
apart, tables in suite order, a file's several scorings told apart, notes on its problems, and its provenance."""

import json
import re
from pathlib import Path

import pytest

from bwbench import __version__
from bwbench.leaderboards import arrange, rows
from bwbench.leaderboards.markdown import render
from bwbench.provenance import git_sha

from ..conftest import ROOT

RESULTS = ROOT / "results"
TINY = RESULTS / "standard-bwbench-tiny" / "results.json"  # a version-1 file of an hf run
MYSTERY = "planbench-mystery-{}/results.json"


def _data(path: Path = TINY) -> dict:
    return json.loads(path.read_text())


def _served(served: str, **extra) -> dict:
    """``TINY`` as a version-2 run of a model on an OpenAI-compatible server serving ``served``."""
    data = {k: v for k, v in _data().items() if k != "adapter"}
    url = "http://127.0.0.1:8000/v1"
    return {**data, "schema_version": 2, "task": "plan", "protocol": "single", "model": f"openai:{url}",
            "model_options": {"api": "completions"}, "rescored": None,
            "model_settings": {"base_url": url, "served_model": served, "api": "completions"}, **extra}


def _page(*contents: tuple[str, dict]) -> tuple[arrange.Board, str]:
    board = arrange.arrange([rows.parse(file, data) for file, data in contents])
    return board, render(board, "bwbench leaderboard x", "t")


def _rows(page: str, heading: str, incomplete: bool = False) -> list[dict[str, str]]:
    """The table of the section whose heading contains ``heading`` (its incomplete runs' where ``incomplete``):
    each row's cells by column."""
    (part,) = [p for p in page.split("\n## ")[1:] if heading in p.splitlines()[0]
               and p.splitlines()[0].endswith(": incomplete runs") == incomplete]
    table = part[part.index("\n| "):].split("\n\n")[0]  # the first table of the section
    heads, *cells = [[c.strip() for c in ln.strip("|").split("|")] for ln in table.split("\n")[1:]
                     if not ln.startswith("|---")]
    return [dict(zip(heads, row)) for row in cells]


def test_runs_of_two_served_models_are_two_rows_named_by_their_models():
    """Two runs against one URL serving different models were one run repeated: the earlier was left out as a
    duplicate, and the row showed the URL."""
    board, page = _page(("a.json", _served("tiny-local")), ("b.json", _served("totally-different-model")))
    assert not board.skipped
    (shown,) = board.tables.values()
    assert sorted(r.name for r in shown) == ["tiny-local", "totally-different-model"]
    assert "| tiny-local | served (OpenAI-compatible) |" in page
    assert "| totally-different-model | served (OpenAI-compatible) |" in page
    assert "127.0.0.1" not in page.split("## Provenance")[0]
    # The same server and model, run again: a repeat, counted once.
    board, _ = _page(("a.json", _served("tiny-local")), ("b.json", _served("tiny-local")))
    assert [why for _, why in board.skipped] == ["a duplicate of the later run b.json"]


def test_a_run_named_by_its_label_is_its_own_row():
    board, page = _page(("a.json", _served("tiny-local", label="mine, lr 1e-4")),
                        ("b.json", _served("tiny-local", label="mine, lr 3e-4")), ("c.json", _data()))
    assert not board.skipped
    assert [r.name for r in board.runs()] == ["bwbench-tiny", "mine, lr 1e-4", "mine, lr 3e-4"]
    assert "| mine, lr 1e-4 | served (OpenAI-compatible) |" in page and "| bwbench-tiny | trained from" in page
    with pytest.raises(rows.ResultsError, match="label is a whole number, not a string"):
        rows.parse("d.json", _served("x", label=3))


def test_tables_follow_one_another_by_suite_name():
    def suite(name: str, sha: str) -> dict:
        data = _data()
        return {**data, "suite": {**data["suite"], "name": name, "sha256": sha * 64}}

    board, page = _page(("z.json", suite("zeta", "0")), ("a.json", suite("alpha", "f")))
    assert [h for h in page.splitlines() if h.startswith("## ") and "suite sha256" in h] == [
        "## alpha, test split, all levels, 3,000 problems (suite sha256 `ffffffffffffffff`)",
        "## zeta, test split, all levels, 3,000 problems (suite sha256 `0000000000000000`)"]


def test_a_figure_over_few_problems_is_a_count_and_a_run_that_answered_under_half_is_apart():
    files = [RESULTS / MYSTERY.format(n) for n in ("planner", "gemini-1.5-flash-oneshot",
                                                   "o1-preview_chat-zeroshot-run2")]
    board = arrange.collect(files)
    page = render(board, "bwbench leaderboard x", "t")
    main = _rows(page, "500 problems (suite sha256")
    apart = _rows(page, "500 problems (suite sha256", incomplete=True)
    assert [r["model"] for r in main] == ["planner", "o1-preview_chat"]  # 300 of 500 answered: more than half
    assert [(r["model"], r["n"]) for r in apart] == [("gemini-1.5-flash", "4 of 500")]
    flash = _data(files[1])["metrics"]
    assert apart[0]["valid"] == f"{flash['overall']['count']['valid']}/{flash['overall']['n']}" == "0/4"
    l5 = flash["by_level"]["L5"]
    assert apart[0]["L5 valid"] == f"{l5['count']['valid']}/{l5['n']}"
    planner = _data(files[0])["metrics"]["by_level"]
    assert main[0]["L7 valid"] == f"{planner['L7']['count']['valid']}/{planner['L7']['n']}" == "1/1"
    assert main[0]["L6 valid"] == f"{100 * planner['L6']['valid']:.1f}%"  # 46 problems: a rate
    assert "A figure over fewer than 10 problems is a count" in page
    # The curve gives counts too, and the runs answered apart are not drawn against the others.
    assert "| 1/1 / 1/1 | 1/1 / 1/1 |" in page
    assert list(board.tables) == list(board.incomplete) and board.tables[next(iter(board.tables))][0].model == "planner"


def test_one_answers_file_scored_several_ways_is_labelled_by_file():
    """PlanBench's three files of o1-preview's zero-shot Mystery answers, each scored by PlanBench its own way:
    three rows that read `o1-preview_chat | zero-shot`, told apart only by PlanBench's figure."""
    names = ("o1-preview_chat-zeroshot", "o1-preview_chat-zeroshot-run1", "o1-preview_chat-zeroshot-run_1",
             "o1-preview_chat-oneshot")
    files = [RESULTS / MYSTERY.format(n) for n in names]
    page = render(arrange.collect(files), "bwbench leaderboard x", "t")
    shown = {r["prompt"]: r for r in _rows(page, "500 problems (suite sha256")}
    for f in files[:3]:
        data = _data(f)
        row = shown[f"zero-shot, `{data['prompt']['planbench_file']}`"]
        pb = data["planbench"]
        assert row["PlanBench's figure"] == f"{100 * pb['correct'] / pb['n']:.1f}% ({pb['correct']}/{pb['n']}), {pb['reader']}"
    assert "one-shot" in shown  # alone of its kind: labelled as before
    assert len(shown) == 4


def test_the_seed_page_says_what_exact_and_l0_are():
    names = ("planner", "bwbench-tiny", "seed-lora")
    files = [RESULTS / f"seed-l3-{n}" / "results.json" for n in names]
    page = render(arrange.collect(files), "bwbench leaderboard x", "t", "paper")
    table = _rows(page, "blocksworld_L3_test")
    l0 = _data(files[1])["metrics"]["by_level"]["L0"]
    assert {r["model"]: r["L0 valid"] for r in table}["bwbench-tiny"].startswith(f"{100 * l0['valid']:.1f}%")
    assert f"L0: {l0['n']} problems whose goal holds before any step" in page
    exact = _data(files[0])["metrics"]["overall"]["exact"]
    assert exact < 1 and (f"Exact is measured against this suite's own gold plans, which are not all optimal: the "
                          f"optimal planner's plans match {100 * exact:.1f}% of them") in page
    literature = page.split("## Reported in the literature (not measured here)")[1].split("\n## ")[0]
    assert "| model | reported | compare with | source |" in literature
    compared = re.findall(r"^\| [^|]+ \| \d+% \| ([^|]+) \|", literature, re.M)
    assert compared and all(column in table[0] for column in compared)  # each names a column of the table
    # A suite whose gold plans are the planner's says nothing of the kind.
    standard = render(arrange.collect([RESULTS / "standard-planner" / "results.json"]), "c", "t")
    assert "Exact is measured against" not in standard and "L0:" not in standard


def test_every_page_says_what_made_it_and_how_to_cite_it():
    """The page's bwbench version and commit, the commits that scored its figures, and a citation that is the
    repository's CITATION.cff."""
    yaml = pytest.importorskip("yaml")
    files = [RESULTS / "standard-planner" / "results.json", TINY]
    page = render(arrange.collect(files), "bwbench leaderboard x", "t")
    provenance = page.split("## Provenance")[1].split("\n## ")[0]
    assert f"This page: bwbench {__version__}, git commit `{git_sha()}`" in provenance
    for f in files:
        assert f"`{_data(f)['git_sha'][:12]}`" in provenance
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    bibtex = page.split("## Citation")[1].split("```bibtex\n")[1].split("```")[0]
    fields = dict(re.findall(r"^  (\w+) = \{(.*)\},?$", bibtex, re.M))
    assert fields["title"] == cff["title"] and fields["version"] == cff["version"] == __version__
    assert fields["author"] == "{" + cff["authors"][0]["name"] + "}" and fields["license"] == cff["license"]
    assert fields["note"] == f"git commit {git_sha()}"
    assert "@inproceedings{men2024unlocking," in page.split("## Citation")[1]  # the source of the problems


@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_a_zero_bar_is_drawn_and_an_unmeasured_level_takes_no_slot(pyplot):
    """The ood-L3-7b picture had empty L1 and L2 slots, and random's 0% bar was not there to see: a bar of height
    0 looks like no bar at all."""
    from bwbench.leaderboards.plot import ZERO, _bars

    files = [RESULTS / f"ood-L3-7b-{n}" / "results.json" for n in ("planner", "random")]
    ((problems, runs),) = arrange.collect(files).tables.items()
    _, ax = pyplot.subplots()
    _bars(ax, problems, runs)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["L3"]
    random = next(i for i, r in enumerate(runs) if r.model == "random")
    assert _data(files[1])["metrics"]["by_level"]["L3"]["valid"] == 0
    stubs = [p for p in ax.patches if p.get_height() == ZERO and p.get_y() == -ZERO / 2]
    assert len(stubs) == 1 and stubs[0].get_facecolor() == pyplot.matplotlib.colors.to_rgba(f"C{random}")
    assert sorted(t.get_text() for t in ax.texts) == ["0", "100"]
    # A level one run measured and another did not: a slot, and the missing bar says so.
    data = _data()
    without_l1 = {**data, "label": "another", "metrics": {**data["metrics"], "by_level": {
        k: v for k, v in data["metrics"]["by_level"].items() if k != "L1"}}}
    board = arrange.arrange([rows.parse("a.json", data), rows.parse("b.json", without_l1)])
    ((problems, runs),) = board.tables.items()
    _, ax = pyplot.subplots()
    _bars(ax, problems, runs)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["L1", "L2", "L3"]
    assert [t.get_text() for t in ax.texts].count("not measured") == 1


def test_the_curve_leaves_out_lengths_of_few_problems(pyplot):
    """PlanBench's suites have one problem of 14 steps and one of 16: intervals of [0, 79] drew nothing but the
    whole axis, in every panel."""
    from bwbench.leaderboards.plot import _curves

    files = [RESULTS / MYSTERY.format(n) for n in ("planner", "o1-preview_chat-zeroshot-run2")]
    ((problems, runs),) = arrange.collect(files).tables.items()
    by_length = _data(files[0])["metrics"]["by_length"]
    few = {int(k) for k, v in by_length.items() if v["n"] < 10}
    assert few == {14, 16}
    fig = pyplot.figure()
    _curves(fig, problems, runs)
    drawn = {round(x) for ax in fig.axes for line in ax.lines for x in line.get_xdata()}
    assert drawn == {int(k) for k in by_length} - few
