"""Reading what real models wrote: PlanBench's published answers (``../shared/planbench-reference``).

Each instance holds the model's text (``llm_raw_response``) and PlanBench's own reading of it
(``extracted_llm_plan``, PDDL actions over the letters ``a``, ``b``, ...). The tolerant reader,
given the domain's vocabulary, must agree with that reading on the clear majority, and where they
differ PlanBench's reading is mostly wrong in known ways: it reads the plan again from an
explanation or a summary, or reads on past ``[PLAN END]``; it drops a step whose line names a
block twice or once too few; it reads nothing where the objects are not worded "object x".
Skipped where the shared files are absent, as with ``seed-reference/``.
"""

from __future__ import annotations

import functools
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwbench.judging.parse import parse_completion
from bwbench.world.state import TABLE, Action, Op
from bwbench.world.text import NLStep
from bwbench.world.vocab import IPC, Vocabulary

from ..conftest import SHARED, need_shared

REFERENCE = SHARED / "planbench-reference"
RESULTS = REFERENCE / "results"



@pytest.fixture(autouse=True)
def _results_beside():
    need_shared(RESULTS)

# Mystery Blocksworld is Blocksworld renamed (the reference README): its action names, and the IPC names.
MYSTERY_ACTIONS = {Op.PICK_UP: "attack", Op.PUT_DOWN: "succumb", Op.STACK: "overcome", Op.UNSTACK: "feast"}
MYSTERY_PREDICATES = {"on": "craves", "on-table": "planet", "clear": "province", "arm-empty": "harmony",
                      "holding": "pain"}
OPS = {**{name: op for op, name in MYSTERY_ACTIONS.items()}, **{name: op for op, name in IPC.actions.items()}}


@functools.lru_cache(maxsize=None)
def vocabulary(domain: str) -> Vocabulary:
    """The vocabulary of a PlanBench domain, from its config: ``encoded_objects`` and the action templates."""
    yaml = pytest.importorskip("yaml")
    config = yaml.safe_load((REFERENCE / "configs" / f"{domain}.yaml").read_text())
    names = MYSTERY_ACTIONS if domain.startswith("mystery") else dict(IPC.actions)
    predicates = MYSTERY_PREDICATES if domain.startswith("mystery") else dict(IPC.predicates)
    return Vocabulary(domain, names, predicates, dict(config["encoded_objects"]),
                      {op: config["actions"][names[op]] for op in Op})


def files() -> list[str]:
    return sorted(str(p.relative_to(RESULTS)) for p in RESULTS.glob("*/*/task_1_plan_generation*.json"))


@functools.lru_cache(maxsize=None)
def answered(name: str) -> tuple[dict, ...]:
    """The instances of one results file that hold a response."""
    return tuple(i for i in json.loads((RESULTS / name).read_text())["instances"] if i.get("llm_raw_response"))


def instance(name: str, instance_id: int) -> dict:
    return next(i for i in answered(name) if i["instance_id"] == instance_id)


def planbench(extracted) -> tuple[tuple, ...]:
    """PlanBench's reading as (operator, objects...); lines that are no action ("no plan possible") are dropped."""
    out = []
    for line in (extracted if isinstance(extracted, list) else (extracted or "").split("\n")):
        words = line.strip().strip("()").split()
        if words and words[0].lower() in OPS:
            out.append((OPS[words[0].lower()], *(w.replace("object_", "") for w in words[1:])))
    return tuple(out)


def ours(steps) -> tuple[tuple, ...]:
    """Our reading in the same terms: a two-verb step as the operator PlanBench's reader gives its words."""
    out = []
    for s in steps:
        if isinstance(s, NLStep):
            out.append((Op.PICK_UP, s.block) if s.verb == "pick-up" else
                       (Op.PUT_DOWN, s.block) if s.dest == TABLE else (Op.STACK, s.block, s.dest))
        else:
            out.append((s.op, s.block) + (() if s.target is None else (s.target,)))
    return tuple(out)


@functools.lru_cache(maxsize=None)
def readings(name: str) -> tuple[tuple[int, tuple, tuple], ...]:
    """(instance id, our reading, PlanBench's reading) for each answered instance of a file."""
    vocab = vocabulary(name.split("/")[0])
    return tuple((i["instance_id"], ours(parse_completion(i["llm_raw_response"], vocab=vocab).steps),
                  planbench(i.get("extracted_llm_plan"))) for i in answered(name))


def explained(mine: tuple, theirs: tuple) -> bool:
    """Whether PlanBench's reading differs from ours in one of its known ways."""
    if mine and theirs[:len(mine)] == mine:
        return True  # it read the plan again (a summary, an explanation) or read on past [PLAN END]
    if mine and not theirs:
        return True  # it read nothing: objects not worded "object x", or its extraction failed
    rest = iter(mine)
    return bool(theirs) and all(step in rest for step in theirs)  # it dropped lines it could not read


# Agreement with PlanBench's reading, per file, at least. Where the figure is low PlanBench's reading is
# the one at fault (see test_where_we_differ_planbench_misreads and the instances below): gpt-4o and
# claude-3-opus one-shot files are read twice or past [PLAN END]; Mystery zero-shot files are read as
# nothing when objects are written "a" rather than "object a"; qwen-qwq's plan precedes [PLAN END] and
# PlanBench's translator took a later problem's; o1-preview's reasoning holds several plans.
AGREEMENT = {
    "blocksworld/claude-3-opus/task_1_plan_generation.json": 0.85,
    "blocksworld/claude-3-opus/task_1_plan_generation_zero_shot.json": 0.90,
    "blocksworld/claude-3.5-sonnet_aws/task_1_plan_generation.json": 0.95,
    "blocksworld/claude-3.5-sonnet_aws/task_1_plan_generation_zero_shot.json": 0.85,
    "blocksworld/gemini-1.5-flash/task_1_plan_generation.json": 0.95,
    "blocksworld/gemini-1.5-flash/task_1_plan_generation_zero_shot.json": 0.75,
    "blocksworld/gemini-pro/task_1_plan_generation.json": 0.95,
    "blocksworld/gemini-pro/task_1_plan_generation_zero_shot.json": 0.90,
    "blocksworld/gpt-3.5-turbo-instruct/task_1_plan_generation.json": 0.95,
    "blocksworld/gpt-4-turbo_chat/task_1_plan_generation.json": 0.85,
    "blocksworld/gpt-4-turbo_chat/task_1_plan_generation_zero_shot.json": 0.55,
    "blocksworld/gpt-4_chat/task_1_plan_generation.json": 0.85,
    "blocksworld/gpt-4_chat/task_1_plan_generation_pddl.json": 0.95,
    "blocksworld/gpt-4_chat/task_1_plan_generation_zero_shot.json": 0.80,
    "blocksworld/gpt-4_chat/task_1_plan_generation_zero_shot_pddl.json": 0.90,
    "blocksworld/gpt-4o_chat/task_1_plan_generation.json": 0.40,
    "blocksworld/gpt-4o_chat/task_1_plan_generation_zero_shot.json": 0.80,
    "blocksworld/llama-3.1-405b_aws/task_1_plan_generation.json": 0.80,
    "blocksworld/llama-3.1-405b_aws/task_1_plan_generation_zero_shot.json": 0.85,
    "blocksworld/o1-preview_chat/task_1_plan_generation_zero_shot.json": 0.95,
    "blocksworld/qwen-qwq/task_1_plan_generation.json": 0.65,
    "mystery_blocksworld/claude-3-opus/task_1_plan_generation.json": 0.40,
    "mystery_blocksworld/claude-3-opus/task_1_plan_generation_zero_shot.json": 0.95,
    "mystery_blocksworld/claude-3.5-sonnet_aws/task_1_plan_generation.json": 0.85,
    "mystery_blocksworld/claude-3.5-sonnet_aws/task_1_plan_generation_zero_shot.json": 0.90,
    "mystery_blocksworld/gemini-pro/task_1_plan_generation.json": 0.95,
    "mystery_blocksworld/gemini-pro/task_1_plan_generation_zero_shot.json": 0.20,
    "mystery_blocksworld/gpt-3.5-turbo-instruct/task_1_plan_generation.json": 0.95,
    "mystery_blocksworld/gpt-4-turbo_chat/task_1_plan_generation.json": 0.30,
    "mystery_blocksworld/gpt-4-turbo_chat/task_1_plan_generation_zero_shot.json": 0.45,
    "mystery_blocksworld/gpt-4_chat/task_1_plan_generation.json": 0.95,
    "mystery_blocksworld/gpt-4_chat/task_1_plan_generation_pddl.json": 0.95,
    "mystery_blocksworld/gpt-4_chat/task_1_plan_generation_zero_shot.json": 0.95,
    "mystery_blocksworld/gpt-4_chat/task_1_plan_generation_zero_shot_pddl.json": 0.90,
    "mystery_blocksworld/gpt-4o_chat/task_1_plan_generation.json": 0.40,
    "mystery_blocksworld/gpt-4o_chat/task_1_plan_generation_zero_shot.json": 0.95,
    "mystery_blocksworld/llama-3.1-405b_aws/task_1_plan_generation.json": 0.90,
    "mystery_blocksworld/llama-3.1-405b_aws/task_1_plan_generation_zero_shot.json": 0.95,
    "mystery_blocksworld/o1-preview_chat/task_1_plan_generation.json": 0.60,
    "mystery_blocksworld/o1-preview_chat/task_1_plan_generation_zero_shot.json": 0.80,
    "mystery_blocksworld/o1-preview_chat/task_1_plan_generation_zero_shot_run1.json": 0.80,
    "mystery_blocksworld/o1-preview_chat/task_1_plan_generation_zero_shot_run2.json": 0.75,
    "mystery_blocksworld/o1-preview_chat/task_1_plan_generation_zero_shot_run_1.json": 0.10,
}


@pytest.mark.parametrize("name", sorted(AGREEMENT))
def test_agreement_with_planbench_per_file(name):
    need_shared(RESULTS / name)
    rows = readings(name)
    agree = sum(mine == theirs for _, mine, theirs in rows) / len(rows)
    assert agree >= AGREEMENT[name], f"{name}: {agree:.1%} agree with PlanBench's reading"


def test_agreement_with_planbench_overall():
    rows = [row for name in files() for row in readings(name)]
    assert len(rows) > 20_000
    agree = sum(mine == theirs for _, mine, theirs in rows) / len(rows)
    assert agree >= 0.80, f"{agree:.1%} of {len(rows)} answers read as PlanBench reads them"


def test_where_we_differ_planbench_misreads():
    """Nearly every disagreement is one of PlanBench's known misreadings, in every file with enough answers."""
    total = unexplained = 0
    for name in files():
        rows = readings(name)
        bad = [iid for iid, mine, theirs in rows if mine != theirs and not explained(mine, theirs)]
        total, unexplained = total + len(rows), unexplained + len(bad)
        if len(rows) >= 100:
            assert len(bad) / len(rows) <= 0.25, f"{name}: {len(bad)} unexplained, e.g. {bad[:10]}"
    assert unexplained / total <= 0.05, f"{unexplained} of {total} disagreements unexplained"


def plan(text: str) -> tuple[tuple, ...]:
    """``"(unstack c b) (put-down c)"`` in the terms of :func:`ours`."""
    return planbench([f"({a.strip(' ()')})" for a in text.split(")") if a.strip()])


@pytest.mark.parametrize("name, instance_id, expected, why", [
    # PlanBench's own wording; the prompt ended with [PLAN], so the answer ends with [PLAN END].
    ("blocksworld/gemini-pro/task_1_plan_generation.json", 70,
     "(unstack c b) (put-down c) (unstack b a) (stack b d) (pick-up c) (stack c d)", "PlanBench's wording"),
    # [PLAN] ... [PLAN END], then an explanation naming the actions again (PlanBench reads 4 steps).
    ("mystery_blocksworld/claude-3-opus/task_1_plan_generation.json", 70,
     "(attack d) (overcome c d)", "the marked plan only"),
    # Bold steps: "1. **Unstack red block from blue block**".
    ("blocksworld/gemini-1.5-flash/task_1_plan_generation_zero_shot.json", 69,
     "(unstack a b) (put-down a) (unstack b d) (put-down b) (pick-up c) (stack b c) (pick-up a) (stack a d)",
     "markdown"),
    # Actions followed by explanations in parentheses, each with the blocks named again (PlanBench drops 4 steps).
    ("blocksworld/gpt-4-turbo_chat/task_1_plan_generation_zero_shot.json", 23,
     "(unstack a d) (put-down a) (unstack d c) (put-down d) (pick-up b) (stack b c) (pick-up d) (stack d a)",
     "an explanation after the action"),
    # Mystery steps with preconditions and effects under each, then a summary of the same steps.
    ("mystery_blocksworld/o1-preview_chat/task_1_plan_generation_zero_shot.json", 69,
     "(feast a b) (succumb a) (feast b d) (succumb b) (attack b) (overcome b c) (attack a) (overcome a d)",
     "explained, then summed up"),
    # An explanation, a summary as calls (Unstack(Red, Blue)), then "Plan:" again: one plan, read once.
    ("blocksworld/o1-preview_chat/task_1_plan_generation_zero_shot.json", 69,
     "(unstack a b) (put-down a) (unstack b d) (stack b c) (pick-up a) (stack a d)", "three times the same plan"),
    # "### Plan:", "### Detailed Steps:", "### Final Plan:": the same plan thrice (PlanBench reads 24 steps).
    ("blocksworld/gpt-4o_chat/task_1_plan_generation.json", 347,
     "(unstack b a) (put-down b) (unstack a d) (put-down a) (pick-up c) (stack c d) (pick-up a) (stack a b)",
     "repeated under headers"),
    # Headings that are actions with the steps under them: "1. **Unstack the orange block ...:**" then
    # "   - Unstack the orange block ..." and "   - Put down the orange block ...".
    ("blocksworld/gpt-4o_chat/task_1_plan_generation.json", 211,
     "(unstack c b) (put-down c) (unstack b d) (put-down b) (unstack a c) (put-down a) (pick-up c) (stack c a) "
     "(pick-up d) (stack d b)", "steps under a heading"),
    # Numbered PDDL, then "In PDDL syntax: (plan (unstack a b) ...)" (PlanBench reads 12 steps).
    ("blocksworld/gpt-4_chat/task_1_plan_generation_zero_shot_pddl.json", 69,
     "(unstack a b) (put-down a) (unstack b d) (stack b c) (pick-up a) (stack a d)", "PDDL, twice"),
    ("blocksworld/gpt-4_chat/task_1_plan_generation_pddl.json", 70,
     "(pick-up d) (stack d c) (unstack c b) (stack c d)", "PDDL in [QUERY_PLAN] markers"),
    ("mystery_blocksworld/gpt-4_chat/task_1_plan_generation_zero_shot_pddl.json", 69,
     "(feast a b) (overcome b d) (succumb a) (attack c) (overcome a c) (succumb b) (attack d) (overcome b c)",
     "Mystery PDDL"),
    # Mystery calls, a summary ("- Perform **Feast(c, a)**") and an answer list: one plan.
    ("mystery_blocksworld/o1-preview_chat/task_1_plan_generation_zero_shot.json", 35,
     "(feast c a) (succumb c) (feast a d) (succumb a) (feast d b) (overcome d c)", "calls"),
    # The plan, [PLAN END], then the model poses and solves more problems (PlanBench's translator read none).
    ("blocksworld/qwen-qwq/task_1_plan_generation.json", 70,
     "(unstack c b) (put-down c) (unstack b a) (stack b d) (pick-up c) (stack c d)", "long generation"),
    # A critique of a plan, then "A correct plan to achieve the goal might be:" (PlanBench reads both).
    ("mystery_blocksworld/claude-3.5-sonnet_aws/task_1_plan_generation.json", 95,
     "(feast b d) (succumb b) (attack c) (overcome c d)", "reasoning, then the plan settled on"),
    # "2. Succumb object (since ...)" names no object: unreadable; PlanBench reads "object i" out of "object is".
    ("mystery_blocksworld/gpt-4-turbo_chat/task_1_plan_generation_zero_shot.json", 45,
     "(feast b c) (overcome b d) (feast d b) (overcome c b)", "objectless steps"),
])
def test_what_models_wrote(name, instance_id, expected, why):
    need_shared(RESULTS / name)
    parsed = parse_completion(instance(name, instance_id)["llm_raw_response"], vocab=vocabulary(name.split("/")[0]))
    assert ours(parsed.steps) == plan(expected), why


def test_steps_without_objects_are_unreadable():
    """gpt-4 zero-shot Mystery answers "1. Attack object" ...: no plan, and no block named "object"."""
    name = "mystery_blocksworld/gpt-4_chat/task_1_plan_generation_zero_shot.json"
    need_shared(RESULTS / name)
    parsed = parse_completion(instance(name, 1)["llm_raw_response"], vocab=vocabulary("mystery_blocksworld"))
    assert parsed.steps == () and len(parsed.unreadable) == 4


def test_pddl_written_with_words():
    """PlanBench's translations of answers to PDDL name blocks by colour ("(unstack red blue)"): read as letters."""
    agree = total = 0
    for name in files():
        vocab = vocabulary(name.split("/")[0])
        for i in answered(name):
            if i.get("raw_translation"):
                total += 1
                agree += ours(parse_completion(i["raw_translation"], vocab=vocab).steps) == planbench(
                    i.get("extracted_llm_plan"))
    assert total > 2000 and agree / total >= 0.85, f"{agree} of {total}"


@pytest.mark.slow
def test_never_raises_on_any_answer():
    """Every answer is read with its vocabulary, with the problem's blocks, and with no vocabulary at all."""
    for name in files():
        vocab = vocabulary(name.split("/")[0])
        known = set(vocab.objects) | {TABLE}
        for i in answered(name):
            text = i["llm_raw_response"]
            parsed = parse_completion(text, vocab=vocab)
            for s in parsed.steps:
                assert isinstance(s, (Action, NLStep))
                assert {s.block, s.dest if isinstance(s, NLStep) else s.target} - {None} <= known, (name, s)
            parse_completion(text, set("abcd"), vocab)
            parse_completion(text)


@functools.lru_cache(maxsize=1)
def sample_answers() -> list[str]:
    return [i["llm_raw_response"] for name in files() for i in answered(name)[::50]]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_never_raises_on_cut_or_shuffled_answers(data):
    answers = sample_answers()
    if not answers:
        return
    text = data.draw(st.sampled_from(answers))
    lines = text.split("\n")
    cut = data.draw(st.integers(0, len(text)))
    shuffled = "\n".join(data.draw(st.permutations(lines)))
    for variant in (text[:cut], text[cut:], shuffled):
        for domain in ("blocksworld", "mystery_blocksworld"):
            parse_completion(variant, vocab=vocabulary(domain))
        parse_completion(variant)
