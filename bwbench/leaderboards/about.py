"""What a page says of itself: figures reported elsewhere and which column to read them against, what made the
page and its figures, and how to cite them.

The citation is bwbench's own, as the repository's ``CITATION.cff`` gives it
(a test keeps the two equal), with the sources of the problems a page's tables
measured, as their dataset cards cite them.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..provenance import VERSION, git_sha
from ..suites.card import PLANBENCH_CITATION, SEED_CITATION
from .arrange import Board, is_planbench

TITLE = "bwbench: a benchmark suite for planning with large language models, on Blocksworld"
AUTHORS = "The bwbench authors"
LICENSE = "MIT"


@dataclass(frozen=True)
class Reported:
    """A figure from the literature: never a row of a table, always beside the column it is comparable with."""

    model: str
    figure: str
    compare_with: str  # the page's column that measures the same thing
    source: str


MEN = "Men et al., EMNLP 2024"
REFERENCES = {
    "paper": (
        Reported("Llama-2-7b-chat, full fine-tune", "61%", "exact", f"{MEN}: complete-plan success on its L3 test"),
        Reported("Vicuna-7B, full fine-tune", "63%", "exact", f"{MEN}: complete-plan success on its L3 test"),
    ),
}
WHY = {
    "paper": ("Men et al.'s L3 test set is the seed's whole L3 file, every problem labelled L3, and complete-plan "
              "success is a match with the gold plan: the seed's README compares its own exact match with these "
              "figures. So read them against exact, over all levels, not against L3 valid, which counts only the "
              "file's truly-L3 problems, and any valid plan."),
}


def literature(references: str) -> list[str]:
    """The reported figures, each with the column of this page to read it against."""
    lines = ["## Reported in the literature (not measured here)", "",
             "| model | reported | compare with | source |", "|---|---|---|---|"]
    lines += [f"| {r.model} | {r.figure} | {r.compare_with} | {r.source} |" for r in REFERENCES[references]]
    return lines + ["", WHY[references], ""]


def provenance(board: Board) -> list[str]:
    """Which bwbench made the page, and which scored its figures (each results file's version and commit)."""
    sha = git_sha()
    made = f"bwbench {VERSION}, git commit `{sha}`" if sha else f"bwbench {VERSION} (not run from a git checkout)"
    runs = board.runs()
    versions = ", ".join(sorted({r.bwbench_version for r in runs}))
    shas = sorted({r.git_sha[:12] for r in runs if r.git_sha})
    scored = f"bwbench {versions}" + (f", git commit{'s' if len(shas) > 1 else ''} "
                                      + ", ".join(f"`{s}`" for s in shas) if shas else "")
    return ["## Provenance", "",
            f"This page: {made}, with the command on its first line. Its figures: the results files named under "
            f"each table, scored by {scored}.", ""]


def bibtex(sha: str | None = None) -> list[str]:
    """bwbench's BibTeX entry, at this version (and commit)."""
    return ["```bibtex", "@software{bwbench,", f"  title = {{{TITLE}}},", f"  author = {{{{{AUTHORS}}}}},",
            f"  version = {{{VERSION}}},", *([f"  note = {{git commit {sha}}},"] if sha else []),
            f"  license = {{{LICENSE}}}", "}", "```", ""]


def citation(board: Board) -> list[str]:
    """How to cite the page: bwbench, and the source of its problems (PlanBench's, or the seed's paper)."""
    sections = board.sections()
    planbench = any(is_planbench(runs) for _, runs, _ in sections)
    seed = any(not is_planbench(runs) for _, runs, _ in sections)
    lines = ["## Citation", "", "bwbench, which made these figures:", "", *bibtex(git_sha())]
    if planbench:
        lines += ["PlanBench, whose problems (and models' answers) these are:", "", *PLANBENCH_CITATION]
    if seed:
        lines += ["Men et al., whose setting the problems follow (as their dataset cards say):", "", *SEED_CITATION]
    return lines
