import json
import random
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from bwbench.errors import BwbenchError
from bwbench.suites.cells import (
    PAPER_TABLE,
    Cell,
    GenerateConfig,
    paper_cells,
    spread,
    suite_cells,
)
from bwbench.suites.dataset import read_examples
from bwbench.suites.directory import dump_jsonl, write_suite
from bwbench.suites.generate import generate
from bwbench.suites.sampling import sample_states
from bwbench.world.canon import problem_key, shape_key
from bwbench.world.simulate import simulate
from bwbench.world.state import State
from bwbench.world.text import SEED_PALETTE, parse_input, parse_plan

from ..conftest import DATA, brute_shape, random_state, reference_optimal, run_cli


@pytest.fixture(scope="module")
def paper(tmp_path_factory):
    out = tmp_path_factory.mktemp("paper")
    cfg = GenerateConfig(suite="paper", cells=tuple(paper_cells()), seed=0, preset="paper")
    man = write_suite(generate(cfg), out).to_json()
    return out, man


def test_paper_preset_matches_table_1_exactly(paper):
    out, man = paper
    for split, levels in PAPER_TABLE.items():
        for level, counts in levels.items():
            got = Counter(r.record["n_blocks"] for r in read_examples(out / f"{split}.jsonl") if r.record["level"] == level)
            assert tuple(got[nb] for nb in (4, 5, 6)) == counts
            assert man["counts"][split][f"L{level}"] == {str(nb): c for nb, c in zip((4, 5, 6), counts)}


def test_every_problem_is_what_its_record_says(paper):
    out, _ = paper
    rng = random.Random(0)
    keys = {}
    for split in ("test", "train"):
        seen = set()
        for ex in read_examples(out / f"{split}.jsonl"):
            r = ex.record
            assert set(r) >= {"id", "split", "level", "n_blocks", "init", "goal", "plan", "optimal_len",
                              "n_optimal_plans", "instruction", "input", "output"}
            assert ex.init != ex.goal
            verdict = simulate(ex.init, ex.goal, parse_plan(r["output"]))
            assert verdict and len(r["plan"]) == r["optimal_len"] == 2 * r["level"]
            assert parse_input(r["input"]) == ([tuple(t) for t in r["init"]], [tuple(t) for t in r["goal"]])
            assert len(ex.init.blocks) == r["n_blocks"] and ex.init.blocks <= set(SEED_PALETTE)
            if split == "test":
                assert r["n_optimal_plans"] == 1
            key = problem_key(ex.init, ex.goal)
            assert key not in seen
            seen.add(key)
            keys.setdefault(key, set()).add(split)
            if rng.random() < 0.08:  # an independent check of level and count on a sample
                assert reference_optimal(ex.init, ex.goal) == (r["optimal_len"], r["n_optimal_plans"])
    assert all(len(s) == 1 for s in keys.values())


def test_same_arguments_same_bytes_also_in_parallel(tmp_path):
    cells = tuple(spread((1, 2, 3), (4, 5, 6), 30, "test") + spread((2, 3), (4, 5), 20, "train"))
    cfg = GenerateConfig(suite="s", cells=cells, seed=7)
    write_suite(generate(cfg), tmp_path / "a")
    write_suite(generate(cfg, jobs=2), tmp_path / "b")
    for name in ("test.jsonl", "train.jsonl", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    other = generate(GenerateConfig(suite="s", cells=cells, seed=8))
    assert dump_jsonl(other.records["test"]) != (tmp_path / "a" / "test.jsonl").read_bytes()


def test_disjoint_up_to_renaming():
    cells = tuple(spread((2, 3), (4,), 30, "test") + spread((2, 3), (4,), 30, "train"))
    suite = generate(GenerateConfig(suite="s", cells=cells, seed=1, disjoint_renaming=True))
    test = {brute_shape(State.of(r["init"]), State.of(r["goal"])) for r in suite.records["test"]}
    train = {brute_shape(State.of(r["init"]), State.of(r["goal"])) for r in suite.records["train"]}
    assert not test & train


def test_shape_key_is_invariant_and_separating():
    rng = random.Random(9)
    colors = list(SEED_PALETTE)
    for _ in range(300):
        blocks = colors[: rng.randint(2, 6)]
        a, b = random_state(rng, blocks), random_state(rng, blocks)
        c, d = random_state(rng, blocks), random_state(rng, blocks)
        perm = dict(zip(blocks, rng.sample(colors, len(blocks))))
        a2 = State.of([[perm[x] for x in t] for t in a.towers])
        b2 = State.of([[perm[x] for x in t] for t in b.towers])
        assert shape_key(a, b) == shape_key(a2, b2)
        assert (shape_key(a, b) == shape_key(c, d)) == (brute_shape(a, b) == brute_shape(c, d))


def test_states_are_sampled_uniformly():
    # 3 blocks have 13 configurations; each should appear about equally often.
    rng = np.random.default_rng(0)
    below = sample_states(rng, 3, 26000)
    counts = Counter(map(tuple, below.tolist()))
    assert len(counts) == 13
    assert max(counts.values()) < 2200 and min(counts.values()) > 1800
    capped = sample_states(rng, 4, 5000, max_towers=2)
    assert all(sum(1 for x in row if x == -1) <= 2 for row in capped.tolist())


def test_colours_are_drawn_not_the_first_n():
    suite = generate(GenerateConfig(suite="s", cells=(Cell("test", 2, 4, 60),), seed=3))
    used = Counter(c for r in suite.records["test"] for t in r["init"] for c in t)
    assert set(used) == set(SEED_PALETTE)


def test_out_of_distribution_levels_and_sizes():
    suite = generate(GenerateConfig(
        suite="ood", cells=(Cell("test", 4, 7, 3), Cell("test", 5, 8, 2)),
        seed=0, colors=tuple(f"b{i}" for i in range(10)),
    ))
    for r in suite.records["test"]:
        assert r["optimal_len"] == 2 * r["level"] and r["n_optimal_plans"] == 1


def test_impossible_requests_are_errors():
    with pytest.raises(BwbenchError, match="impossible"):
        generate(GenerateConfig(cells=(Cell("test", 5, 3, 1),)))
    with pytest.raises(BwbenchError, match="colours"):
        generate(GenerateConfig(cells=(Cell("test", 2, 8, 1),)))


def test_pddl_export(tmp_path):
    from bwbench.world import pddl

    suite = generate(GenerateConfig(suite="s", cells=(Cell("test", 2, 4, 3),), seed=0))
    write_suite(suite, tmp_path / "s", tmp_path / "pddl")
    for r in suite.records["test"]:
        read = pddl.from_up_problem(pddl.read_problem(tmp_path / "pddl" / f"{r['id']}.pddl"))
        assert (read.init, read.goal.to_state(read.init.blocks)) == (State.of(r["init"]), State.of(r["goal"]))


# --------------------------------------------------------------------------- options and the suite directory

def _tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


def _small(out, *extra):
    return run_cli("generate", "--level", "L2", "--blocks", "4", "--n", "4", "--out", out, *extra)


@pytest.mark.slow
def test_regenerating_replaces_the_suite_whole(tmp_path):
    from bwbench.suites.card import render

    s = tmp_path / "s"
    r = _small(s, "--train", "3", "--pddl", s / "pddl")
    assert r.returncode == 0, r.stderr
    assert {"train.jsonl", "test.jsonl", "manifest.json"} <= set(_tree(s)) and len(list((s / "pddl").iterdir())) == 7
    # Without --train the old train.jsonl must go (an evaluation would pick it up), and so must stale .pddl files.
    r = _small(s, "--n", "2", "--pddl", s / "pddl")
    assert r.returncode == 0, r.stderr
    files = _tree(s)
    assert set(files) == {"test.jsonl", "manifest.json", "pddl/s-test-L2-00000.pddl", "pddl/s-test-L2-00001.pddl"}
    man = json.loads(files["manifest.json"])
    assert set(man["files"]) == {"test.jsonl"} and files["test.jsonl"].count(b"\n") == 2
    # A dataset card is rewritten for the new suite, as `bwbench card` would write it; without --pddl the .pddl files go.
    assert run_cli("card", s).returncode == 0
    old_card = (s / "README.md").read_text()
    r = _small(s, "--seed", "5")
    assert r.returncode == 0, r.stderr
    assert set(_tree(s)) == {"test.jsonl", "manifest.json", "README.md"}
    assert (s / "README.md").read_text() == render(s) != old_card
    assert not list(tmp_path.glob(".s*"))  # no temporary left beside it


@pytest.mark.slow
def test_generate_writes_only_into_an_empty_directory_or_its_own_suite(tmp_path, readonly_dir):
    import shutil

    data = DATA
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "todo.txt").write_text("keep me\n")
    imported = tmp_path / "imported"
    shutil.copytree(data / "planbench-bw3", imported)
    a_file = tmp_path / "file"
    a_file.write_text("x\n")
    for out, why in [(notes, "not a suite written by bwbench generate"), (imported, "not a suite written by bwbench generate"),
                     (a_file, "not a directory")]:
        before = _tree(tmp_path)
        r = _small(out, "--pddl", tmp_path / "pddl")
        assert r.returncode == 2 and r.stderr.startswith(f"error: --out {out}: ") and why in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
        assert _tree(tmp_path) == before and not (tmp_path / "pddl").exists()
    frozen = readonly_dir(tmp_path / "ro")
    r = _small(frozen / "s")
    assert r.returncode == 2 and r.stderr.startswith(f"error: {frozen / 's'}: ") and len(r.stderr.strip().splitlines()) == 1
    assert not any(frozen.iterdir())
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _small(empty).returncode == 0 and (empty / "test.jsonl").is_file()


@pytest.mark.parametrize("extra, given", [
    (["--n", "50"], {"n": 50}), (["--train", "10"], {"train": 10}), (["--blocks", "4-6"], {"blocks": (4, 5, 6)}),
    (["--level", "L3"], {"levels": (3,)}), (["--levels", "L1,L2"], {"levels": (1, 2)}),
    (["--n", "100", "--train", "0"], {"n": 100, "train": 0}),  # even the values the preset itself has
])
def test_a_preset_refuses_the_options_it_fixes(tmp_path, extra, given):
    # The library names the request's fields; the command line names the option that set the first.
    r = run_cli("generate", "--preset", "paper", *extra, "--out", tmp_path / "p")
    drop = "drop " + ", ".join(given)
    assert r.returncode == 2 and r.stderr.startswith(f"error: {extra[0]}: preset paper fixes"), r.stderr
    assert drop in r.stderr and len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "p").exists()
    with pytest.raises(BwbenchError) as exc:
        suite_cells("standard", **given)
    assert exc.value.field == next(iter(given)) and drop in exc.value.message


def test_a_preset_takes_the_options_it_uses(tmp_path):
    assert suite_cells("paper") == paper_cells()
    assert suite_cells(levels=(2,), n=4, blocks=(4,)) == [Cell("test", 2, 4, 4)]
    assert suite_cells() == spread((3,), (4, 5, 6), 100, "test")
    # Accepted with a preset: these get as far as the --out check (a cheap refusal, not a 30 s generation).
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "x").write_text("")
    r = run_cli("generate", "--preset", "paper", "--seed", "3", "--max-towers", "3", "--disjoint-renaming",
                "--colors", "a,b,c,d,e,f,g", "--planner", "bwbench", "--name", "p", "--jobs", "2",
                "--pddl", tmp_path / "pddl", "--out", taken)
    assert r.returncode == 2 and r.stderr.startswith(f"error: --out {taken}: not empty"), r.stderr


@pytest.mark.slow
def test_a_published_suite_regenerates_in_place_byte_for_byte(tmp_path):
    """The command README.md records for data/ood-L3-7b, run over a copy of it, gives every file back, its card included."""
    import shutil

    data = DATA
    shutil.copytree(data / "ood-L3-7b", tmp_path / "data" / "ood-L3-7b")
    r = run_cli("generate", "--level", "L3", "--blocks", "7", "--n", "200", "--seed", "7", "--name", "ood-L3-7b",
                "--out", "data/ood-L3-7b", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert _tree(tmp_path / "data") == {f"ood-L3-7b/{k}": v for k, v in _tree(data / "ood-L3-7b").items()}


def test_an_unwritable_pddl_directory_is_refused_before_the_work_and_leaves_the_suite(tmp_path, readonly_dir):
    s = tmp_path / "s"
    assert _small(s).returncode == 0
    before = _tree(s)
    afile = tmp_path / "afile"
    afile.write_text("x\n")
    frozen = readonly_dir(tmp_path / "ro")
    for pddl, why in [(frozen / "p", "cannot write"), (afile / "x", "is a file"), (afile, "not a directory")]:
        r = _small(s, "--seed", "9", "--pddl", pddl)
        assert r.returncode == 2 and r.stderr.startswith(f"error: --pddl {pddl}: ") and why in r.stderr, r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and "generating" not in r.stderr  # refused before the work
        assert _tree(s) == before
    # Files that cannot be staged (a directory where one .pddl goes) leave the old suite too: staged before the swap.
    pddl = tmp_path / "pddl"
    (pddl / "custom-test-L2-00001.pddl").mkdir(parents=True)
    suite = generate(GenerateConfig(suite="custom", cells=(Cell("test", 2, 4, 4),), seed=9))
    with pytest.raises(BwbenchError) as exc:
        write_suite(suite, s, pddl)
    assert exc.value.where == str(pddl / "custom-test-L2-00001.pddl")
    assert _tree(s) == before and [p.name for p in pddl.iterdir()] == ["custom-test-L2-00001.pddl"]
    assert not list(tmp_path.glob(".s*"))
    write_suite(suite, s, tmp_path / "elsewhere")
    assert _tree(s) != before and len(list((tmp_path / "elsewhere").iterdir())) == 4


@pytest.mark.slow
def test_regenerating_refuses_a_suite_holding_what_generate_did_not_write(tmp_path):
    s = tmp_path / "s"
    assert _small(s, "--pddl", s / "pddl").returncode == 0
    assert json.loads((s / "manifest.json").read_text())["pddl"] == "pddl"
    assert run_cli("card", s).returncode == 0
    for extra, named in [(s / "notes.txt", s / "notes.txt"), (s / "nested" / "keep.txt", s / "nested"),
                         (s / "pddl" / "mine.pddl", s / "pddl" / "mine.pddl"), (s / "pddl" / "sub" / "x", s / "pddl" / "sub")]:
        extra.parent.mkdir(parents=True, exist_ok=True)
        extra.write_text("keep me\n")
        before = _tree(s)
        r = _small(s, "--seed", "3", "--pddl", s / "pddl")
        assert r.returncode == 2 and r.stderr.startswith(f"error: --out {named}: not written by bwbench generate"), r.stderr
        assert len(r.stderr.strip().splitlines()) == 1 and _tree(s) == before
        assert _small(s).returncode == 2 and _tree(s) == before  # without --pddl too: the check is on what is there
        extra.unlink()
        if named != extra:
            named.rmdir()
    # Without the extras it regenerates, the card and the pddl directory included (and without --pddl that goes).
    r = _small(s, "--seed", "3", "--pddl", s / "pddl")
    assert r.returncode == 0, r.stderr
    assert set(_tree(s)) == {"test.jsonl", "manifest.json", "README.md", *(f"pddl/s-test-L2-0000{i}.pddl" for i in range(4))}
    assert _small(s).returncode == 0 and set(_tree(s)) == {"test.jsonl", "manifest.json", "README.md"}
    assert "pddl" not in json.loads((s / "manifest.json").read_text())


def test_states_of_hundreds_of_blocks_are_drawn_with_the_tower_counts_in_proportion():
    # Past about 170 blocks the number of ways to make t towers is beyond a float; the draw still works, and where
    # a float holds the numbers they are the weights as they are, so that every seed draws what it always drew.
    from bwbench.suites.sampling import _lah, _tower_weights

    rng = np.random.default_rng(0)
    below = sample_states(rng, 400, 200)
    towers = [row.count(-1) for row in below.tolist()]
    for row in below.tolist():  # a state: at most one block on each, and every block stands on the table at last
        on = [x for x in row if x != -1]
        assert len(on) == len(set(on))
        for b in range(len(row)):
            for _ in range(len(row)):
                b = row[b]
                if b == -1:
                    break
            assert b == -1
    # about sqrt(n) towers in a uniform random state: 400 blocks give about 20, never 1 or 400
    assert 12 < sum(towers) / len(towers) < 28 and 1 < min(towers) and max(towers) < 60
    small = [_lah(30, t) for t in range(1, 31)]
    assert _tower_weights(small).tolist() == [float(c) for c in small]
    big = [_lah(400, t) for t in range(1, 401)]
    exact = [c / sum(big) for c in big]
    drawn = _tower_weights(big) / _tower_weights(big).sum()
    assert max(abs(a - b) for a, b in zip(exact, drawn)) < 1e-12
