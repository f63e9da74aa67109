"""The published suites in data/ are what the generator makes from their manifests."""

import hashlib
import json
from pathlib import Path

import pytest

from bwbench.benchmark import generate as g

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.mark.parametrize("suite", sorted(p.name for p in DATA.iterdir() if (p / "manifest.json").is_file()))
def test_committed_files_match_their_manifest(suite):
    man = json.loads((DATA / suite / "manifest.json").read_text())
    for name, info in man["files"].items():
        assert hashlib.sha256((DATA / suite / name).read_bytes()).hexdigest() == info["sha256"]


@pytest.mark.parametrize("suite", ["paper", "ood-L4-7b"])
def test_regenerating_gives_the_same_sha256(suite, tmp_path):
    man = json.loads((DATA / suite / "manifest.json").read_text())
    regenerated = g.write_suite(g.generate(g.GenerateConfig.from_manifest(man)), tmp_path)
    assert regenerated["files"] == man["files"] and regenerated["counts"] == man["counts"]
