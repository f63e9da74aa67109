"""ACPBench's items, written as its dataset files are (``dataset/<task>/dev.gen.json``: a JSON list of objects with
``id``, ``group``, ``context``, ``question``, ``answer``, ``PDDL_domain`` and ``PDDL_problem``): read, and refused for
import where they ask a question of a task bwbench has not built, the error naming the kind."""

import gzip
import json

from bwbench.interop.acpbench import read_items
from bwbench.world.state import State

from ..conftest import ROOT, run_cli

DOMAIN = (ROOT / "domains" / "blocksworld.pddl").read_text()
FERRY = "(define (domain ferry)\n (:requirements :strips)\n (:predicates (at-ferry ?l) (empty-ferry))\n" \
        " (:action sail :parameters (?from ?to) :precondition (at-ferry ?from)\n" \
        "  :effect (and (at-ferry ?to) (not (at-ferry ?from)))))"
PROBLEM = "(define (problem bw-3)\n    (:domain blocksworld)\n    (:objects b1 b2 b3)\n" \
          "    (:init (arm-empty) (clear b1) (clear b3) (on b1 b2) (on-table b2) (on-table b3))\n" \
          "    (:goal (and (on b2 b3)))\n)"


def _items(groups):
    items = []
    for i, (group, domain) in enumerate(groups):
        items.append({"id": 1000 + i, "group": group,
                      "context": "This is a blocksworld domain where blocks can be placed on top of each other or on "
                                 "the table. Currently, b1 is on b2, b2 and b3 are on the table.",
                      "question": "What is the first inapplicable action in the next sequence of actions: "
                                  "\"(unstack b1 b2) (stack b2 b3)\"?", "answer": 1,
                      "PDDL_domain": domain, "PDDL_problem": PROBLEM})
    return items


def test_the_blocksworld_items_are_read_with_their_problems(tmp_path):
    path = tmp_path / "dev.gen.json"
    path.write_text(json.dumps(_items([("validation_gen", DOMAIN), ("applicable_actions_gen", FERRY),
                                       ("progression_gen", DOMAIN)]), indent=2))
    items = read_items(path)
    assert [(i.id, i.kind) for i in items] == [("1000", "validation"), ("1002", "progression")]  # not the ferry's
    assert items[0].init == State.of([("b2", "b1"), ("b3",)]) and items[0].answer == 1
    assert items[0].task == "plan validation (val)"
    gz = tmp_path / "test.gen.json.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    assert [i.id for i in read_items(gz)] == ["1000", "1002"]


def test_importing_an_item_of_another_task_names_its_kind(tmp_path):
    path = tmp_path / "dev.gen.json"
    path.write_text(json.dumps(_items([("validation_gen", DOMAIN)]), indent=2))
    r = run_cli("import", path, "--out", tmp_path / "acp")
    assert r.returncode == 2 and "(item 1)" in r.stderr, r.stderr
    assert "validation_gen item asks a question of plan validation (val), a task bwbench has not built yet" in r.stderr
    assert not (tmp_path / "acp").exists()
    bool_item = [{"id": 1, "group": "applicable_actions_bool", "context": "...", "question": "Is ...?", "answer": "yes"}]
    path.write_text(json.dumps(bool_item))
    r = run_cli("import", path, "--out", tmp_path / "acp")
    assert r.returncode == 2 and "holds no PDDL" in r.stderr, r.stderr


def test_plan_generation_items_would_import_as_problems(tmp_path):
    """ACPBench asks no plan-generation question today; an item that did (its group starting plan_generation) would
    import as its embedded problem, solved optimally like any other."""
    path = tmp_path / "plan.gen.json"
    path.write_text(json.dumps(_items([("plan_generation_gen", DOMAIN)])))
    r = run_cli("import", path, "--out", tmp_path / "acp")
    assert r.returncode == 0, r.stderr
    (record,) = [json.loads(line) for line in (tmp_path / "acp" / "test.jsonl").open()]
    assert record["source"] == "plan.gen.json#1000" and record["optimal_len"] == 4  # b1 away, b2 onto b3
