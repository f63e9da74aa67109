"""PlanBench's task-1 prompts: every published query re-rendered byte for byte, and bwbench problems worded its way."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from bwbench.tasks import planbench as pbp
from bwbench.world import planbench as pp
from bwbench.world.pddl import read_problem_fast
from bwbench.world.state import Action, Op, State
from bwbench.world.vocab import IPC

from ..conftest import SHARED, need_shared

REF = SHARED / "planbench-reference"
RESULTS = sorted(REF.glob("results/*/*/task_1_plan_generation*.json")) if REF.is_dir() else []

# PlanBench's 2023 gpt-4_chat Blocksworld runs in words were made with an older wording of the rules.
# They are checked against exactly these differences (see _old_wording), not imitated by the module.
LAST_RULE = "Once you stack a block on top of a second block, the second block is no longer clear."
OLD_WORDING = {
    # the last rule ends with a space, and the query ends with an extra newline
    "blocksworld/gpt-4_chat/task_1_plan_generation_zero_shot.json": (LAST_RULE + "\n", LAST_RULE + " \n"),
    # the last rule is missing, and the query ends with an extra newline (after "[PLAN]")
    "blocksworld/gpt-4_chat/task_1_plan_generation.json": (LAST_RULE + "\n", ""),
}
# In that one-shot file, the query of instance 12 (whose llm_raw_response is empty) goes on after its old-wording
# prompt with a pasted model answer: text starting with this line, then plans. Checked as exactly that.
PASTED = {("blocksworld/gpt-4_chat/task_1_plan_generation.json", 12): "--------- GPT4 response ---------\n"}


def _shared() -> Path:
    return need_shared(REF)


@functools.cache
def _config(name: str) -> pp.PlanBenchConfig:
    return pp.read_config(REF / "configs" / f"{name}.yaml")


@functools.cache
def _gold_plans() -> dict[int, tuple[Action, ...]]:
    """Fast Downward's plans for the Blocksworld instances (instances/blocksworld/info.json), IPC names."""
    info = json.loads((REF / "instances" / "blocksworld" / "info.json").read_text())
    return {int(name.removeprefix("instance-").removesuffix(".pddl")): IPC.read_plan(v["plan"].splitlines())
            for name, v in info.items()}


def _read(text: str, config: pp.PlanBenchConfig) -> pp.PlanBenchProblem:
    """A PlanBench instance file, read by bwbench's PDDL reader, as the prompts take it."""
    read = read_problem_fast(text, config.vocabulary)
    return pp.PlanBenchProblem(read.objects, read.init_facts, read.goal_facts)


@functools.cache
def _instance(config_name: str, number: int) -> pp.PlanBenchProblem:
    """Instance ``number`` of a config's instance_dir, with its gold plan (Mystery's are Blocksworld's, renamed)."""
    config = _config(config_name)
    problem = _read((REF / "instances" / config.instance_dir / f"instance-{number}.pddl").read_text(), config)
    return pp.PlanBenchProblem(problem.objects, problem.init, problem.goal, _gold_plans().get(number, ()))


def _old_wording(rendered: str, config: pp.PlanBenchConfig, rule: tuple[str, str]) -> str:
    """The rendered prompt with the older rules' wording and the extra final newline of OLD_WORDING."""
    assert rendered.startswith(config.intro) and config.intro.endswith(rule[0])
    return config.intro[: -len(rule[0])] + rule[1] + rendered[len(config.intro):] + "\n"


def _results_key(path: Path) -> str:
    return path.relative_to(REF / "results").as_posix()


# --------------------------------------------------------------------------- #
# The published queries


def test_the_results_files_are_the_45_expected():
    _shared()
    assert len(RESULTS) == 45
    # Results exist for blocksworld and mystery_blocksworld only (none for blocksworld_3 or blocksworld_hard).
    assert {p.parent.parent.name for p in RESULTS} == {"blocksworld", "mystery_blocksworld"}
    assert set(OLD_WORDING) | {key for key, _ in PASTED} <= {_results_key(p) for p in RESULTS}


@pytest.mark.parametrize("path", RESULTS or [None], ids=lambda p: _results_key(p) if p else "no-shared")
def test_every_published_query_is_rendered_byte_for_byte(path):
    _shared()
    data = json.loads(path.read_text())
    domain = path.parent.parent.name
    # The `domain` field names the config (older files add "_zero_shot"); its instance_dir holds the instances.
    assert data["domain"].removesuffix("_zero_shot") == domain
    config = _config(domain)
    assert config.instance_dir == {"blocksworld": "blocksworld/generated_basic",
                                   "mystery_blocksworld": "blocksworld/mystery/generated_basic"}[domain]
    pddl = path.name.endswith("_pddl.json")
    oneshot = "zero_shot" not in path.name
    assert data["prompt_type"] == ("oneshot" if oneshot else "zeroshot")
    old = OLD_WORDING.get(_results_key(path))
    ids = []
    for entry in data["instances"]:
        number = entry["instance_id"]
        ids.append(number)
        example = None
        if oneshot:
            # The one-shot example: a list in newer files, a number in the older gpt-4_chat ones.
            chosen = entry.get("example_instance_ids", entry.get("example_instance_id"))
            assert chosen in ([pbp.oneshot_example_id(number)], pbp.oneshot_example_id(number))
            example = _instance(domain, pbp.oneshot_example_id(number))
        else:
            assert "example_instance_ids" not in entry and "example_instance_id" not in entry
        rendered = pbp.render_prompt(_instance(domain, number), config, example=example, pddl=pddl)
        query = entry["query"]
        if (_results_key(path), number) in PASTED:
            assert entry["llm_raw_response"] == ""
            marker = PASTED[_results_key(path), number]
            query = query[: query.index(marker)]
            assert entry["query"][len(query):].startswith(marker)
        if old is None:
            assert rendered == query, f"instance {number}"
        else:
            assert rendered != query and _old_wording(rendered, config, old) == query, f"instance {number}"
    assert sorted(ids) == list(range(2, 502) if oneshot else range(1, 501))


def test_one_shot_example_is_the_instance_before():
    assert [pbp.oneshot_example_id(i) for i in (2, 3, 501)] == [1, 2, 500]
    with pytest.raises(ValueError, match="no one-shot example"):
        pbp.oneshot_example_id(1)
    assert pbp.oneshot_example_id(6, first=5) == 5


# --------------------------------------------------------------------------- #
# The reference instances, configs and plans


@pytest.mark.parametrize("name", ["blocksworld", "mystery_blocksworld", "blocksworld_3", "mystery_blocksworld_3"])
def test_configs_read_as_the_builtin_settings(name):
    _shared()
    config = _config(name)
    builtin = pp.MYSTERY if name.startswith("mystery") else pp.BLOCKSWORLD
    assert config.name == name and config.instance_dir.endswith(("generated_basic", "generated_basic_3"))
    assert config.intro == builtin.intro
    assert config.vocabulary.to_json() == {**builtin.vocabulary.to_json(), "name": name}
    assert (config.object_template, config.pddl_domain, config.problem_prefix) == (
        builtin.object_template, builtin.pddl_domain, builtin.problem_prefix)


def test_a_config_missing_a_required_key_names_it():
    _shared()
    with pytest.raises(ValueError, match="missing 'domain_intro'"):
        pp.read_config(REF / "configs" / "blocksworld_hard.yaml")


@pytest.mark.parametrize("config", [pp.BLOCKSWORLD, pp.MYSTERY], ids=lambda c: c.name)
def test_domain_and_problem_files_are_written_as_planbench_ships_them(config):
    _shared()
    folder = REF / "instances" / config.instance_dir
    assert pp.domain_pddl(config) == (folder.parent / "generated_domain.pddl").read_text().strip()
    for number in range(1, 502):
        text = (folder / f"instance-{number}.pddl").read_text()
        assert pp.problem_pddl(_read(text, config), config) == text.strip(), f"instance {number}"
    small = "blocksworld/generated_basic_3" if config is pp.BLOCKSWORLD else "blocksworld/mystery/generated_basic_3"
    for number in range(1, 101):
        text = (REF / "instances" / small / f"instance-{number}.pddl").read_text()
        assert pp.problem_pddl(_read(text, config), config) == text.strip(), f"3-block instance {number}"


def _state(problem: pp.PlanBenchProblem) -> State:
    below = {f[1]: f[2] for f in problem.init if f[0] == "on"}
    towers = []
    for bottom in sorted(f[1] for f in problem.init if f[0] == "on-table"):
        tower = [bottom]
        while (above := next((b for b, u in below.items() if u == tower[-1]), None)) is not None:
            tower.append(above)
        towers.append(tower)
    return State.of(towers)


def test_instances_plans_and_their_mystery_twins():
    """Mystery instance N is Blocksworld instance N renamed; each gold plan solves it; no goal holds at the start."""
    _shared()
    gold = json.loads((REF / "results/blocksworld/claude-3-opus/task_1_plan_generation_zero_shot.json").read_text())
    assert {e["instance_id"]: IPC.read_plan(e["ground_truth_plan"].splitlines()) for e in gold["instances"]} == {
        n: p for n, p in _gold_plans().items() if n <= 500}
    for number in range(1, 502):
        problem = _instance("blocksworld", number)
        assert _instance("mystery_blocksworld", number) == problem
        assert problem.goal and not problem.goal <= problem.init, f"instance {number}: goal already true at the start"
        assert {f[0] for f in problem.goal} == {"on"}  # PlanBench's goals are partial: a few `on` facts
        state = _state(problem)
        assert state.facts() == problem.init
        for action in problem.plan:
            state = state.apply(action)
        assert problem.goal <= state.facts(), f"instance {number}"


def test_the_small_reader_agrees_with_unified_planning():
    _shared()
    from unified_planning.io import PDDLReader

    folder = REF / "instances" / "blocksworld"
    reader = PDDLReader()
    roles = {name: role for role, name in IPC.predicates.items()}

    def facts(expressions):
        out = set()
        for e in expressions:
            out.add((roles[e.fluent().name], *(str(a) for a in e.args)))
        return frozenset(out)

    for number in range(1, 502, 50):
        up = reader.parse_problem(str(folder / "generated_domain.pddl"),
                                  str(folder / "generated_basic" / f"instance-{number}.pddl"))
        ours = _instance("blocksworld", number)
        assert facts(k for k, v in up.explicit_initial_values.items() if v.bool_constant_value()) == ours.init
        goals = [a for g in up.goals for a in (g.args if g.is_and() else [g])]
        assert facts(goals) == ours.goal
        assert tuple(o.name for o in up.all_objects) == ours.objects


# --------------------------------------------------------------------------- #
# bwbench's own problems, worded PlanBench's way (expectations from the rules, no shared files needed)

# blue on red, green alone → green on blue, red on green
INIT, GOAL = State.of([("red", "blue"), ("green",)]), State.of([("blue", "green", "red")])


def test_a_colour_problem_in_blocksworld_words_zero_shot():
    problem = pp.problem_of(INIT, GOAL)
    assert problem.objects == ("blue", "green", "red")
    config = pp.with_object_words(pp.BLOCKSWORLD, problem.objects)
    # Sorted by "<predicate> <objects>":
    # clear blue < clear green < handempty < on blue red < ontable green < ontable red;
    # the goal: on green blue < on red green < ontable blue.
    assert pbp.render_prompt(problem, config) == (
        pp.BLOCKSWORLD_INTRO
        + "\n[STATEMENT]\nAs initial conditions I have that, the blue block is clear, the green block is clear, "
        "the hand is empty, the blue block is on top of the red block, the green block is on the table and "
        "the red block is on the table.\nMy goal is to have that the green block is on top of the blue block, "
        "the red block is on top of the green block and the blue block is on the table.\n\n"
        "What is the plan to achieve my goal? Just give the actions in the plan."
    )


def test_a_colour_problem_in_mystery_words_sorts_by_mystery_names():
    problem = pp.problem_of(INIT, GOAL)
    text = pbp.render_prompt(problem, pp.with_object_words(pp.MYSTERY, problem.objects))
    assert text.startswith(pp.MYSTERY_INTRO + "\n[STATEMENT]\n")
    # craves < harmony < planet < province; the goal: craves green blue < craves red green < planet blue.
    assert ("As initial conditions I have that, object blue craves object red, harmony, planet object green, "
            "planet object red, province object blue and province object green.\n"
            "My goal is to have that object green craves object blue, object red craves object green "
            "and planet object blue.\n\n") in text


def test_a_colour_problem_one_shot_and_in_pddl():
    example = pp.problem_of(State.of([("red",), ("green",), ("blue",)]), State.of([("red", "blue"), ("green",)]),
                             (Action(Op.PICK_UP, "blue"), Action(Op.STACK, "blue", "red")))
    problem = pp.problem_of(INIT, GOAL)
    config = pp.with_object_words(pp.BLOCKSWORLD, problem.objects)
    text = pbp.render_prompt(problem, config, example=example)
    assert text.count("[STATEMENT]") == 2 and text.endswith("My plan is as follows:\n\n[PLAN]")
    assert ("\n\nMy plan is as follows:\n\n[PLAN]\npick up the blue block\n"
            "stack the blue block on top of the red block\n[PLAN END]\n\n[STATEMENT]\n") in text
    # The generator's file order: hand, each object's position, then clear, objects in order; the goal by object.
    problem_file = ("(define (problem BW-rand-3)\n(:domain blocksworld-4ops)\n(:objects blue green red )\n(:init\n"
                    "(handempty)\n(on blue red)\n(ontable green)\n(ontable red)\n(clear blue)\n(clear green)\n)\n"
                    "(:goal\n(and\n(ontable blue)\n(on green blue)\n(on red green))\n)\n)")
    assert pp.problem_pddl(problem, config) == problem_file
    assert pbp.render_prompt(problem, config, pddl=True).endswith(f"[QUERY PROBLEM]\n{problem_file}\n\n\n")
    one_shot = pbp.render_prompt(problem, config, example=example, pddl=True)
    assert "\n\n[PLAN]\n(pick-up blue)\n(stack blue red)\n[PLAN_END]\n\n[QUERY PROBLEM]\n" in one_shot


def test_input_order_does_not_matter_and_objects_need_words():
    problem = pp.problem_of(INIT, GOAL)
    shuffled = pp.PlanBenchProblem(problem.objects, list(reversed(sorted(problem.init))), sorted(problem.goal))
    config = pp.with_object_words(pp.BLOCKSWORLD, problem.objects)
    assert pbp.render_prompt(shuffled, config) == pbp.render_prompt(problem, config)
    with pytest.raises(ValueError, match="no words for object 'blue'"):
        pbp.render_prompt(problem, pp.BLOCKSWORLD)
    with pytest.raises(ValueError, match="hand empty"):
        pp.problem_of(State.of([("red",)], holding="blue"), GOAL)


def test_a_config_without_encoded_objects_raises(tmp_path):
    config = tmp_path / "bw.yaml"
    config.write_text(
        "domain_name: tiny\ndomain_intro: |\n   Rules.\n"
        'actions: {pick-up: "pick up the {}", put-down: "put down the {}", stack: "stack the {} on the {}", '
        'unstack: "unstack the {} from the {}"}\n'
        'predicates: {ontable: "the {} is on the table", clear: "the {} is clear", handempty: "the hand is empty", '
        'holding: "the hand holds {}", "on": "the {} is on the {}"}\n'
    )
    with pytest.raises(ValueError, match="missing 'encoded_objects'"):
        pp.read_config(config)
    config.write_text(config.read_text() + 'encoded_objects: {"a": "red block"}\n')
    read = pp.read_config(config)
    assert read.intro == "Rules.\n" and read.vocabulary.objects == {"a": "red block"}
    assert read.vocabulary.action_words[Op.STACK] == "stack the {} on the {}"
