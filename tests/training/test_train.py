"""`bwbench train --backend local`: LoRA, full and scratch training of tiny models for a few steps, then eval."""

import hashlib
import json
from pathlib import Path

import pytest

from bwbench.world.canon import problem_key
from bwbench.cli.train import parse_sets
from bwbench.training.config import TrainConfig
from bwbench.training.data import generated_pairs, held_out_keys

from ..conftest import run_cli

PAPER = Path(__file__).resolve().parents[2] / "data" / "paper"


@pytest.fixture
def base(tiny_base):
    return tiny_base


@pytest.mark.slow
@pytest.mark.parametrize("adapter", ["lora", "full", "scratch"])
def test_train_then_eval(adapter, base, tmp_path):
    out = tmp_path / adapter
    args = ["train", "--adapter", adapter, "--suite", PAPER, "--out", out, "--set", "max_steps=3"]
    if adapter == "scratch":
        args += ["--set", "problems=60", "--set", "hidden=32", "--set", "layers=1", "--set", "heads=2"]
    else:
        args += ["--base-model", base, "--set", "micro_batch_size=4"]
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["adapter"] == adapter and run["metrics"]["train_loss"] > 0
    assert run["suite_sha256"] and run["versions"]["transformers"]
    if adapter == "lora":
        assert (out / "adapter_config.json").is_file()
        assert run["config"]["lora_r"] == 16 and run["config"]["learning_rate"] == 2e-4  # the seed's defaults
        assert run["trainable_parameters"] < run["parameters"]
    if adapter == "full":
        assert run["config"]["gradient_accumulation"] == 10 and run["config"]["micro_batch_size"] == 4
    r = run_cli("eval", "--model", f"hf:{out}", "--suite", PAPER, "--limit", "2", "--max-new-tokens", "10",
                "--out", tmp_path / "eval")
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path / "eval" / "results.json").read_text())
    assert res["n_examples"] == 2 and (res["model_settings"]["lora"] is not None) == (adapter == "lora")


@pytest.mark.slow
def test_scratch_training_continues_from_an_earlier_run(tmp_path):
    from safetensors.torch import load_file

    small = ["--set", "problems=40", "--set", "hidden=32", "--set", "layers=1", "--set", "heads=2"]
    first, second = tmp_path / "first", tmp_path / "second"
    r = run_cli("train", "--adapter", "scratch", "--suite", PAPER, "--out", first, "--set", "max_steps=3", *small)
    assert r.returncode == 0, r.stderr
    r = run_cli("train", "--adapter", "scratch", "--suite", PAPER, "--out", second, "--set", "max_steps=1",
                "--set", f"init_from={first}", "--set", "learning_rate=1e-12", "--set", "seed=1", *small[:2])
    assert r.returncode == 0, r.stderr
    a, b = load_file(first / "model.safetensors"), load_file(second / "model.safetensors")
    assert a.keys() == b.keys() and all((a[k] - b[k]).abs().max() < 1e-6 for k in a)  # the weights came along
    run = json.loads((second / "run.json").read_text())
    assert run["initialised_from"]["dir"] == str(first) and run["initialised_from"]["run"]["config"]["max_steps"] == 3
    r = run_cli("train", "--adapter", "scratch", "--suite", PAPER, "--out", tmp_path / "x", "--set",
                f"init_from={tmp_path / 'none'}")
    assert r.returncode == 2 and r.stderr.startswith("error: --set init_from ") and ": not a model directory" in r.stderr


@pytest.mark.slow
def test_a_resumed_run_reports_the_tokens_and_time_of_its_own_session(tmp_path):
    """16 examples, 4 a step: 2 steps, stopped, then resumed to 4 is one pass, so the two sessions' token counts
    add up to every token of every example; each session's tokens_per_s is its own tokens over its own time."""
    from bwbench.models.tiny import word_tokenizer

    out = tmp_path / "run"
    args = ["train", "--adapter", "scratch", "--suite", PAPER, "--out", out, "--set", "problems=16",
            "--set", "val_split=0", "--set", "micro_batch_size=4", "--set", "hidden=32", "--set", "layers=1",
            "--set", "heads=2"]
    runs = []
    for steps in (2, 4):
        r = run_cli(*args, "--set", f"max_steps={steps}")
        assert r.returncode == 0, r.stderr
        runs.append(json.loads((out / "run.json").read_text()))
    first, resumed = runs
    assert first["resumed_from"] is None and resumed["resumed_from"].endswith("checkpoint-2")
    assert first["session"]["steps"] == resumed["session"]["steps"] == 2
    tok = word_tokenizer()
    pairs = generated_pairs(16, "1,2,3", "4-6", held_out_keys(PAPER), seed=0, template="seed")
    every = sum(len(tok(p.prompt)["input_ids"]) + len(tok(p.completion, add_special_tokens=False)["input_ids"]) + 1
                for p in pairs)
    assert first["session"]["tokens"] + resumed["session"]["tokens"] == every
    assert 0 < resumed["session"]["tokens"] < every
    for run in runs:
        assert run["session"]["seconds"] == pytest.approx(run["metrics"]["train_runtime"], abs=1e-3)
        assert run["tokens_per_s"] == round(run["session"]["tokens"] / run["session"]["seconds"], 1)


def test_scratch_data_leaves_out_every_test_problem():
    keep_out = held_out_keys(PAPER)
    pairs = generated_pairs(300, "1,2", "4", keep_out, seed=3, template="seed")
    assert len(pairs) == 300 and {p.level for p in pairs} == {1, 2}
    from bwbench.world.text import parse_problem

    keys = {problem_key(*parse_problem(p.prompt.split("[INST]")[-1].replace("[/INST]", ""))) for p in pairs}
    assert len(keys) == 300 and not keys & keep_out
    # 4-block problems are few, so some of the paper's test problems would have been drawn without the exclusion.
    drawn = generated_pairs(300, "1,2", "4", set(), seed=3, template="seed")
    assert {problem_key(*parse_problem(p.prompt.split("[INST]")[-1].replace("[/INST]", ""))) for p in drawn} & keep_out
    assert all(p.completion.startswith(" Plan:\nstep 1:") for p in pairs)


def test_scratch_data_follows_level_and_block_weights():
    pairs = generated_pairs(240, "1:1,3:3", "4:1,6:2", set(), seed=5, template="seed")
    by_level = {lv: [p for p in pairs if p.level == lv] for lv in (1, 3)}
    assert (len(by_level[1]), len(by_level[3])) == (60, 180)
    from bwbench.world.text import parse_problem

    blocks = [len(parse_problem(p.prompt.split("[INST]")[-1].replace("[/INST]", ""))[0].blocks) for p in by_level[3]]
    assert (blocks.count(4), blocks.count(6)) == (60, 120)
    with pytest.raises(Exception, match="bad level weight '1:0'"):
        generated_pairs(10, "1:0", "4", set(), seed=5, template="seed")


@pytest.mark.parametrize("total, levels, blocks", [
    (40_000, "1:1,2:2,3:6", "4-6"),  # 39,999 when each cell was rounded on its own
    (40_000, "1,2,3", "4-6"), (100_000, "1:1,2:2,3:7", "4:1,5:2,6:3"), (7, "1,2,3", "4-6"), (1, "1:1,3:3", "4:1,6:2"),
    (1001, "1:0.3,2:0.3,3:0.4", "5"), (12_345, "2", "4:1,5:1,6:1,7:1"),
])
def test_scratch_problems_are_apportioned_exactly(total, levels, blocks):
    from fractions import Fraction

    from bwbench.training.data import apportion, block_range, level_weights

    lw = level_weights(levels)
    bw = level_weights(blocks) if ":" in blocks else dict.fromkeys(block_range(blocks), 1.0)
    weights = [lw[lv] * bw[nb] for lv in lw for nb in bw]
    counts = apportion(total, weights)
    assert sum(counts) == total and len(counts) == len(weights)
    for count, w in zip(counts, weights):  # each share is its quota rounded down or up, never further off
        quota = total * Fraction(w) / sum(Fraction(x) for x in weights)
        assert quota - 1 < count < quota + 1


def test_scratch_data_has_exactly_the_problems_asked_for():
    for n in (4, 10):  # 9 cells: fewer problems than cells, and a total the cells do not divide
        pairs = generated_pairs(n, "1,2,3", "4-6", set(), seed=2, template="seed")
        assert len(pairs) == n


def test_the_word_tokenizer_is_lossless_and_short():
    """Every prompt and plan of the published suites and the seed's L3 file decodes back exactly, with no unknown
    token; the fixed header and each ``step N:`` are one token, so an L3 plan is under 30 tokens."""
    from bwbench.suites.dataset import read_examples
    from bwbench.models.tiny import word_tokenizer
    from bwbench.suites.view import gold_text
    from bwbench.tasks.plan import PLAN
    from bwbench.tasks.prompts import PromptConfig

    tok = word_tokenizer()
    files = [PAPER / "test.jsonl", PAPER / "train.jsonl"]
    seed = PAPER.parents[2] / "shared" / "seed-reference" / "data" / "blocksworld_L3_test.jsonl"
    files += [seed] if seed.is_file() else []
    for file in files:
        for ex in read_examples(file):
            for text in (PLAN.prompt(ex, PromptConfig("seed"), []).text, " " + gold_text(ex)):
                ids = tok(text, add_special_tokens=False)["input_ids"]
                assert tok.decode(ids) == text and tok.unk_token_id not in ids
            if ex.gold is not None and len(ex.gold) == 6:
                assert len(tok(" " + gold_text(ex), add_special_tokens=False)["input_ids"]) < 30
    header = tok(PLAN.prompt(ex, PromptConfig("seed"), []).text)["input_ids"][0]
    assert tok.convert_ids_to_tokens(header).startswith("[INST] Given the rules")


def test_settings_are_typed_and_checked():
    assert parse_sets(["lora_r=8", "epochs=1.5", "curriculum=false", "base_model=none"]) == {
        "lora_r": 8, "epochs": 1.5, "curriculum": False, "base_model": None}
    assert parse_sets(["axolotl.gradient_checkpointing=true", "axolotl.lora_target_modules=[q_proj, v_proj]"]) == {
        "axolotl": {"gradient_checkpointing": True, "lora_target_modules": ["q_proj", "v_proj"]}}
    cfg = TrainConfig(adapter="full", suite="x", base_model="m").resolved()
    assert (cfg.learning_rate, cfg.micro_batch_size, cfg.gradient_accumulation) == (5e-5, 2, 10)


@pytest.mark.parametrize("args, start", [
    (["--adapter", "lora", "--base-model", "/nonexistent/model"], "error: --base-model /nonexistent/model: no such model directory"),
    (["--adapter", "lora"], "error: --base-model: lora fine-tuning needs a base model"),
    (["--adapter", "dpo"], "error: --adapter: unknown adapter 'dpo'"),
    (["--adapter", "lora", "--backend", "slurm", "--base-model", "x/y"], "error: --backend: unknown backend 'slurm'"),
    (["--adapter", "scratch", "--set", "lora_rank=4"], "error: --set: not a training setting: 'lora_rank=4'"),
    (["--adapter", "scratch", "--set", "epochs=many"], "error: --set: epochs takes a float, not 'many'"),
])
@pytest.mark.slow
def test_bad_training_input_fails_before_work(tmp_path, args, start):
    r = run_cli("train", "--suite", PAPER, "--out", tmp_path / "o", *args)
    assert r.returncode == 2 and r.stderr.startswith(start), r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


@pytest.mark.slow
def test_a_suite_without_train_split(tmp_path, base):
    suite = tmp_path / "s"
    suite.mkdir()
    (suite / "test.jsonl").write_text((PAPER / "test.jsonl").read_text().split("\n", 1)[0] + "\n")
    r = run_cli("train", "--adapter", "lora", "--base-model", base, "--suite", suite, "--out", tmp_path / "o")
    assert r.returncode == 2 and "has no train split" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


@pytest.mark.slow
def test_the_shipped_model_loads_and_evaluates(tmp_path):
    from bwbench.models.tiny import shipped_path

    if shipped_path() is None:
        pytest.skip("models/bwbench-tiny is not in this checkout")
    r = run_cli("eval", "--model", "bwbench-tiny", "--suite", PAPER, "--level", "L1", "--limit", "8", "--out", tmp_path / "t")
    assert r.returncode == 0, r.stderr
    res = json.loads((tmp_path / "t" / "results.json").read_text())
    assert res["n_examples"] == 8 and res["model_settings"]["architecture"] == "LlamaForCausalLM"
    # Named, and pinned by its weights, rather than by where this checkout keeps it.
    weights = (shipped_path() / "model.safetensors").read_bytes()
    assert res["model_settings"]["base_model"] == "bwbench-tiny"
    assert res["model_settings"]["weights_sha256"] == hashlib.sha256(weights).hexdigest()
    assert res["metrics"]["overall"]["valid"] > 0.5  # it was trained for this; a broken load would score 0


def test_the_shipped_model_came_from_the_recorded_configs():
    """models/bwbench-tiny/run.json (and the run it continued, if any) match configs/scratch/*.yaml, so the
    README's commands reproduce it; and it stays small enough to live in the repository."""
    from bwbench.models.tiny import shipped_path
    from bwbench.training.config import load_file

    shipped = shipped_path()
    if shipped is None:
        pytest.skip("models/bwbench-tiny is not in this checkout")
    run = json.loads((shipped / "run.json").read_text())
    chain = [run]
    while chain[-1].get("initialised_from"):
        chain.append(chain[-1]["initialised_from"]["run"])
    names = ["default.yaml"] if len(chain) == 1 else ["default-continue.yaml", "default.yaml"]
    assert len(chain) == len(names)
    for record, name in zip(chain, names):
        wanted = load_file(PAPER.parents[1] / "configs" / "scratch" / name)
        assert {k: record["config"][k] for k in wanted} == wanted, name
        assert record["config"]["adapter"] == "scratch" and record["config"]["suite"] == "data/paper"
    assert (shipped / "model.safetensors").stat().st_size < 20 * 2**20
