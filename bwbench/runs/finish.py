"""A run scored: its predictions judged again from ``predictions.jsonl``, into ``results.json`` and ``report.txt``.

Scoring reads the file the run wrote, not what is in memory, so that a run
resumed over many invocations is scored as a whole, and what ``bwbench
score`` would say of the same file is what the run says.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from math import comb
from pathlib import Path
from typing import Any

from ..errors import BwbenchError
from ..fileio import atomic_write
from ..judging.metrics import BY, Metric, Tally, aggregate, wilson
from ..judging.predictions import PredictionFile, PredictionSource, prediction_of
from ..judging.report import render_report
from ..suites.dataset import json_line
from ..suites.view import load_suite
from ..world.canon import problem_key
from . import results as results_file
from .directory import ERRORS, PREDICTIONS


@dataclass
class _Row:
    """A judgement plus what only the eval measures (single-step success), for the metrics."""

    judgement: Any
    single_step: tuple[int, int] | None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.judgement, name)


SINGLE_STEP = Metric("single_step", "single-step success (teacher-forced)", "rate", lambda r: r.single_step)


@dataclass(frozen=True)
class Selection:
    """The problems a results file may describe: this invocation's (``limit``, ``per_level``) and the run's whole
    split at its levels, each as the suite's view describes it and by id."""

    described: dict
    ids: set[str]
    whole: dict
    whole_ids: set[str]

    def of(self, answered: set[str]) -> tuple[dict, set[str]]:
        """This invocation's problems when they hold every answer in the directory; else the whole split (a
        full run asked again with a limit is still described whole)."""
        return (self.described, self.ids) if answered <= self.ids else (self.whole, self.whole_ids)


def finish(out: Path, identity: dict, selection: Selection, task, model_settings: dict | None, wall: float) -> dict:
    """Score every prediction in ``predictions.jsonl`` of the run's problems and write ``results.json`` and
    ``report.txt``: the file describes the directory, whatever this invocation asked. ``model_settings`` None (no
    model was loaded: nothing was left to generate) keeps those of the results file already there. What is
    returned is the file's object, and, where this invocation asked for fewer problems than the file describes
    (a limit after a full run), the figures of those it asked, as ``invocation``."""
    pfile, raw = _predictions_of(out / PREDICTIONS, selection.whole_ids)
    judgements = [task.judge(p, p.completion) for p in pfile.predictions] if pfile else []
    rows = [_Row(j, tuple(r["single_step"]) if "single_step" in r else None) for j, r in zip(judgements, raw)]
    metrics = (*task.metrics, SINGLE_STEP) if any(r.single_step for r in rows) else task.metrics
    card = aggregate(rows, BY, metrics)
    samples = identity["generation"]["samples"]
    by_id: dict[str, list[bool]] = {}
    for r, j in zip(raw, judgements):
        by_id.setdefault(r["id"], []).append(bool(task.correct(j)))
    suite, ids = selection.of(set(by_id))
    errors = _read_errors(out / ERRORS, set(by_id), ids)
    seconds = sum(r.get("seconds") or 0.0 for r in raw)
    ends = Counter(r["finish_reason"] for r in raw if isinstance(r.get("finish_reason"), str))
    results = results_file.build(
        identity, suite=suite, model_settings=model_settings or _settings_before(out),
        metrics=card.to_json(correct=task.primary), n_examples=len(by_id), n_predictions=len(raw),
        complete=len(by_id) == len(ids) and all(len(v) >= samples for v in by_id.values()) and not errors,
        failed=errors, pass_at_k=pass_at_k(by_id, samples) if samples > 1 else None,
        timing={"generation_s": round(seconds, 3), "this_session_wall_s": round(wall, 3),
                "problems_per_s": round(len(by_id) / seconds, 3) if seconds else None},
        extra={"label": identity.get("label"), "finish_reasons": dict(sorted(ends.items())) if ends else None})
    atomic_write(out / results_file.NAME, results_file.to_bytes(results))
    if pfile is not None:
        report = budget_line(results) + render_report(pfile, judgements, card)
        atomic_write(out / "report.txt", report.encode("utf-8"))
    if ids is selection.ids or not selection.ids < ids:
        return results
    mine = [row for row, r in zip(rows, raw) if r["id"] in selection.ids]
    asked = aggregate(mine, BY, metrics).to_json(correct=task.primary)["overall"]
    return {**results, "invocation": {"n_examples": len({r["id"] for r in raw} & selection.ids), "overall": asked}}


def budget_line(results: dict) -> str:
    """``3 answers hit the token budget of 256 tokens`` (and were cut off), or nothing when none did."""
    hits = (results.get("finish_reasons") or {}).get("length", 0)
    if not hits:
        return ""
    budget = (results.get("generation") or {}).get("max_new_tokens")
    return f"{hits:,} answer{'' if hits == 1 else 's'} hit the token budget of {budget:,} tokens (cut off there)\n"


def _settings_before(out: Path) -> dict | None:
    """The model's settings as the run's results file records them (a run scored again without its model)."""
    try:
        data = json.loads((out / results_file.NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("model_settings") if isinstance(data, dict) else None


def _predictions_of(path: Path, ids: set[str]) -> tuple[PredictionFile | None, list[dict]]:
    """The predictions for ``ids`` in a run's predictions file, read in one pass, each with its line's record
    (what only the eval writes: single-step success, seconds); ``None`` and nothing when the file is empty."""
    if not path.is_file() or not path.stat().st_size:
        return None, []
    source = PredictionSource(path)
    preds, records = [], []
    for entry in source.entries():
        record = json_line(entry.data, f"{path}:{entry.line}")
        if record is None or record.get("id") not in ids:
            continue
        preds.append(prediction_of(source.format, source.path, entry))
        records.append(record)
    return PredictionFile(str(source.path), source.format, preds, source.meta), records


def _read_errors(path: Path, done: set[str], ids: set[str]) -> dict[str, str]:
    """Problems among ``ids`` that failed and have not been done since (a later run may have retried them)."""
    if not path.is_file():
        return {}
    out = {}
    for line in path.read_text().splitlines():
        try:
            rec = json.loads(line)
        except ValueError:
            continue
        if isinstance(rec, dict) and rec.get("id") in ids and rec.get("id") not in done:
            out[rec["id"]] = rec.get("error", "")
    return out


def pass_at_k(by_id: dict[str, list[bool]], k: int) -> dict:
    """pass@1 (mean share of correct samples) and pass@k (unbiased estimator, Chen et al. 2021)."""
    p1, pk = Tally(), Tally()
    for correct in by_id.values():
        n, c = len(correct), sum(correct)
        p1.total += c / n
        p1.squares += (c / n) ** 2
        p1.trials += 1
        kk = min(k, n)
        pk.total += 1.0 - comb(n - c, kk) / comb(n, kk)
        pk.trials += 1
    return {"k": k, "pass@1": p1.value, "pass@1_ci95": p1.ci("mean"), f"pass@{k}": pk.value,
            f"pass@{k}_ci95": list(wilson(pk.total, pk.trials)) if pk.trials else None}


def rescored_results(pfile: PredictionFile, judgements: list, suite: str | Path, model: str, task) -> dict:
    """A ``results.json`` for predictions made elsewhere (the seed's, say), judged here, on ``suite``'s test split.

    The predictions must be for exactly the suite's problems (as a multiset,
    compared canonically), so the suite's sha256 on the result is earned.
    """
    view = load_suite(suite)
    want = Counter(problem_key(t.example.init, t.example.goal) for t in view.items)
    have = Counter(problem_key(p.init, p.goal) for p in pfile.predictions)
    if want != have:
        extra, missing = sum((have - want).values()), sum((want - have).values())
        raise BwbenchError(f"{pfile.path} is not a prediction for each of this suite's {len(view.items)} problems "
                           f"({extra} not in the suite, {missing} missing)", field="suite")
    card = aggregate(judgements, BY, task.metrics)
    identity = {"task": task.name, "protocol": "single", "model": model, "model_options": None, "prompt": None,
                "generation": None}
    return results_file.build(
        identity, suite=view.describe("test", None, None), model_settings=None,
        metrics=card.to_json(correct=task.primary),
        n_examples=len(pfile.predictions), n_predictions=len(pfile.predictions),
        complete=True, failed={},
        rescored={"from": pfile.path, "format": pfile.format,
                  "sha256": hashlib.sha256(Path(pfile.path).read_bytes()).hexdigest()})
