"""llm-reasoners' Blocksworld plan sets imported as suites, their plans kept as ``source_plan``.

The plan sets are written here as llm-reasoners writes them (``data/split_v1/split_v1_step_4_data.json``: one
JSON list on one line of ``[instance path, plan, length]``, each path as their repository holds PlanBench's
instances, over its two folders ``generated_basic`` and ``generated_basic_3``, whose file names repeat).
"""

import json

from ..conftest import SHARED, need_shared, run_cli

PREFIX = "LLMs-Planning/llm_planning_analysis/instances/blocksworld"


def _instance(n: int, objects: str, init: list[str], goal: list[str]) -> str:
    return (f"\n\n(define (problem BW-rand-{n})\n(:domain blocksworld-4ops)\n(:objects {objects} )\n(:init\n"
            "(handempty)\n" + "\n".join(f"({f})" for f in init) + "\n)\n(:goal\n(and\n"
            + "\n".join(f"({g})" for g in goal) + ")\n)\n)\n\n\n")


# instance-7 of each folder: the same name, different problems
BASIC_7 = _instance(4, "a b c d", ["ontable a", "on b a", "ontable c", "ontable d", "clear b", "clear c", "clear d"],
                    ["on a c", "on d b"])
BASIC3_7 = _instance(3, "a b c", ["ontable a", "on b a", "ontable c", "clear b", "clear c"], ["on a b"])
PLANS = [
    # bwbench's own optimal plan, in PDDL
    [f"{PREFIX}/generated_basic/instance-7.pddl",
     "(unstack b a)\n(put-down b)\n(pick-up a)\n(stack a c)\n(pick-up d)\n(stack d b)\n", 6],
    [f"{PREFIX}/generated_basic_3/instance-7.pddl", "(unstack b a)\n(put-down b)\n(pick-up a)\n(stack a b)\n", 4],
]


def _llm_reasoners(tmp_path, plans=PLANS):
    root = tmp_path / "llm-reasoners"
    for folder, text in (("generated_basic", BASIC_7), ("generated_basic_3", BASIC3_7)):
        d = root / PREFIX / folder
        d.mkdir(parents=True)
        (d / "instance-7.pddl").write_text(text)
    data = root / "examples" / "CoT" / "blocksworld" / "data" / "split_v1"
    data.mkdir(parents=True)
    path = data / "split_v1_step_4_data.json"
    path.write_text(json.dumps(plans))
    return root, path


def test_a_plan_set_imports_over_both_instance_folders_keeping_its_plans(tmp_path):
    root, plan_set = _llm_reasoners(tmp_path)
    out = tmp_path / "rap"
    r = run_cli("import", plan_set, "--out", out)  # paths as written, found from the plan set's folders up
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in (out / "test.jsonl").open()]
    assert [r["id"] for r in records] == ["rap-generated_basic-instance-7", "rap-generated_basic_3-instance-7"]
    assert [r["source"] for r in records] == ["generated_basic/instance-7.pddl", "generated_basic_3/instance-7.pddl"]
    assert records[0]["source_plan"] == ["(unstack b a)", "(put-down b)", "(pick-up a)", "(stack a c)", "(pick-up d)",
                                         "(stack d b)"]
    assert [r["optimal_len"] for r in records] == [6, 4]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["imported"]["plans"]["file"] == plan_set.name and manifest["imported"]["problems"] == 2
    # The instances folder given: the part of each path after instances/ is found under it.
    r = run_cli("import", plan_set, "--instances", root / "LLMs-Planning/llm_planning_analysis/instances",
                "--out", tmp_path / "rap2", "--name", "rap", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "rap2" / "test.jsonl").read_text() == (out / "test.jsonl").read_text()


def test_the_source_plans_are_exact_when_scored_against_the_suite(tmp_path):
    """llm-reasoners' plans, scored as answers to the imported suite, are exact where they are bwbench's gold plan
    (in PDDL against the gold's words)."""
    _, plan_set = _llm_reasoners(tmp_path)
    out = tmp_path / "rap"
    assert run_cli("import", plan_set, "--out", out).returncode == 0
    lines = []
    for record in map(json.loads, (out / "test.jsonl").open()):
        lines.append(json.dumps({**record, "completion": "\n".join(record["source_plan"])}))
    preds = tmp_path / "preds.jsonl"
    preds.write_text("\n".join(lines) + "\n")
    r = run_cli("score", preds, "--json")
    assert r.returncode == 0, r.stderr
    count = json.loads(r.stdout)["overall"]["count"]
    assert count["valid"] == 2 and count["exact"] == 2


def test_bad_plan_sets_are_refused_naming_the_entry(tmp_path):
    bad_plan = [PLANS[0], [PLANS[1][0], "(unstack b a)\n(stack b c)\n", 2]]
    _, plan_set = _llm_reasoners(tmp_path, bad_plan)
    r = run_cli("import", plan_set, "--out", tmp_path / "x")
    assert r.returncode == 2 and "(entry 2)" in r.stderr and "does not solve" in r.stderr
    assert not (tmp_path / "x").exists()
    wrong_length = [[PLANS[1][0], PLANS[1][1], 6]]
    _, plan_set = _llm_reasoners(tmp_path / "b", wrong_length)
    r = run_cli("import", plan_set, "--out", tmp_path / "x")
    assert r.returncode == 2 and "(entry 1)" in r.stderr and "says its plan has 6 steps; it has 4" in r.stderr
    _, plan_set = _llm_reasoners(tmp_path / "c", [PLANS[0], PLANS[0]])
    r = run_cli("import", plan_set, "--out", tmp_path / "x")
    assert r.returncode == 2 and "lists generated_basic/instance-7.pddl again" in r.stderr
    _, plan_set = _llm_reasoners(tmp_path / "d", [[f"{PREFIX}/generated_basic/instance-99.pddl", "", 0]])
    r = run_cli("import", plan_set, "--instances", tmp_path, "--out", tmp_path / "x")
    assert r.returncode == 2 and "no instance" in r.stderr and "--instances" in r.stderr
    r = run_cli("import", tmp_path / "d", "--instances", tmp_path, "--out", tmp_path / "x")
    assert r.returncode == 2 and "--instances" in r.stderr and "llm-reasoners plan set" in r.stderr


def test_a_plan_set_over_planbenchs_own_instances(tmp_path):
    instances = need_shared(SHARED / "planbench-reference" / "instances")
    info = json.loads((instances / "blocksworld" / "info.json").read_text())
    plans = [[f"{PREFIX}/generated_basic/instance-{n}.pddl", info[f"instance-{n}.pddl"]["plan"] + "\n",
              info[f"instance-{n}.pddl"]["length"]] for n in (2, 12)]
    path = tmp_path / "step_4.json"
    path.write_text(json.dumps(plans))
    r = run_cli("import", path, "--instances", instances, "--out", tmp_path / "s")
    assert r.returncode == 0, r.stderr
    assert sum(1 for _ in (tmp_path / "s" / "test.jsonl").open()) == 2
