"""The human-readable score report: the figures, then every failure with the judge's reason."""

from __future__ import annotations

from typing import Sequence

from .. import __version__
from .goal import Goal, level_of
from .judge import Judgement
from .predictions import Prediction, PredictionFile
from .score import Scorecard, Summary
from .text import render_towers


def summary_line(s: Summary) -> str:
    """``n 1057 · exact 59.7% [56.7–62.6] · valid …`` for one group."""
    parts = [f"n {s.n}"]
    for m in s.metrics:
        t = s.tallies[m.name]
        if t.value is None:
            continue
        lo, hi = t.ci(m.kind)
        parts.append(f"{m.name} {100 * t.value:.1f}% [{100 * lo:.1f}–{100 * hi:.1f}]")
    return " · ".join(parts)


def render_report(pfile: PredictionFile, judgements: Sequence[Judgement], card: Scorecard) -> str:
    lines = [
        f"bwbench {__version__} score report",
        f"file: {pfile.path} ({pfile.format}, {len(judgements)} predictions)",
    ]
    if pfile.meta:
        lines.append("the file's own metadata: " + ", ".join(f"{k}={v}" for k, v in pfile.meta.items()))
    lines += ["", "overall: " + summary_line(card.overall)]
    for by, groups in card.groups.items():
        for key, s in groups.items():
            lines.append(f"{by} {key}: " + summary_line(s))
    pairs = list(zip(pfile.predictions, judgements))
    failures = [(p, j) for p, j in pairs if not j.valid]
    longer = [(p, j) for p, j in pairs if j.valid and not j.optimal]
    lines += ["", "=" * 78, f"NOT VALID: {len(failures)} of {len(pairs)}", "=" * 78]
    for p, j in failures:
        lines += _example(p, j)
    lines += ["", "=" * 78, f"VALID BUT LONGER THAN OPTIMAL: {len(longer)} of {len(pairs)}", "=" * 78]
    for p, j in longer:
        lines += _example(p, j)
    return "\n".join(lines) + "\n"


def _example(p: Prediction, j: Judgement) -> list[str]:
    head = f"[{p.id}] L{level_of(j.optimal_len)}, {j.n_blocks} blocks: {j.status.value}"
    if j.reason:
        head += f" — {j.reason}"
    elif j.valid:
        head += f" — {j.plan_len} steps, optimal is {j.optimal_len}"
    out = ["", head, f"  at {p.where}"]
    out.append("  init: " + render_towers(p.init.sorted_towers()).replace("\n", " "))
    goal = " ".join(p.goal.to_json()) if p.goal.__class__ is Goal else render_towers(p.goal.sorted_towers()).replace("\n", " ")
    out.append("  goal: " + goal)
    if p.gold is not None:
        out.append("  gold:  " + _one_line(p.gold))
    out.append("  model: " + _one_line(p.completion))
    out.append(f"  read as: {'; '.join(str(s) for s in j.plan) or '(no steps)'}"
               f"  [{j.executed} of {j.plan_len} steps executed, goal facts {100 * j.goal_share:.0f}%]")
    out += [f"  note: {n}" for n in j.notes]
    return out


def _one_line(text: str, limit: int = 400) -> str:
    flat = " | ".join(ln.strip() for ln in text.strip().splitlines() if ln.strip())
    flat = "".join(c if c.isprintable() else "?" for c in flat)
    return flat if len(flat) <= limit else flat[:limit] + f" … ({len(text):,} characters)"
