"""docs/results.schema.json describes the results.json that bwbench reads: every committed file (version 1 for the
plan runs, version 2 for later tasks') and a freshly written one (version 2) validate against it, and files the
reader refuses fail it too."""

import json

import pytest
from jsonschema import Draft202012Validator

from bwbench.leaderboards.rows import required_metrics
from bwbench.runs.results import ResultsError, parse
from bwbench.tasks import get_task

from ..conftest import DATA, ROOT, run_cli

SCHEMA = json.loads((ROOT / "docs" / "results.schema.json").read_text())
VALIDATOR = Draft202012Validator(SCHEMA)
COMMITTED = sorted(ROOT.glob("results/*/results.json"))


def _errors(data) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}" for e in VALIDATOR.iter_errors(data)]


def _changed(data: dict, path: tuple, value=None, delete: bool = False) -> dict:
    """A deep copy of ``data`` with the value at ``path`` replaced (or deleted)."""
    data = json.loads(json.dumps(data))
    parent = data
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return data


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> dict:
    """The results.json that `bwbench eval` writes now."""
    out = tmp_path_factory.mktemp("schema") / "run"
    r = run_cli("eval", "--model", "planner", "--suite", DATA / "paper", "--limit", "3", "--out", out)
    assert r.returncode == 0, r.stderr
    return json.loads((out / "results.json").read_text())


def test_the_schema_is_a_valid_draft_2020_12_schema():
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.slow
def test_every_committed_results_file_validates():
    assert len(COMMITTED) > 50
    for path in COMMITTED:
        data = json.loads(path.read_text())
        version = data.get("schema_version", 1)  # the plan runs were written as version 1, later tasks' as 2
        assert ("adapter" in data) == (version == 1) and version in (1, 2), path
        assert _errors(data) == [], path
        task = get_task(data.get("task", "plan"))
        assert parse(data, required_metrics(task)).schema_version == version  # and the reader reads them


def test_a_freshly_written_results_file_validates(fresh):
    assert fresh["schema_version"] == 2 and fresh["task"] == "plan" and fresh["protocol"] == "single"
    assert "adapter" not in fresh and isinstance(fresh["model_settings"], dict)
    assert fresh["suite"]["n"] == 3 and fresh["metrics"]["overall"]["correct"] == fresh["metrics"]["overall"]["valid"]
    assert _errors(fresh) == []
    assert parse(fresh).schema_version == 2


REFUSED = {  # (path, value or DELETE): what the reader says
    "v2 with version 1's adapter block": ((("adapter",), {"lora": None}), "adapter is version 1's block"),
    "no metrics.overall.valid": ((("metrics", "overall", "valid"), None, True), "missing metrics.overall.valid"),
    "no valid rate at a level": ((("metrics", "by_level", "L1", "valid"), None, True),
                                 "missing metrics.by_level.L1.valid"),
    "a rate above one": ((("metrics", "overall", "optimal"), 1.5), "metrics.overall.optimal is 1.5, not a rate"),
    "a rate as text": ((("metrics", "by_level", "L1", "exact"), "100%"),
                       "metrics.by_level.L1.exact is a string, not a number"),
    "an interval of one end": ((("metrics", "overall", "ci95", "valid"), [0.5]),
                               "metrics.overall.ci95.valid has 1 items, not 2"),
    "a later version": ((("schema_version",), 3), "schema_version is 3"),
    "no task": ((("task",), None, True), "missing task"),
    "not a sha256": ((("suite", "sha256"), "abc"), "suite.sha256 is not a sha256"),
    "a split of nothing": ((("suite", "split"), ""), "suite.split is empty"),
    "no problems": ((("suite", "n"), 0), "suite.n is 0"),
    "not a date": ((("finished",), "yesterday"), "finished is 'yesterday', not a date"),
    "no model": ((("model",), None, True), "missing model"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_what_the_reader_refuses_fails_the_schema(fresh, name):
    (path, value, *delete), why = REFUSED[name]
    data = _changed(fresh, path, value, bool(delete))
    with pytest.raises(ResultsError, match=why):
        parse(data)
    assert _errors(data), f"{name}: the reader refuses it ({why}) but the schema takes it"


@pytest.mark.parametrize("path", [("metrics", "overall", "valid"), ("metrics", "by_level", "L3", "exact"),
                                  ("suite",), ("n_examples",)])
def test_a_committed_version_1_file_the_reader_refuses_fails_the_schema(path):
    data = _changed(json.loads((ROOT / "results" / "standard-planner" / "results.json").read_text()), path,
                    delete=True)
    with pytest.raises(ResultsError, match="missing"):
        parse(data)
    assert _errors(data)
