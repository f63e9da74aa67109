"""Reading plans out of model output: the forms models really write, and properties of the parser."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bwbench.judging.lines import reader
from bwbench.judging.parse import MAX_CHARS, parse_completion
from bwbench.planning.planner import BwbenchPlanner
from bwbench.world.state import Action, Op
from bwbench.world.text import NLStep, parse_plan, render_plan, strict_steps
from bwbench.world.vocab import IPC, Vocabulary

from ..conftest import random_state

BLOCKS = {"red", "blue", "green", "yellow"}
PICK, STACK = NLStep("pick-up", "red"), NLStep("stack", "red", "blue")
SEED = "Plan:\nstep 1: pick-up red\nstep 2: stack red on-top-of blue"


@pytest.mark.parametrize("text, steps", [
    # the seed's own format, and the same with other case, spacing, no header
    (SEED, [PICK, STACK]),
    ("plan:\n  Step 1 :  PICK-UP Red\n\n\tSTEP 2: stack  red   on-top-of  BLUE  ", [PICK, STACK]),
    ("step 1: pick-up red\nstep 2: stack red on-top-of blue", [PICK, STACK]),
    ("Plan: step 1: pick-up red step 2: stack red on-top-of blue", [PICK, STACK]),
    # numbered or bulleted, in words, surrounded by chatter
    ("Sure! Here is the plan:\n\n1. Pick up the red block.\n2. Stack the red block on top of the blue block.\n"
     "This reaches the goal.", [PICK, STACK]),
    ("- pick up red\n- put red on blue", [PICK, STACK]),
    ("**Step 1:** pick-up `red`\n**Step 2:** stack <red> on-top-of <blue>", [PICK, STACK]),
    ("1) pickup red\n2) place red onto blue", [PICK, STACK]),
    # PDDL actions and the four operators in words
    ("(unstack red blue)\n(put-down red)", [Action(Op.UNSTACK, "red", "blue"), Action(Op.PUT_DOWN, "red")]),
    ("(PICK-UP red) (STACK red blue)", [Action(Op.PICK_UP, "red"), Action(Op.STACK, "red", "blue")]),
    ("1. unstack red from blue\n2. put down red\n3. pick up green from the table\n4. put green down",
     [Action(Op.UNSTACK, "red", "blue"), Action(Op.PUT_DOWN, "red"), Action(Op.PICK_UP, "green"),
      Action(Op.PUT_DOWN, "green")]),
    ("unstack red blue\nstack red green", [Action(Op.UNSTACK, "red", "blue"), NLStep("stack", "red", "green")]),
    ("stack red on-top-of table (to clear blue)", [NLStep("stack", "red", "table")]),
    ("Put the red block on the table.", [NLStep("stack", "red", "table")]),
    # end tokens, repeats, a second plan
    (SEED + "</s>\nstep 3: pick-up green", [PICK, STACK]),
    (SEED + "<|eot_id|>", [PICK, STACK]),
    (SEED + "\nstep 1: pick-up red\nstep 2: stack red on-top-of blue", [PICK, STACK]),
    (SEED + "\n\nPlan:\nstep 1: pick-up green", [PICK, STACK]),
])
def test_forms_models_write(text, steps):
    assert list(parse_completion(text, BLOCKS).steps) == steps


def test_strict_mode_is_the_seed_format_exactly():
    assert parse_completion(SEED, BLOCKS).strict_steps == (PICK, STACK)
    for loose in ("step 1: pick-up red", "Plan:\n1. pick-up red", "Plan:\nstep 1: pick up red",
                  "Plan:\nstep 2: pick-up red", "Plan:\n(pick-up red)"):
        assert parse_completion(loose, BLOCKS).strict_steps is None, loose
    # An end token is text to the strict reading (so that plan fails in strict mode), not to the tolerant one.
    eos = parse_completion(SEED + "</s>", BLOCKS)
    assert eos.strict_steps[-1] == NLStep("stack", "red", "blue</s>") and eos.steps == (PICK, STACK)
    # Strict reading keeps names as written; the tolerant one matches them to the problem's blocks.
    upper = parse_completion("Plan:\nstep 1: pick-up Red", BLOCKS)
    assert upper.strict_steps == (NLStep("pick-up", "Red"),) and upper.steps == (PICK,)


def test_what_cannot_be_read_is_recorded_with_its_position():
    hole = parse_completion("Plan:\nstep 1: pick-up red\nstep 2: move red to blue\nstep 3: pick-up green", BLOCKS)
    assert hole.steps == (PICK, NLStep("pick-up", "green")) and hole.unreadable == ((1, "step 2: move red to blue"),)
    cut = parse_completion("Plan:\nstep 1: pick-up red\nstep 2: stack red on-top-o", BLOCKS)
    assert cut.steps == (PICK,) and cut.unreadable == ((1, "step 2: stack red on-top-o"),)
    chatter = parse_completion("I cannot help with that.\nThe blocks are heavy.", BLOCKS)
    assert chatter.steps == () and not chatter.blank and "skipped 2 lines" in chatter.notes[-1]
    assert parse_completion("  \n Plan:\n</s>", BLOCKS).blank


def test_huge_completions_are_read_within_a_bound():
    huge = "Plan:\n" + "".join(f"step {i}: pick-up red\n" for i in range(1, 200_000))
    parsed = parse_completion(huge, BLOCKS)
    assert any("first 65,536 characters" in n for n in parsed.notes)
    assert 0 < len(parsed.steps) < MAX_CHARS // 10


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=400))
def test_parser_never_raises_on_any_text(text):
    parsed = parse_completion(text, BLOCKS)
    assert all(isinstance(s, (Action, NLStep)) for s in parsed.steps)
    parse_completion(text)


_FRAGMENTS = st.sampled_from([
    "Plan:", "step 1:", "step 2:", "Step 10 :", "1.", "2)", "- ", "* ", "**", "(", ")", "pick-up", "pick up", "unstack",
    "put down", "put", "stack", "on-top-of", "on top of", "onto", "from", "the", "block", "table", "red", "Blue",
    "<green>", "`yellow`", "</s>", "<|im_end|>", "\n", " ", "\t", "\x00", "\x1c", "\u2028", ".", "#", "(unstack red blue)",
])


@settings(max_examples=400, deadline=None)
@given(st.lists(_FRAGMENTS, max_size=60))
def test_parser_never_raises_on_plan_like_text(parts):
    parse_completion(" ".join(parts), BLOCKS)
    parse_completion("".join(parts), None)


@settings(max_examples=200, deadline=None)
@given(st.randoms(use_true_random=False), st.integers(2, 8))
def test_rendering_then_parsing_is_the_identity(rng, n):
    blocks = ["red", "blue", "green", "yellow", "white", "black", "gray", "pink"][:n]
    init, goal = random_state(rng, blocks), random_state(rng, blocks)
    plan = BwbenchPlanner().solve(init, goal).plan
    nl = [NLStep("pick-up", a.block) if a.is_pick else NLStep("stack", a.block, a.target or "table") for a in plan]
    assert list(parse_completion(render_plan(plan), blocks).steps) == nl
    assert list(parse_completion(render_plan(plan), blocks).strict_steps) == nl
    assert list(parse_completion("\n".join(a.pddl() for a in plan), blocks).steps) == list(plan)


@settings(max_examples=300, deadline=None)
@given(st.randoms(use_true_random=False), st.lists(st.sampled_from(["", " ", "\n", "\t", "x", "Plan:", "step 3:"]),
                                                    max_size=3))
def test_strict_fast_path_agrees_with_the_explained_reading(rng, noise):
    """strict_steps (the fast path) accepts exactly what parse_plan accepts, with the same steps."""
    lines = ["Plan:"] + [f"step {i}: " + rng.choice(["pick-up red", "stack red on-top-of blue"]) for i in range(1, 5)]
    text = "\n".join(lines)
    for piece in noise:  # insert noise somewhere
        at = rng.randrange(len(text) + 1)
        text = text[:at] + piece + text[at:]
    fast = strict_steps(text)  # a tuple (it is cached), or None
    fast = None if fast is None else list(fast)
    try:
        slow = parse_plan(text)
    except ValueError:
        slow = None
    assert fast == slow


def test_parse_plan_explains_where_the_format_breaks():
    with pytest.raises(ValueError, match="step 2 is not in the seed's format: 'foo'"):
        parse_plan("Plan:\nstep 1: pick-up red\nfoo")
    with pytest.raises(ValueError, match="does not start with 'Plan:'"):
        parse_plan("step 1: pick-up red")


def test_names_follow_the_problem_case():
    for text in ("pick up RED", "pick-up red", "Plan:\nstep 1: pick-up red"):
        assert parse_completion(text, {"Red", "blue"}).steps == (NLStep("pick-up", "Red"),), text


# --- Domain vocabularies, and what real models write (PlanBench's published answers) -------------------------------

MYSTERY = Vocabulary(
    "mystery_blocksworld",
    {Op.PICK_UP: "attack", Op.PUT_DOWN: "succumb", Op.STACK: "overcome", Op.UNSTACK: "feast"},
    {"on": "craves", "on-table": "planet", "clear": "province", "arm-empty": "harmony", "holding": "pain"},
    {k: f"object {k}" for k in "abcd"},
    {Op.PICK_UP: "attack {}", Op.PUT_DOWN: "succumb {}", Op.STACK: "overcome {} from {}",
     Op.UNSTACK: "feast {} from {}"},
)
WORDS = Vocabulary(
    "blocksworld", IPC.actions, IPC.predicates,
    {"a": "red block", "b": "blue block", "c": "orange block", "d": "yellow block"},
    {Op.PICK_UP: "pick up the {}", Op.PUT_DOWN: "put down the {}", Op.STACK: "stack the {} on top of the {}",
     Op.UNSTACK: "unstack the {} from on top of the {}"},
)
U, D, P, S = Op.UNSTACK, Op.PUT_DOWN, Op.PICK_UP, Op.STACK


def acts(*steps) -> list:
    return [Action(op, *args) for op, *args in steps]


@pytest.mark.parametrize("text, steps", [
    ("feast object d from object c", acts((U, "d", "c"))),
    ("Attack c", acts((P, "c"))),
    ("(feast d c)\n(succumb d)", acts((U, "d", "c"), (D, "d"))),
    ("overcome object a from object b", acts((S, "a", "b"))),  # overcome X from Y puts X on Y
    ("succumb object a", acts((D, "a"))),
    ("1. Attack object_c\n2. Overcome Object C from Object D.", acts((P, "c"), (S, "c", "d"))),
    ("(attack object_c)", acts((P, "c"))),
    ("1. **Feast(c, a)**\n2. **Succumb(c)**\n3. Overcome(c from b)", acts((U, "c", "a"), (D, "c"), (S, "c", "b"))),
    ("6. **Overcome object _b_ from object _a_**", acts((S, "b", "a"))),
    ("3. **Feast \\(a\\) from \\(c\\)**", acts((U, "a", "c"))),
    ("- **Action 3**: Feast object d from another object c", acts((U, "d", "c"))),
    ("- Perform **Feast(c, a)**\n- Then **Succumb(c)**", acts((U, "c", "a"), (D, "c"))),
])
def test_mystery_words(text, steps):
    assert list(parse_completion(text, vocab=MYSTERY).steps) == steps


def test_mystery_steps_must_name_its_objects():
    """A step naming no object of the vocabulary ("Attack object") is unreadable, not a block called "object"."""
    parsed = parse_completion("1. Attack object\n2. Succumb object\n3. Attack object b", vocab=MYSTERY)
    assert parsed.steps == (Action(P, "b"),)
    assert [pos for pos, _ in parsed.unreadable] == [0, 0]


@pytest.mark.parametrize("text, steps", [
    ("unstack the blue block from on top of the orange block\nput down the blue block",
     acts((U, "b", "c"), (D, "b"))),
    ("1. Pick up the Red Block\n2. Stack red on yellow", acts((P, "a"), (S, "a", "d"))),  # the vocabulary's own words
    ("(unstack yellow red)\n(unstack d a)", acts((U, "d", "a"), (U, "d", "a"))),
    ("1. Unstack(Red, Blue)\n2. PutDown(Red)\n3. PickUp(Orange)", acts((U, "a", "b"), (D, "a"), (P, "c"))),
    ("Put the red block on the table.", [NLStep("stack", "a", "table")]),
    ("4. Put down the blue block on top of the orange block.", [NLStep("stack", "b", "c")]),
    ("put down the yellow block in an empty space", acts((D, "d"))),
])
def test_blocksworld_words(text, steps):
    assert list(parse_completion(text, vocab=WORDS).steps) == steps


def test_without_a_vocabulary_names_stay_as_written():
    text = "unstack the blue block from on top of the orange block\n1. Unstack(Red, Blue)"
    assert parse_completion(text).steps == (Action(U, "blue", "orange"), Action(U, "red", "blue"))
    assert parse_completion("feast object d from object c").steps == ()  # Mystery's verbs need its vocabulary


def test_a_vocabulary_is_compiled_once():
    assert reader(MYSTERY) is reader(MYSTERY) and reader(WORDS) is not reader(MYSTERY)
    assert reader(None) is not reader(MYSTERY)  # no vocabulary: the seed's words and PDDL's, not Mystery's


@pytest.mark.parametrize("text, steps", [
    # markdown: bold, headers, bullets, code fences
    ("1. **Unstack** the blue block from the orange block.\n2. **Put down** the *blue* block.",
     acts((U, "b", "c"), (D, "b"))),
    ("### Step 1: Unstack the red block from the blue block\n### Step 2: Put down the red block",
     acts((U, "a", "b"), (D, "a"))),
    ("```pddl\n(unstack a b)\n(put-down a)\n```", acts((U, "a", "b"), (D, "a"))),
    ("- **Unstack(red, yellow)** - Unstack the red block from the yellow block.", acts((U, "a", "d"))),
    # an explanation after the action on the same line
    ("1. Unstack the red block from the blue block (since the red block is clear).\n"
     "2. Put down the red block on the table, which empties the hand.", acts((U, "a", "b"), (D, "a"))),
    ("2. Pick up the yellow block: the hand is empty and it is clear", acts((P, "d"))),
    ("1. Unstack the blue block from the orange block\\\n2. Put down the blue block\\", acts((U, "b", "c"), (D, "b"))),
    # two actions on one line, and steps numbered on one line
    ("- Unstack yellow from blue, then put it down on the table.", acts((U, "d", "b"), (D, "d"))),
    ("**Answer:**\n1. pick up red  2. stack red on blue", acts((P, "a"), (S, "a", "b"))),
    # a remark in parentheses inside the action, and the action only in parentheses
    ("6. Stack the yellow block (with the blue block on top of it) on top of the orange block.", acts((S, "d", "c"))),
    ("4. **Stack Red Block:** (Stack Red on Blue)", acts((S, "a", "b"))),
])
def test_markdown_and_explanations(text, steps):
    assert list(parse_completion(text, vocab=WORDS).steps) == steps


def test_explanations_between_steps_are_chatter():
    text = ("1. Attack object c. This removes province object c and harmony.\n"
            "   - Preconditions: Province object c, Planet object c, Harmony\n"
            "   - Effects: Pain object c\n"
            "2. Overcome object c from object a\n"
            "Province object a becomes false.")
    parsed = parse_completion(text, vocab=MYSTERY)
    assert parsed.steps == (Action(P, "c"), Action(S, "c", "a")) and not parsed.unreadable


def test_the_marked_plan_is_the_plan():
    explained = ("Here is the plan:\n[PLAN]\nattack object d\novercome object c from object d\n[PLAN END]\n\n"
                 "Explanation:\n1. Attack object d gives pain object d.\n2. Then overcome object d from object c.")
    assert list(parse_completion(explained, vocab=MYSTERY).steps) == acts((P, "d"), (S, "c", "d"))
    # The prompt ended with [PLAN]: the plan is what precedes the first [PLAN END], not the next problem's.
    continued = ("pick up the red block\nstack the red block on top of the blue block\n[PLAN END]\n\n[STATEMENT]\n"
                 "As initial conditions I have that ...\n\nMy plan is as follows:\n\n[PLAN]\npick up the blue block\n"
                 "[PLAN END]")
    assert list(parse_completion(continued, vocab=WORDS).steps) == acts((P, "a"), (S, "a", "b"))
    assert "[PLAN]" in parse_completion(continued, vocab=WORDS).notes[0]
    pddl = "[PLAN]\n(pick-up c)\n(stack c d)\n[PLAN_END]"
    assert list(parse_completion(pddl).steps) == acts((P, "c"), (S, "c", "d"))


EXPLAINED = """To achieve the goal, you can follow these steps:

1. **Unstack the red block from the blue block.**
   - Since the red block is clear and your hand is empty, you can unstack it.
   - *Action*: Unstack the red block from the blue block.

2. **Put down the red block on the table.**
   - You are holding it.

**Summary of Actions:**

1. Unstack(Red, Blue)
2. PutDown(Red)

---

**Plan:**

1. Unstack the red block from the blue block.
2. Put down the red block.
"""


def test_a_plan_explained_then_summed_up_is_read_once():
    parsed = parse_completion(EXPLAINED, vocab=WORDS)
    assert list(parsed.steps) == acts((U, "a", "b"), (D, "a")) and not parsed.unreadable
    assert any("repeat one plan" in n for n in parsed.notes)
    # A plan, then the same plan in PDDL syntax.
    pddl = "1. (unstack a b)\n2. (put-down a)\n\nIn PDDL syntax:\n\n(plan\n    (unstack a b)\n    (put-down a)\n)"
    assert list(parse_completion(pddl, vocab=WORDS).steps) == acts((U, "a", "b"), (D, "a"))
    # A plan, then a step-by-step check of it that is cut short.
    checked = ("Plan:\n1. Unstack blue from yellow.\n2. Put down blue.\n3. Pick up red.\n\nLet me check.\n"
               "1. Unstack blue from yellow.\n   - Allowed.\n2. Put down")
    assert list(parse_completion(checked, vocab=WORDS).steps) == acts((U, "b", "d"), (D, "b"), (P, "a"))


def test_reasoning_then_the_final_plan():
    text = ("Let me try:\n1. Pick up red\n2. Stack red on blue\nWait, red is not clear, so this fails.\n\n"
            "**Final Plan:**\n1. Unstack orange from red\n2. Put down orange\n3. Pick up red\n4. Stack red on blue")
    parsed = parse_completion(text, vocab=WORDS)
    assert list(parsed.steps) == acts((U, "c", "a"), (D, "c"), (P, "a"), (S, "a", "b"))
    assert any("outcome" in n for n in parsed.notes)
    # Without a header saying so, a second, different plan is not the answer (the text went on to another problem).
    first = acts((P, "a"), (S, "a", "b"))
    assert list(parse_completion(text.replace("**Final Plan:**", "Plan:"), vocab=WORDS).steps) == first
    # A final plan read worse than the first (unreadable lines where the first has none) does not replace it.
    worse = text.split("**Final Plan:**")[0] + "**Final Plan:**\n1. Unstack O from R\n2. Put down O"
    assert list(parse_completion(worse, vocab=WORDS).steps) == first


@settings(max_examples=300, deadline=None)
@given(st.lists(_FRAGMENTS | st.sampled_from(["feast", "object a", "object_b", "Attack", "overcome", "[PLAN]",
                                              "[PLAN END]", "**Final plan:**", "   - ", "Summary:", "\\(", "_c_",
                                              ", then put it down", "1. ", "2) "]), max_size=60))
def test_parser_never_raises_with_a_vocabulary(parts):
    for vocab in (MYSTERY, WORDS):
        parsed = parse_completion(" ".join(parts), BLOCKS, vocab)
        assert all(isinstance(s, (Action, NLStep)) for s in parsed.steps)
        parse_completion("\n".join(parts), None, vocab)


def test_long_or_nested_lines_are_read_within_a_bound():
    chained = parse_completion("1. Unstack red from blue" + ", then put it down" * 3000)
    assert chained.steps == () and chained.unreadable  # too many actions on one line: unreadable, not a crash
    assert len(parse_completion("1. Unstack red from blue, then put it down").steps) == 2
    nested = "1. stack red " + "(" * 5000 + "x" + ")" * 5000 + " on blue"
    assert parse_completion(nested).steps == ()


def test_a_step_taken_back_on_its_line_is_not_a_step():
    """Models correct themselves inside a step line; what follows "so" is the step, if it is an action."""
    text = ("1. Unstack the red block from on top of the blue block.\n"
            "2. Stack the red block on top of the green block is not possible now, so first put down the red block.\n"
            "3. Pick up the blue block is not needed, as it is already clear\n"
            "4. Stack the blue block on top of the red block is not correct, so\n"
            "5. Pick up the green block.\n")
    steps = parse_completion(text).steps
    assert [str(s) for s in steps] == ["(unstack red blue)", "(put-down red)", "pick-up green"]
    # A remark in parentheses that says a step is not needed does not take it back.
    remark = "1. Pick up the red block\n2. Put down the red block (this is not necessary but it is valid)\n"
    assert [str(s) for s in parse_completion(remark).steps] == ["pick-up red", "(put-down red)"]
