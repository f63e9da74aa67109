"""``bwbench train``: fine-tune a model on a suite, or train a small one from scratch."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated, Any, List, Optional, get_type_hints

import typer

from ..errors import BwbenchError
from . import common
from .app import command
from .common import SettingsCommand

Adapter = Annotated[str, typer.Option("--adapter", metavar="KIND", help="lora, full, or scratch (a small Llama from random weights).")]
Backend = Annotated[str, typer.Option("--backend", metavar="NAME", help="local (transformers Trainer, CPU or GPU), axolotl (Axolotl on this machine, in its own environment), or modal (Axolotl on Modal GPUs).")]
Suite = Annotated[Path, typer.Option("--suite", metavar="DIR", help="Suite directory: its train split (lora, full), or its test split to keep out (scratch).")]
BaseModel = Annotated[Optional[str], typer.Option("--base-model", metavar="MODEL", help="lora/full: the model to fine-tune (directory or hub id).")]
Out = Annotated[Optional[Path], typer.Option("--out", metavar="DIR", help="Run directory (default: runs/<adapter>-<suite>). Running again resumes (local).")]
Config = Annotated[Optional[Path], typer.Option("--config", metavar="FILE", help="YAML or JSON file of settings (names as in --set).")]
Sets = Annotated[List[str], typer.Option("--set", metavar="KEY=VALUE", help="Override a setting, e.g. --set lora_r=8 --set epochs=1, or an Axolotl one: --set axolotl.KEY=VALUE (repeatable).")]
Wandb = Annotated[bool, typer.Option("--wandb", help="Report to Weights & Biases (key from WANDB_API_KEY, or Modal's wandb-secret).")]
DryRun = Annotated[bool, typer.Option("--dry-run", help="axolotl, modal: write axolotl.yml and data.jsonl and validate them, then stop.")]


@command(cls=SettingsCommand, epilog=common.examples(
    "bwbench train --adapter lora --base-model models/bwbench-tiny --suite data/paper --set max_steps=20 "
    "--out runs/lora-tiny  # a quick try on the shipped model; the paper's: --base-model meta-llama/Llama-2-7b-chat-hf"))
def train(suite: Suite, adapter: Adapter = "lora", backend: Backend = "local", base_model: BaseModel = None,
          out: Out = None, config: Config = None, sets: Sets = [], wandb: Wandb = False, dry_run: DryRun = False) -> None:
    """Fine-tune a model (LoRA or full) on a suite's train split, or train a small one from scratch."""
    from ..training.run import TrainRequest
    from ..training.run import train as run_train

    request = TrainRequest(suite, adapter, backend, base_model, out, config, parse_sets(sets), wandb, dry_run)
    trained = run_train(request, common.command_line(), announce=common.show)
    for line in trained.lines:
        common.show(line)


def parse_sets(pairs: list[str]) -> dict[str, Any]:
    """``["lora_r=8", "epochs=1"]`` → typed values for :class:`TrainConfig` fields; ``axolotl.KEY=VALUE`` as YAML."""
    from ..training.config import TrainConfig

    hints = get_type_hints(TrainConfig)
    parsed: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip().replace("-", "_")
        if key.startswith("axolotl.") and sep:
            import yaml

            try:
                value = yaml.safe_load(raw)
            except yaml.YAMLError:
                raise BwbenchError(f"not a YAML value: {pair!r}", "--set") from None
            parsed.setdefault("axolotl", {})[key.partition(".")[2]] = value
            continue
        if not sep or key not in hints:
            known = ", ".join(f.name for f in dataclasses.fields(TrainConfig))
            raise BwbenchError(f"not a training setting: {pair!r} (settings: {known})", "--set")
        parsed[key] = _convert(key, raw.strip(), hints[key])
    return parsed


def _convert(key: str, raw: str, hint: Any) -> Any:
    text = str(hint)
    try:
        if raw.lower() in ("none", "null") and "None" in text:
            return None
        if "bool" in text:
            if raw.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError
            return raw.lower() in ("true", "1", "yes")
        if "float" in text:
            return float(raw)
        if "int" in text:
            return int(raw)
    except ValueError:
        kind = getattr(hint, "__name__", None) or text.replace("typing.", "")
        raise BwbenchError(f"{key} takes a {kind}, not {raw!r}", "--set") from None
    return raw
