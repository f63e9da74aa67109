"""The published suites in data/ are what the generator makes from their manifests."""

import hashlib
import json
from dataclasses import replace

import pytest

from bwbench.suites.cells import GenerateConfig
from bwbench.suites.directory import write_suite
from bwbench.suites.generate import generate
from bwbench.suites.sampling import walk_cell

from .conftest import DATA


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
