from bwbench.world.state import Action, Op, State
from bwbench.world.text import NLStep


def test_towers_are_unordered():
    a = State.of([("red",), ("green", "blue")])
    b = State.of([("green", "blue"), ("red",)])
    assert a == b and hash(a) == hash(b)
    assert a != State.of([("blue", "green"), ("red",)])


def test_apply_returns_new_state_and_explains_failures():
    s = State.of([("green", "blue"), ("red",)])
    t = s.apply(Action(Op.UNSTACK, "blue", "green"))
    assert t == State.of([("green",), ("red",)], holding="blue") and s.hand_empty
    assert s.why_not(Action(Op.PICK_UP, "green")) == "green is not clear"
    assert s.why_not(Action(Op.PICK_UP, "blue")) == "blue is on green, not on the table (unstack it)"
    assert t.why_not(Action(Op.STACK, "red", "green")) == "the hand is not holding red (it holds blue)"
    assert t.why_not(Action(Op.STACK, "blue", "purple")) == "purple is not a block of this problem"
    assert t.apply(Action(Op.STACK, "blue", "red")) == State.of([("green",), ("red", "blue")])


def test_two_verb_steps_resolve_against_the_state():
    s = State.of([("green", "blue"), ("red",)])
    assert NLStep("pick-up", "blue").resolve(s) == Action(Op.UNSTACK, "blue", "green")
    assert NLStep("pick-up", "red").resolve(s) == Action(Op.PICK_UP, "red")
    assert NLStep("stack", "red", "table").resolve(s) == Action(Op.PUT_DOWN, "red")
    assert NLStep("stack", "red", "blue").resolve(s) == Action(Op.STACK, "red", "blue")
    assert Action(Op.UNSTACK, "blue", "green").nl() == "pick-up blue"
    assert Action(Op.PUT_DOWN, "red").nl() == "stack red on-top-of table"


def test_invalid_states_are_rejected():
    import pytest

    from bwbench.world.state import InvalidState

    with pytest.raises(InvalidState):
        State.of([("red", "blue"), ("blue",)])
    with pytest.raises(InvalidState):
        State.of([()])
