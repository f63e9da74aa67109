"""A missing optional package is one line and exit 2, naming the extra that brings it and how to install it.

Each command runs in a real process in which the package cannot be imported:
a ``sitecustomize.py`` on ``PYTHONPATH`` sets ``sys.modules[name] = None``,
which is what Python does for a package that is not there.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ..conftest import ROOT, run_cli

BLOCKER = """import os, sys
for name in os.environ.get("BWBENCH_TEST_BLOCK", "").split(","):
    if name:
        sys.modules[name] = None
"""

PROBLEM = """(define (problem p) (:domain blocksworld) (:objects a b)
  (:init (arm-empty) (on a b) (on-table b) (clear a))
  (:goal (and (on b a))))
"""


def without(module: str, *args, cwd: Path):
    """``bwbench ARGS...`` in a process where ``module`` cannot be imported."""
    (cwd / "blocker").mkdir(exist_ok=True)
    (cwd / "blocker" / "sitecustomize.py").write_text(BLOCKER)
    path = os.pathsep.join(p for p in (str(cwd / "blocker"), os.environ.get("PYTHONPATH")) if p)
    return run_cli(*args, cwd=cwd, env={"PYTHONPATH": path, "BWBENCH_TEST_BLOCK": module})


def commands(tmp: Path, write: bool = True) -> dict[str, tuple[str, str, list]]:
    """Per extra: the module it brings, the hint's words, and a command that needs it (its files written in ``tmp``)."""
    if write:
        (tmp / "p.pddl").write_text(PROBLEM)
        (tmp / "names.yaml").write_text("domain_intro: x\n")
    suite = str(ROOT / "data" / "standard")
    return {
        "openai": ("openai", '".[openai]"', ["eval", "--suite", suite, "--model", "openai:http://127.0.0.1:9/v1",
                                             "--limit", "1", "--out", "run"]),
        "hf (eval)": ("transformers", '".[hf]"', ["eval", "--suite", suite, "--model", f"hf:{ROOT / 'models' / 'bwbench-tiny'}",
                                                 "--limit", "1", "--out", "run"]),
        "hf (train)": ("transformers", '".[hf]"', ["train", "--adapter", "scratch", "--suite", suite, "--out", "run"]),
        "hf (peft)": ("peft", '".[hf]"', ["train", "--adapter", "lora", "--base-model", ROOT / "models" / "bwbench-tiny",
                                         "--suite", suite, "--out", "run"]),
        "vllm": ("vllm", '".[vllm]"', ["eval", "--suite", suite, "--model", f"vllm:{ROOT / 'models' / 'bwbench-tiny'}",
                                       "--limit", "1", "--out", "run"]),
        "modal": ("modal", '".[modal]"', ["runs", "list"]),
        "plot": ("matplotlib", '".[plot]"', ["leaderboard", ROOT / "results" / "paper-planner" / "results.json",
                                             "--out", "board.md", "--plot", "board.png"]),
        "fast-downward (solve)": ("up_fast_downward", '".[fast-downward]"', ["solve", "p.pddl", "--planner", "fast-downward"]),
        "fast-downward (generate)": ("up_fast_downward", '".[fast-downward]"',
                                     ["generate", "--level", "L1", "--n", "1", "--planner", "fast-downward", "--out", "s"]),
        "pyyaml": ("yaml", "pip install pyyaml", ["import", "p.pddl", "--names", "names.yaml", "--out", "s"]),
    }


SLOW = ("hf (eval)", "hf (train)", "hf (peft)")  # each imports torch before it finds transformers or peft missing


@pytest.mark.parametrize("case", [pytest.param(c, marks=[pytest.mark.slow] if c in SLOW else [])
                                  for c in commands(Path("/nonexistent"), write=False)])
def test_a_missing_extra_is_one_line_naming_how_to_install_it(case, tmp_path):
    module, hint, args = commands(tmp_path)[case]
    r = without(module, *args, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and module in lines[0] and hint in lines[0], lines[0]
    if hint.startswith('"'):
        assert f"pip install -e {hint}" in lines[0]  # this is a clone: an editable install of it
