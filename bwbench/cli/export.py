"""``bwbench export lm-eval``: a suite as an lm-evaluation-harness task directory."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from . import common
from .app import command, export_app

Suite = Annotated[Path, typer.Option("--suite", metavar="DIR|FILE", help="A suite directory (uses <split>.jsonl) or any dataset file, ours or the seed's.")]
Out = Annotated[Path, typer.Option("--out", metavar="DIR", help="Task directory to write (an earlier export there is replaced).")]
Split = Annotated[str, typer.Option("--split", metavar="NAME", help="Which split of a suite directory.")]
Level = Annotated[Optional[str], typer.Option("--level", metavar="Lk", help="Only this true level, e.g. L3 (default: every level present).")]
Levels = Annotated[Optional[str], typer.Option("--levels", metavar="Lk,...", help="Only these true levels, e.g. L1,L2.")]
Name = Annotated[str, typer.Option("--name", help="Group name; the tasks are <name>_l1, <name>_l2, ...")]
Template = Annotated[str, typer.Option("--template", metavar="NAME", help="Prompt: seed ([INST] ... [/INST]), plain, or chat (then run lm_eval with --apply_chat_template).")]


@command(export_app, "lm-eval", epilog=common.examples(
    "bwbench export lm-eval --suite data/standard --out tasks/bwbench  "
    "# then: lm_eval --include_path tasks/bwbench --tasks bwbench_l3 --model hf --model_args pretrained=MODEL"))
def export_lm_eval_(suite: Suite, out: Out, split: Split = "test", level: Level = None, levels: Levels = None,
                    name: Name = "bwbench", template: Template = "seed") -> None:
    """Write an lm-evaluation-harness task directory whose metrics come from bwbench's judge."""
    from ..interop.lm_eval import ExportRequest, export_lm_eval

    meta = export_lm_eval(ExportRequest(suite, out, split, name, template, common.levels(level, levels)))
    common.show(", ".join(f"{t} ({i['n']})" for t, i in meta["tasks"].items()) + f" → {out}")
    chat = " --apply_chat_template" if template == "chat" else ""
    common.show(f"run: lm_eval --include_path {out} --tasks {list(meta['tasks'])[-1]} --model hf "
                f"--model_args pretrained=MODEL{chat}")
