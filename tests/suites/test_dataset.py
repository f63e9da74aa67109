"""Nothing a file says about its problems is believed: optimal lengths, levels, the input text, names, splits."""

import json
from pathlib import Path

import pytest

from bwbench.errors import BwbenchError
from bwbench.suites.dataset import file_split, read_examples
from bwbench.suites.importing import render_input_facts
from bwbench.world.goal import Goal
from bwbench.world.state import State
from bwbench.world.text import render_input

from ..conftest import DATA, reference_optimal, run_cli

# red on blue is the goal: two steps (pick-up red, stack it on blue).
TWO_STEP = {"init": [["red"], ["blue"]], "goal": [["blue", "red"]]}
TWO_STEP_PLAN = "Plan:\nstep 1: pick-up red\nstep 2: stack red on-top-of blue"


def _write(path: Path, *records: dict) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def _one_line_error(r, where: str, message: str) -> None:
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith(f"error: {where}: "), r.stderr
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr


def test_a_wrong_optimal_len_in_predictions_is_refused(tmp_path):
    # Believed, this claim made the optimal plan "valid but not optimal", and put a level-1 problem in L3.
    path = _write(tmp_path / "p.jsonl", {**TWO_STEP, "completion": TWO_STEP_PLAN},
                  {**TWO_STEP, "completion": TWO_STEP_PLAN, "optimal_len": 6})
    _one_line_error(run_cli("score", path, "--json"), f"{path}:2", "claims optimal_len 6, but its optimal plan has 2 steps")


def test_a_dataset_claiming_a_wrong_optimal_len_is_refused_by_eval(tmp_path):
    path = _write(tmp_path / "d_test.jsonl", {**TWO_STEP, "optimal_len": 6, "output": TWO_STEP_PLAN})
    _one_line_error(run_cli("eval", "--model", "planner", "--suite", path, "--out", tmp_path / "run"), f"{path}:1",
                    "claims optimal_len 6, but its optimal plan has 2 steps")


@pytest.mark.parametrize("claim, message", [
    ({"n_optimal_plans": 2}, "claims n_optimal_plans 2, but it has 1 optimal plans"),
    ({"level": 3}, "claims level 3, but its optimal plan has 2 steps (level 1)"),
    ({"n_blocks": 3}, "claims n_blocks 3, but its problem has 2 blocks"),
    ({"optimal_len": "2"}, "optimal_len must be a whole number, not '2'"),
    ({"optimal_len": True}, "optimal_len must be a whole number, not True"),
    ({"level": -1}, "level must be a whole number, not -1"),
])
def test_other_wrong_claims_are_refused(tmp_path, claim, message):
    path = _write(tmp_path / "d.jsonl", {**TWO_STEP, **claim})
    with pytest.raises(BwbenchError) as err:
        list(read_examples(path))
    assert err.value.where == f"{path}:1" and err.value.message == message


def test_the_judge_is_given_the_planners_length_not_the_claim(tmp_path):
    # The same predictions with true claims, and with none, score the same, at the true level.
    plain = _write(tmp_path / "plain.jsonl", {**TWO_STEP, "completion": TWO_STEP_PLAN})
    claims = _write(tmp_path / "claims.jsonl", {**TWO_STEP, "completion": TWO_STEP_PLAN, "optimal_len": 2,
                                                "n_optimal_plans": 1, "level": 1})
    a, b = (run_cli("score", p, "--json") for p in (plain, claims))
    assert a.returncode == b.returncode == 0, (a.stderr, b.stderr)
    da, db = json.loads(a.stdout), json.loads(b.stdout)
    assert da["overall"] == db["overall"] and list(db["by_level"]) == ["L1"]
    assert db["overall"]["count"]["optimal"] == 1


def test_examples_carry_the_planners_optimal_length(tmp_path):
    init = State.of([["a", "c"], ["b"]])
    full = State.of([["a"], ["b", "c"]])
    partial = Goal.from_json(["(clear a)"])  # unstack c and hold it: one step
    path = _write(tmp_path / "d.jsonl",
                  {"init": [list(t) for t in init.sorted_towers()], "goal": [list(t) for t in full.sorted_towers()]},
                  {"init": [list(t) for t in init.sorted_towers()], "goal": partial.to_json(), "optimal_len": 1,
                   "level": 1})
    first, second = read_examples(path)
    assert (first.optimal_len, first.n_optimal) == reference_optimal(init, full) == (2, 1)
    assert (second.optimal_len, second.level) == (1, 1)


def test_the_audit_counts_wrong_claims_instead_of_stopping(tmp_path):
    path = _write(tmp_path / "d_test.jsonl", {**TWO_STEP, "optimal_len": 6}, {**TWO_STEP, "optimal_len": 2},
                  {**TWO_STEP, "level": 3, "n_optimal_plans": 5})
    r = run_cli("audit", path, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["wrong_claims"] == 2 and data["levels"] == {"L1": 3}
    assert data["files"][0]["lines"]["wrong_claims"] == [1, 3]
    assert data["files"][0]["wrong_claims_by_field"] == {"level": 1, "n_optimal_plans": 1, "optimal_len": 1}
    table = run_cli("audit", path)
    assert table.returncode == 0 and "claims a wrong optimal_len" in table.stdout


@pytest.mark.parametrize("text, message", [
    (render_input([["red"], ["blue"]], [["red", "blue"]]),
     "its goal is <blue on red>, but goal is <red on blue>"),
    (render_input([["red", "blue"]], [["blue", "red"]]),
     "its init state is <blue on red>, but init is <blue> <red>"),
    ("Init state:\n<red>\n<blue>\n\nGoal state:\n<red on blue on>", "input: not a tower"),
])
def test_an_input_text_stating_another_problem_is_refused(tmp_path, text, message):
    # The prompt shows the model the input text; the judge uses init and goal: they must be one problem.
    path = _write(tmp_path / "d.jsonl", {**TWO_STEP, "input": text, "output": TWO_STEP_PLAN})
    r = run_cli("eval", "--model", "planner", "--suite", path, "--out", tmp_path / "run")
    _one_line_error(r, f"{path}:1", message)


def test_an_input_with_goal_facts_is_compared_too(tmp_path):
    init = State.of([["a"], ["b", "c"]])
    rec = {"init": [list(t) for t in init.sorted_towers()], "goal": ["(on a c)"]}
    same = render_input_facts(init, Goal.from_json(["(on a c)"]))
    other = render_input_facts(init, Goal.from_json(["(on c a)"]))
    assert len(list(read_examples(_write(tmp_path / "ok.jsonl", {**rec, "input": same})))) == 1
    with pytest.raises(BwbenchError) as err:
        list(read_examples(_write(tmp_path / "bad.jsonl", {**rec, "input": other})))
    assert err.value.where.endswith("bad.jsonl:1") and "its goal is (on c a), but goal is (on a c)" in err.value.message


def test_an_input_in_other_words_is_not_read(tmp_path):
    rec = {**TWO_STEP, "input": "[STATEMENT]\nAs initial conditions I have that the red block is clear ..."}
    assert [ex.optimal_len for ex in read_examples(_write(tmp_path / "d.jsonl", rec))] == [2]


@pytest.mark.parametrize("names, shown", [
    (["red block", "blue"], "'red block'"),
    (["red", "b<1>"], "'b<1>'"),
    (["a.b", "c"], "'a.b'"),
    (["Table", "c"], "'Table' is the table's name"),
    (["Red", "red"], "'Red' and 'red' differ only in case"),
])
def test_block_names_no_plan_can_name_are_refused(tmp_path, names, shown):
    # A name with a space: the planner's own plan cannot be read back, so nothing could be judged.
    path = _write(tmp_path / "d.jsonl", {"init": [[names[0]], [names[1]]], "goal": [[names[1], names[0]]]})
    with pytest.raises(BwbenchError) as err:
        list(read_examples(path))
    assert err.value.where == f"{path}:1" and shown in err.value.message
    r = run_cli("eval", "--model", "planner", "--suite", path, "--out", tmp_path / "run")
    _one_line_error(r, f"{path}:1", shown)


def test_names_a_plan_can_name_are_read(tmp_path):
    path = _write(tmp_path / "d.jsonl", {"init": [["light-blue"], ["b_2"], ["A"]], "goal": [["b_2", "light-blue", "A"]]})
    assert [ex.optimal_len for ex in read_examples(path)] == [4]


@pytest.mark.parametrize("name, split", [
    ("constraints.jsonl", None), ("contest.jsonl", None), ("latest.jsonl", None), ("trains.jsonl", None),
    ("testing.jsonl", None), ("train.jsonl", "train"), ("test.jsonl", "test"), ("blocksworld_train.jsonl", "train"),
    ("blocksworld_L3_test.jsonl", "test"), ("my_validation.jsonl", "validation"),
])
def test_the_split_is_not_a_substring_of_the_name(tmp_path, name, split):
    path = _write(tmp_path / name, TWO_STEP)
    assert file_split(path) == split
    assert [ex.split for ex in read_examples(path)] == [split]


def test_a_records_split_field_comes_first_and_a_manifest_names_its_files(tmp_path):
    assert [ex.split for ex in read_examples(_write(tmp_path / "x_test.jsonl", {**TWO_STEP, "split": "train"}))] == ["train"]
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "manifest.json").write_text(json.dumps({"counts": {"heldout": {}}, "files": {"heldout.jsonl": {}}}))
    assert [ex.split for ex in read_examples(_write(suite / "heldout.jsonl", TWO_STEP))] == ["heldout"]
    assert [ex.split for ex in read_examples(_write(suite / "other.jsonl", TWO_STEP))] == [None]


def test_a_file_called_constraints_is_no_training_set_for_the_audit(tmp_path):
    # Read as "train" (it contains the word), it made every test problem a leak.
    a = _write(tmp_path / "constraints.jsonl", TWO_STEP)
    b = _write(tmp_path / "x_test.jsonl", TWO_STEP)
    r = run_cli("audit", a, b, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["train_test_overlap"] == 0 and [f["split"] for f in data["files"]] == [None, "test"]
    c = _write(tmp_path / "x_train.jsonl", TWO_STEP)
    assert json.loads(run_cli("audit", c, b, "--json").stdout)["train_test_overlap"] == 1


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_auditing_an_empty_file_is_an_error(tmp_path, content):
    path = tmp_path / "empty.jsonl"
    path.write_text(content)
    _one_line_error(run_cli("audit", path), str(path), "no problems")


@pytest.mark.parametrize("suite", [pytest.param(s, marks=pytest.mark.slow) if s == "planbench-hard" else s
                                   for s in sorted(p.name for p in DATA.iterdir() if (p / "manifest.json").is_file())])
def test_every_published_suite_reads_with_its_claims_true(suite):
    man = json.loads((DATA / suite / "manifest.json").read_text())
    for name in man["files"]:
        n = 0
        for ex in read_examples(DATA / suite / name):
            n += 1
            assert ex.split == Path(name).stem
            assert ex.record["optimal_len"] == ex.optimal_len and ex.record["level"] == ex.level
        assert n == man["files"][name]["lines"]


def test_the_seeds_files_read(seed_data):
    for path in sorted(seed_data.glob("*.jsonl")):
        assert all(ex.split == path.stem.rsplit("_", 1)[1] for ex in read_examples(path))
