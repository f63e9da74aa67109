"""What is published is what it claims: the suites in data/ are what the generator makes from their manifests, and
the figures the README and the docs quote are those of the published leaderboards' results."""

import hashlib
import json
import re
from dataclasses import dataclass, replace

import pytest

from bwbench.leaderboards.markdown import rate
from bwbench.leaderboards.rows import Run, read

from bwbench.suites.cells import GenerateConfig
from bwbench.suites.directory import write_suite
from bwbench.suites.generate import generate
from bwbench.suites.sampling import walk_cell

from .conftest import DATA, ROOT


@pytest.mark.parametrize("suite", sorted(p.name for p in DATA.iterdir() if (p / "manifest.json").is_file()))
def test_committed_files_match_their_manifest(suite):
    man = json.loads((DATA / suite / "manifest.json").read_text())
    for name, info in man["files"].items():
        assert hashlib.sha256((DATA / suite / name).read_bytes()).hexdigest() == info["sha256"]


@pytest.mark.parametrize("suite", ["paper", "ood-L4-7b"])
def test_regenerating_gives_the_same_sha256(suite, tmp_path):
    man = json.loads((DATA / suite / "manifest.json").read_text())
    regenerated = write_suite(generate(GenerateConfig.from_manifest(man)), tmp_path).to_json()
    assert regenerated["files"] == man["files"] and regenerated["counts"] == man["counts"]


@pytest.mark.parametrize("level,blocks", [(1, 4), (10, 12), (20, 30)])
def test_ladder_cells_regenerate(level, blocks):
    # A walk cell keeps its first problems when asked for fewer, so a few of each regenerate cheaply.
    man = json.loads((DATA / "ladder" / "manifest.json").read_text())
    cfg = GenerateConfig.from_manifest(man)
    cell = next(c for c in cfg.cells if (c.level, c.n_blocks) == (level, blocks))
    few = walk_cell(replace(cell, count=2), cfg.seed, cfg.colors, cfg.max_towers)
    committed = [r for r in map(json.loads, (DATA / "ladder" / "test.jsonl").open())
                 if (r["level"], r["n_blocks"]) == (level, blocks)][:2]
    assert [[sorted(map(tuple, r["init"])), sorted(map(tuple, r["goal"]))] for r in committed] == \
        [[sorted(p.init.towers), sorted(p.goal.towers)] for p in few.problems]


@dataclass(frozen=True)
class Quoted:
    """A table of the docs that quotes measured figures: each of its rows is one published results file (found by
    how the row's first cell begins) at one level (None: all of them), and each column one or more figures of it
    (``("row", "valid")``: the row's level; ``("L3", "valid")``: that level; several: a cell ``a / b``)."""

    doc: str
    header: str
    rows: dict[str, tuple[str, str | None]]
    columns: dict[str, tuple[tuple[str, str], ...]]


ROW = "row"  # a column's figures are at the row's level
QUOTED = [
    Quoted("docs/training.md", "| test set | n | valid | optimal | exact | single-step |", {
        "`standard` test, L3": ("standard-bwbench-tiny", "L3"),
        "the seed's L3 test file": ("seed-l3-bwbench-tiny", None),
        "… of which true L3": ("seed-l3-bwbench-tiny", "L3"),
        "… of which true L2": ("seed-l3-bwbench-tiny", "L2"),
        "`paper` test, L1": ("paper-bwbench-tiny", "L1"),
        "`paper` test, L2": ("paper-bwbench-tiny", "L2"),
        "`paper` test, L3": ("paper-bwbench-tiny", "L3"),
        "out of distribution: `ood-L3-7b`": ("ood-L3-7b-bwbench-tiny", None),
        "out of distribution: `ood-L4-7b`": ("ood-L4-7b-bwbench-tiny", None),
    }, {"n": ((ROW, "n"),), "valid": ((ROW, "valid"),), "optimal": ((ROW, "optimal"),), "exact": ((ROW, "exact"),),
        "single-step": ((ROW, "single_step"),)}),
    Quoted("docs/concepts.md", "| run | exact (seed's figure) | valid | valid and optimal | every step applies | on the "
           "694 truly-L3 problems: valid / optimal |", {
               "LoRA `lora_2025-11-17-09-14-09-9bf6.json`": ("seed-l3-seed-lora", None),
               "full `full_2025-11-17-12-42-41-3911.json`": ("seed-l3-seed-full", None),
           }, {"exact (seed's figure)": ((ROW, "exact"),), "valid": ((ROW, "valid"),),
               "valid and optimal": ((ROW, "optimal"),), "every step applies": ((ROW, "executable"),),
               "on the 694 truly-L3 problems: valid / optimal": (("L3", "valid"), ("L3", "optimal"))}),
]
# Sentences of the docs that quote measured figures: each {} one figure, equal in every results file listed for it.
SENTENCES = [
    ("docs/training.md", "the seed's Llama-2-7b-chat LoRA scored {} exact and {} valid",
     [[("seed-l3-seed-lora", "exact")], [("seed-l3-seed-lora", "valid")]]),
    ("docs/planbench.md", "bwbench gives each {}.",
     [[(f"planbench-mystery-o1-preview_chat-zeroshot{run}", "valid") for run in ("", "-run1", "-run_1")]]),
]


def _published(directory: str) -> Run:
    """A results file that a published leaderboard page shows."""
    path = f"results/{directory}/results.json"
    assert any(f"`{path}`" in page.read_text() for page in (ROOT / "leaderboards").glob("*.md")), path
    return read(ROOT / path)


def _figure(run: Run, level: str | None, metric: str) -> tuple[str, ...]:
    """How a figure may be written: as the pages write it, with or without its interval (n: as a count)."""
    block = run.overall if level is None else run.by_level[level]
    if metric == "n":
        return (f"{block.n:,}", str(block.n))
    return rate(block, metric, ci=True), rate(block, metric)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


@pytest.mark.parametrize("quoted", QUOTED, ids=lambda q: q.doc)
def test_the_docs_tables_quote_the_published_figures(quoted):
    """Each figure of the table is the published results' own (the tiny model's L4 single-step read 48.7%, from a
    run of 300 problems, beside the page's 49.6% of 1,000)."""
    lines = (ROOT / quoted.doc).read_text(encoding="utf-8").splitlines()
    assert quoted.header in lines, f"{quoted.doc} no longer has the table {quoted.header}"
    at = lines.index(quoted.header)
    heads = _cells(quoted.header)
    body = [ln for ln in lines[at + 2:next((i for i in range(at, len(lines)) if not lines[i].startswith("|")),
                                           len(lines))]]
    assert len(body) == len(quoted.rows)
    for line in body:
        cells = _cells(line)
        (key,) = [k for k in quoted.rows if cells[0].startswith(k)]  # every row is one published results file
        directory, level = quoted.rows[key]
        run = _published(directory)
        for head, cell in zip(heads[1:], cells[1:]):
            parts = [re.sub(r" \(\d+\.\d%\)$", "", part.replace("**", "")) for part in cell.split(" / ")]
            figures = quoted.columns[head]  # a parenthesised figure, the seed's own, is not ours to check
            assert len(parts) == len(figures), (key, head, cell)
            for (where, metric), part in zip(figures, parts):
                assert part in _figure(run, level if where == ROW else where, metric), (quoted.doc, key, head)


@pytest.mark.parametrize("doc,sentence,figures", SENTENCES, ids=[s[1] for s in SENTENCES])
def test_the_docs_sentences_quote_the_published_figures(doc, sentence, figures):
    text = " ".join((ROOT / doc).read_text(encoding="utf-8").split())
    pattern = re.escape(sentence).replace(r"\{\}", r"([0-9.]+%)")
    found = re.search(pattern, text)
    assert found, f"{doc} no longer says: {sentence}"
    for quoted, sources in zip(found.groups(), figures, strict=True):
        for directory, metric in sources:
            assert quoted == rate(_published(directory).overall, metric), (doc, directory, metric)
