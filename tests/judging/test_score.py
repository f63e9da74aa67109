"""Metrics: Wilson intervals against their definition, and aggregation against plain counting."""

import math
import random
from collections import defaultdict
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bwbench.judging.judge import judge
from bwbench.judging.metrics import METRICS, Metric, aggregate, wilson
from bwbench.planning.planner import BwbenchPlanner
from bwbench.world.state import State
from bwbench.world.text import render_plan

from ..conftest import random_state


def _root(f, lo: float, hi: float) -> float:
    for _ in range(200):
        mid = (lo + hi) / 2
        if (f(lo) > 0) == (f(mid) > 0):
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


@given(st.integers(1, 5000), st.data())
def test_wilson_is_the_set_of_proportions_the_score_test_accepts(n, data):
    """The interval's ends are where |p̂ - p| = z·sqrt(p(1 - p)/n), found here by bisection."""
    k = data.draw(st.integers(0, n))
    p_hat, z = k / n, 1.959963984540054
    gap = lambda p: abs(p_hat - p) - z * math.sqrt(p * (1 - p) / n)  # noqa: E731
    lo = 0.0 if k == 0 else _root(gap, 0.0, p_hat)
    hi = 1.0 if k == n else _root(gap, p_hat, 1.0)
    got = wilson(k, n)
    assert got[0] == pytest.approx(lo, abs=1e-9) and got[1] == pytest.approx(hi, abs=1e-9)
    assert got[0] <= p_hat <= got[1]


def _judgements(count: int, seed: int = 1):
    rng = random.Random(seed)
    palette = ["red", "blue", "green", "yellow", "white", "black"]
    out = []
    for _ in range(count):
        blocks = palette[: rng.randint(3, 6)]
        init, goal = random_state(rng, blocks), random_state(rng, blocks)
        plan = list(BwbenchPlanner().solve(init, goal).plan)
        kind = rng.random()
        if kind < 0.3 and plan:
            plan = plan[:-1]
        elif kind < 0.4:
            plan = plan + plan[-2:] if len(plan) >= 2 else plan
        text = render_plan(plan) if rng.random() < 0.8 else rng.choice(["", "no idea", "1. move everything"])
        out.append(judge(init, goal, text, render_plan(BwbenchPlanner().solve(init, goal).plan)))
    return out


def test_aggregate_matches_plain_counting():
    js = _judgements(600)
    card = aggregate(js, by=("level", "blocks"))
    data = card.to_json()
    assert data["overall"]["n"] == 600
    for name, test in [("valid", lambda j: j.valid), ("optimal", lambda j: j.optimal), ("exact", lambda j: j.exact),
                       ("executable", lambda j: j.executable), ("parse_error", lambda j: j.status.value == "parse_error")]:
        k = sum(1 for j in js if test(j))
        assert data["overall"]["count"][name] == k
        assert data["overall"][name] == pytest.approx(k / 600, abs=1e-6)
        assert data["overall"]["ci95"][name] == pytest.approx(list(wilson(k, 600)), abs=1e-6)
    by_level = defaultdict(list)
    for j in js:
        by_level[f"L{j.optimal_len // 2}"].append(j)
    assert list(data["by_level"]) == sorted(by_level, key=lambda k: int(k[1:]))
    for level, group in by_level.items():
        assert data["by_level"][level]["n"] == len(group)
        assert data["by_level"][level]["count"]["valid"] == sum(j.valid for j in group)
        mean = sum(j.goal_share for j in group) / len(group)
        assert data["by_level"][level]["goal_share"] == pytest.approx(mean, abs=1e-6)
    assert sum(g["n"] for g in data["by_blocks"].values()) == 600
    assert set(data) == {"overall", "by_level", "by_blocks"}


def test_exact_is_only_counted_where_there_is_a_gold_plan():
    js = _judgements(20)
    no_gold = judge(State.of([("red",), ("blue",)]), State.of([("red", "blue")]), "Plan:", None)
    card = aggregate(js + [no_gold]).to_json()["overall"]
    assert card["n"] == 21 and card["count"]["exact_of"] == 20


def test_more_metrics_plug_in():
    """A caller with more to measure per example (e.g. single-step success) adds a Metric."""

    @dataclass
    class Row:
        judgement: object
        steps_right: int
        steps: int

        def __getattr__(self, name):
            return getattr(self.judgement, name)

    js = _judgements(50)
    rows = [Row(j, i % 3, 2) for i, j in enumerate(js)]
    single = Metric("single_step", "single-step success", "rate", lambda r: (r.steps_right, r.steps))
    data = aggregate(rows, by=("level",), metrics=(*METRICS, single)).to_json()
    assert data["overall"]["count"]["single_step"] == sum(i % 3 for i in range(50))
    assert data["overall"]["count"]["single_step_of"] == 100
    assert data["overall"]["valid"] == pytest.approx(sum(j.valid for j in js) / 50, abs=1e-6)


def test_tallies_row_by_row_sum_exactly_as_cells_tallied_whole():
    """Rows tallied one at a time, as scoring does (each row's values computed elsewhere, a worker process say),
    give the figures of cells each summed whole in row order, to the last bit: the same floats in the same order."""
    from bwbench.judging.metrics import GROUPS, Summary, Tallies

    js = _judgements(400, seed=3)
    cells: dict = {}
    for j in js:
        cells.setdefault((GROUPS["level"](j), GROUPS["blocks"](j)), []).append(j)
    expect_overall = Summary(METRICS)
    for bucket in cells.values():
        expect_overall.merge(Summary.of(bucket))
    tallies = Tallies(("level", "blocks"))
    for j in js:
        tallies.add_values(tallies.cell_of(j), tallies.values_of(j))
    card = tallies.card()
    assert card.overall.to_json() == expect_overall.to_json()
    for name in ("goal_share", "prefix_share"):
        assert card.overall.tallies[name].total == expect_overall.tallies[name].total  # exactly, not approximately
        assert card.overall.tallies[name].squares == expect_overall.tallies[name].squares
    assert card.to_json() == aggregate(js).to_json()
