"""One typed training configuration, built the same way from the command line, a config file or Python.

Defaults are the seed's (Axolotl on Llama-2-7b-chat): LoRA r=16, alpha=32,
dropout 0.05 on all linear layers, lr 2e-4, micro-batch 8, 3 epochs, cosine
schedule with warmup; full fine-tunes lr 5e-5 with a global batch of 20
(micro-batch 2 × accumulation 10); 15% held out for validation; the seed's
``[INST] … [/INST]`` template; loss on the plan tokens only. ``scratch`` trains
a small Llama from random weights on freshly generated problems.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from ..errors import BwbenchError
from ..models.paths import local_model

ADAPTERS = ("lora", "full", "scratch")
BACKENDS = ("local", "axolotl", "modal")


def _f(default: Any, doc: str):
    return field(default=default, metadata={"doc": doc})


@dataclass
class TrainConfig:
    adapter: str = _f("lora", "lora, full or scratch")
    backend: str = _f("local", "local (transformers Trainer, CPU or GPU), axolotl (Axolotl here), modal (Axolotl on Modal GPUs)")
    suite: str = _f("", "suite directory: its train split (lora, full), or its test split to exclude (scratch)")
    base_model: str | None = _f(None, "model to fine-tune (lora, full): a local directory or hub id")
    out: str = _f("", "run directory; holds what `bwbench eval --model hf:<out>` needs")
    learning_rate: float | None = _f(None, "default: 2e-4 (lora), 5e-5 (full), 1e-3 (scratch)")
    epochs: float = _f(3.0, "passes over the training examples")
    max_steps: int = _f(-1, "stop after this many optimiser steps (-1: run the epochs)")
    save_steps: int = _f(0, "a checkpoint every this many optimiser steps (0: every tenth of the run; axolotl, modal: "
                            "once an epoch)")
    micro_batch_size: int | None = _f(None, "default: 8 (lora), 2 (full), 32 (scratch)")
    gradient_accumulation: int | None = _f(None, "default: 1 (lora, scratch), 10 (full)")
    warmup_ratio: float = _f(0.05, "share of steps with a linear warmup before the cosine schedule")
    weight_decay: float = _f(0.0, "AdamW weight decay")
    val_split: float = _f(0.15, "share of examples held out for validation")
    max_seq_len: int = _f(1024, "longer examples are dropped (and counted)")
    lora_r: int = _f(16, "LoRA rank")
    lora_alpha: int = _f(32, "LoRA alpha")
    lora_dropout: float = _f(0.05, "LoRA dropout")
    lora_target: str = _f("all-linear", "LoRA target modules: all-linear or a comma-separated list")
    template: str = _f("seed", "prompt template the model is trained with (seed or plain)")
    seed: int = _f(0, "seed for data order, initialisation and splits")
    wandb: bool = _f(False, "report to Weights & Biases (key from WANDB_API_KEY)")
    device: str = _f("auto", "auto, cpu or cuda")
    quick: bool = _f(False, "a quick test of the setup: one epoch on the first 8 training examples (axolotl, modal)")
    axolotl: dict = field(default_factory=dict, metadata={
        "doc": "axolotl, modal: more Axolotl settings (--set axolotl.KEY=VALUE, VALUE in YAML), checked by Axolotl"})
    axolotl_bin: str = _f("", "axolotl: the `axolotl` command (default: $BWBENCH_AXOLOTL, then PATH)")
    gpu: str = _f("A100:2", "modal: GPU type and count, as Modal spells it (A100:2, H100, A100-80GB:4)")
    # scratch only
    hidden: int = _f(256, "scratch: hidden size")
    layers: int = _f(4, "scratch: transformer layers")
    heads: int = _f(4, "scratch: attention heads")
    problems: int = _f(40_000, "scratch: problems generated for training")
    levels: str = _f("1,2,3", "scratch: levels of the generated problems, each with an optional weight (1:1,2:2,3:6)")
    blocks: str = _f("4-6", "scratch: block counts of the generated problems (4-6), or with weights (4:1,5:2,6:3)")
    curriculum: bool = _f(True, "scratch: order examples from short plans to long ones")
    init_from: str = _f("", "scratch: start from this scratch run's weights (a run directory) instead of random ones")
    exclude: str = _f("", "scratch: more dataset files (comma-separated) whose problems are kept out of training")

    def resolved(self) -> "TrainConfig":
        """This config with the adapter's defaults filled in."""
        if self.adapter not in ADAPTERS:
            self.check()  # says which adapters there are
        lr = {"lora": 2e-4, "full": 5e-5, "scratch": 1e-3}[self.adapter]
        mb = {"lora": 8, "full": 2, "scratch": 32}[self.adapter]
        ga = {"lora": 1, "full": 10, "scratch": 1}[self.adapter]
        return dataclasses.replace(
            self, learning_rate=self.learning_rate or lr, micro_batch_size=self.micro_batch_size or mb,
            gradient_accumulation=self.gradient_accumulation or ga,
        )

    def check(self) -> None:
        """``BwbenchError`` naming the setting for anything that cannot work, before any expensive step."""
        if self.adapter not in ADAPTERS:
            raise BwbenchError(f"unknown adapter {self.adapter!r}; choose one of: {', '.join(ADAPTERS)}", field="adapter")
        if self.adapter == "scratch" and self.backend != "local":
            raise BwbenchError("scratch models train on the local backend", field="backend")
        if self.backend not in BACKENDS:
            raise BwbenchError(f"unknown backend {self.backend!r}; this version trains with: {', '.join(BACKENDS)}",
                               field="backend")
        if self.adapter in ("lora", "full") and not self.base_model:
            raise BwbenchError(f"{self.adapter} fine-tuning needs a base model", field="base_model")
        if self.adapter in ("lora", "full"):
            local_model(self.base_model, field="base_model")  # a mistyped path, not a hub id to be looked for
        if self.init_from and self.adapter != "scratch":
            raise BwbenchError("continues a scratch model; fine-tunes start from their base model", field="init_from")
        if self.init_from and not (Path(self.init_from) / "config.json").is_file():
            raise BwbenchError("not a model directory (no config.json)", self.init_from, field="init_from")
        if self.adapter == "scratch" and self.base_model:
            raise BwbenchError("scratch trains from random weights; it takes no base model", field="base_model")
        if not self.suite:
            raise BwbenchError("name a suite directory", field="suite")
        if self.save_steps < 0:
            raise BwbenchError("must be 0 (the default) or more", field="save_steps")
        if not 0 <= self.val_split < 1:
            raise BwbenchError("must be at least 0 and below 1", field="val_split")
        if self.template not in ("seed", "plain"):
            raise BwbenchError("must be seed or plain", field="template")

    def to_json(self) -> dict:
        return dataclasses.asdict(self)


def load_file(path: Path) -> dict[str, Any]:
    """Settings from a YAML or JSON file (keys as in :class:`TrainConfig`)."""
    try:
        text = path.read_text()
    except OSError as exc:
        raise BwbenchError(f"cannot read: {exc.strerror}", str(path)) from None
    try:
        if path.suffix == ".json":
            data = json.loads(text)
        else:
            import yaml

            data = yaml.safe_load(text)
    except Exception as exc:  # both parsers raise their own types; either way the file is unreadable
        raise BwbenchError(f"not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {str(exc).splitlines()[0]}",
                           str(path)) from None
    if not isinstance(data, dict):
        raise BwbenchError("a config file must map setting names to values", str(path))
    hints = get_type_hints(TrainConfig)
    bad = [k for k in data if k not in hints]
    if bad:
        raise BwbenchError(f"unknown settings: {', '.join(map(str, bad))}", str(path))
    if not isinstance(data.get("axolotl", {}), dict):
        raise BwbenchError("axolotl: must map Axolotl setting names to values", str(path))
    return data
