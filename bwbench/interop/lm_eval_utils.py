"""lm-evaluation-harness hooks for a bwbench task (copied as ``utils.py`` by ``bwbench export lm-eval``).

The problems are ``docs.jsonl`` beside this file, each with the exact prompt
``bwbench eval`` sends. Every completion is cut at the stop strings and judged
by bwbench's own judge, which simulates the plan: ``valid`` (reaches the goal,
every step legal), ``optimal`` (valid and of optimal length) and ``exact`` (the
gold plan's text, up to whitespace). The harness's figures are therefore
bwbench's. bwbench must be importable where lm_eval runs; its judge needs
nothing beyond the standard library.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load_docs(level: int | None = None, **_metadata) -> dict:
    """The test split, one level of it when ``level`` is given (lm_eval's ``custom_dataset`` hook)."""
    import datasets

    rows = [json.loads(line) for line in (HERE / "docs.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    if level is not None:
        rows = [r for r in rows if r["level"] == int(level)]
    return {"test": datasets.Dataset.from_list(rows)}


def doc_to_text(doc: dict) -> str:
    return doc["prompt"]


def doc_to_target(doc: dict) -> str:
    return doc["output"]


def process_results(doc: dict, results: list[str]) -> dict[str, float]:
    """Judge the completion by simulation: 1.0 or 0.0 for each of valid, optimal and exact."""
    judge, state, goal, vocab, cut, stop = _bwbench()
    text = cut(results[0], stop).strip()
    judgement = judge(state(doc["init"]), goal(doc["goal"]), text, doc["output"], doc["optimal_len"], vocab(doc))
    return {"valid": float(judgement.valid), "optimal": float(judgement.optimal), "exact": float(bool(judgement.exact))}


@lru_cache(maxsize=1)
def _bwbench():
    try:
        import bwbench
        from bwbench.judging.judge import judge
        from bwbench.models.base import cut_at_stop
        from bwbench.suites.dataset import read_goal
        from bwbench.tasks.plan import STOP
        from bwbench.world.state import State
        from bwbench.world.vocab import vocabulary_of
    except ImportError as exc:
        raise ImportError("this task judges plans with bwbench: `pip install bwbench` where lm_eval runs "
                          "(`pip install --no-deps bwbench` is enough for the judge)") from exc
    exported = json.loads((HERE / "bwbench_task.json").read_text(encoding="utf-8"))["bwbench_version"]
    if bwbench.__version__ != exported:
        logging.getLogger(__name__).warning("this task was exported by bwbench %s but is judged by bwbench %s",
                                            exported, bwbench.__version__)
    return judge, State.of, read_goal, vocabulary_of, cut_at_stop, STOP  # bwbench eval's stop strings
