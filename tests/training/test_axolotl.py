"""`bwbench train --backend axolotl`: real Axolotl runs of a few steps on a tiny local model, on CPU.

Axolotl pins its own transformers and peft, so it lives in a virtual environment
of its own; these tests find its command through ``BWBENCH_AXOLOTL`` (``.ci/run``
builds that environment and sets ``BWBENCH_REQUIRE_AXOLOTL=1``, so there a
missing Axolotl fails instead of skipping).
"""

import json
import os
import shutil
from pathlib import Path

import pytest

from bwbench.training.axolotl import AXOLOTL_VERSION, render, template, to_yaml
from bwbench.training.config import TrainConfig

from ..conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
PAPER = ROOT / "data" / "paper"
AXOLOTL = os.environ.get("BWBENCH_AXOLOTL") or shutil.which("axolotl")
needs_axolotl = pytest.mark.skipif(
    not AXOLOTL and not os.environ.get("BWBENCH_REQUIRE_AXOLOTL"),
    reason="Axolotl is not installed here (set BWBENCH_AXOLOTL=<venv>/bin/axolotl)")


@pytest.fixture
def base(tiny_base):
    return tiny_base


def _completions(run: Path) -> list[str]:
    return [json.loads(line)["completion"] for line in (run / "predictions.jsonl").read_text().splitlines()]


@pytest.mark.slow
@needs_axolotl
def test_axolotl_lora_trains_merges_and_evaluates(base, tmp_path):
    out = tmp_path / "lora"
    r = run_cli("train", "--adapter", "lora", "--backend", "axolotl", "--suite", PAPER, "--base-model", base,
                "--out", out, "--set", "max_steps=3", "--set", "micro_batch_size=2")
    assert r.returncode == 0, r.stderr[-3000:]
    run = json.loads((out / "run.json").read_text())
    assert run["backend"] == "axolotl" and run["versions"]["axolotl"] and run["merged"] == "merged"
    assert run["suite_sha256"] and run["examples"] == 567
    assert (out / "adapter_config.json").is_file() and (out / "merged" / "model.safetensors").is_file()
    # What Axolotl trained on is the seed's format, and its config the one bwbench rendered.
    row = json.loads((out / "data.jsonl").read_text().splitlines()[0])
    assert set(row) == {"instruction", "input", "output"} and row["output"].startswith("Plan:\nstep 1:")
    steps = [ln.split()[2] for ln in (out / "axolotl.log").read_text().splitlines() if ln.startswith("$ ")]
    assert steps == ["preprocess", "train", "merge-lora"]
    for name, spec in [("adapter", f"hf:{out}"), ("merged", f"hf:{out / 'merged'}")]:
        r = run_cli("eval", "--model", spec, "--suite", PAPER, "--level", "L1", "--limit", "3", "--max-new-tokens", "12",
                    "--out", tmp_path / name)
        assert r.returncode == 0, r.stderr
    assert json.loads((tmp_path / "adapter" / "results.json").read_text())["model_settings"]["lora"] == str(out)
    assert _completions(tmp_path / "adapter") == _completions(tmp_path / "merged")  # merge-lora kept the adapter's effect


@pytest.mark.slow
@needs_axolotl
def test_axolotl_full_fine_tune(base, tmp_path):
    out = tmp_path / "full"
    r = run_cli("train", "--adapter", "full", "--backend", "axolotl", "--suite", PAPER, "--base-model", base,
                "--out", out, "--set", "max_steps=2", "--set", "gradient_accumulation=1", "--set", "quick=true")
    assert r.returncode == 0, r.stderr[-3000:]
    assert (out / "model.safetensors").is_file() and not (out / "adapter_config.json").exists()
    assert len((out / "data.jsonl").read_text().splitlines()) == 8  # quick: the first 8 examples
    r = run_cli("eval", "--model", f"hf:{out}", "--suite", PAPER, "--limit", "2", "--max-new-tokens", "8",
                "--out", tmp_path / "eval")
    assert r.returncode == 0, r.stderr


@needs_axolotl
@pytest.mark.parametrize("setting, reason", [
    ("axolotl.lora_rank=8", "not an Axolotl setting: lora_rank"),
    ("axolotl.lora_r=eight", "lora_r: Input should be a valid integer"),
])
def test_a_config_axolotl_rejects_stops_before_training(base, tmp_path, setting, reason):
    out = tmp_path / "bad"
    r = run_cli("train", "--adapter", "lora", "--backend", "axolotl", "--suite", PAPER, "--base-model", base,
                "--out", out, "--set", setting)
    assert r.returncode == 2
    assert r.stderr.startswith(f"error: {out / 'axolotl.yml'}: Axolotl {AXOLOTL_VERSION} rejects it: ")
    assert reason in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not (out / "prepared").exists() and not (out / "axolotl.log").exists()  # nothing ran


@needs_axolotl
def test_dry_run_validates_and_writes_the_config(base, tmp_path):
    r = run_cli("train", "--adapter", "lora", "--backend", "axolotl", "--suite", PAPER, "--base-model", base,
                "--out", tmp_path / "dry", "--dry-run")
    assert r.returncode == 0, r.stderr
    assert "valid for Axolotl" in r.stdout and (tmp_path / "dry" / "axolotl.yml").is_file()
    assert not (tmp_path / "dry" / "run.json").exists()


@pytest.mark.slow
def test_missing_axolotl_is_one_line_before_any_work(base, tmp_path, monkeypatch):
    monkeypatch.setenv("BWBENCH_AXOLOTL", str(tmp_path / "no-such-axolotl"))
    r = run_cli("train", "--adapter", "lora", "--backend", "axolotl", "--suite", PAPER, "--base-model", base,
                "--out", tmp_path / "x")
    assert r.returncode == 2 and r.stderr.startswith("error: --backend: ") and "is not a command" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and not (tmp_path / "x").exists()


def test_rendering_follows_the_settings():
    lora = render(TrainConfig(adapter="lora", suite="s", base_model="m", out="o"), data="d.jsonl", out="o", device="gpu")
    assert (lora["adapter"], lora["lora_r"], lora["lora_alpha"], lora["lora_dropout"]) == ("lora", 16, 32, 0.05)
    assert lora["learning_rate"] == 2e-4 and lora["micro_batch_size"] == 8 and lora["lr_scheduler"] == "cosine"
    assert lora["train_on_inputs"] is False and lora["val_set_size"] == 0.15 and lora["bf16"] == "auto"
    assert lora["datasets"][0]["type"]["format"] == "[INST] {instruction}\n\n{input} [/INST]"  # the seed's template
    full = render(TrainConfig(adapter="full", suite="s", base_model="m", out="o", axolotl={"deepspeed": "z3.json"}),
                  data="d.jsonl", out="o", device="cpu")
    assert "adapter" not in full and not any(k.startswith("lora_") for k in full)
    assert (full["learning_rate"], full["micro_batch_size"], full["gradient_accumulation_steps"]) == (5e-5, 2, 10)
    assert full["bf16"] is False and full["deepspeed"] == "z3.json"  # CPU: no half precision; extra keys pass through
    # Every key bwbench renders comes from the one template (or from the settings' extra Axolotl keys).
    assert set(lora) <= set(template()) and set(full) - {"deepspeed"} <= set(template())
    # Checkpoints once an epoch, or every save_steps optimiser steps (Axolotl takes one or the other).
    assert lora["saves_per_epoch"] == 1 and "save_steps" not in lora
    every = render(TrainConfig(adapter="lora", suite="s", base_model="m", out="o", save_steps=25), data="d.jsonl",
                   out="o", device="gpu")
    assert every["save_steps"] == 25 and "saves_per_epoch" not in every and set(every) <= set(template())


@pytest.mark.parametrize("name", ["llama2-7b-chat-lora", "llama2-7b-chat-full", "llama2-7b-chat-lora-quick",
                                  "llama2-7b-chat-full-quick"])
def test_published_configs_are_what_the_template_renders(name):
    """configs/axolotl/*.yml regenerate byte for byte from the command in their first line."""
    import shlex

    from bwbench.cli.train import parse_sets

    text = (ROOT / "configs" / "axolotl" / f"{name}.yml").read_text()
    command = text.splitlines()[0].split(": ", 1)[1]
    argv = shlex.split(command)[1:]
    opts = {argv[i]: argv[i + 1] for i in range(1, len(argv) - 1) if argv[i].startswith("--") and argv[i] != "--set"}
    sets = parse_sets([argv[i + 1] for i in range(len(argv) - 1) if argv[i] == "--set"])
    cfg = TrainConfig(adapter=opts["--adapter"], backend="modal", suite=opts["--suite"], base_model=opts["--base-model"],
                      out=opts["--out"], **sets)
    root = "/runs/<run name>"
    rendered = render(cfg, data=f"{root}/data.jsonl", out=root, device="gpu")
    assert text == to_yaml(rendered, command)
