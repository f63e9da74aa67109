"""``bwbench train``: one training run on the backend it names, from settings given every way they can be.

Settings come from a config file, then each one given by name (``--set``),
then the options; the result is one :class:`~.config.TrainConfig`, checked
before anything expensive starts. The backend decides where it runs: the
transformers Trainer here (``local``), Axolotl here (``axolotl``) or Axolotl on
Modal GPUs (``modal``). What a run made is summed up in a few lines that say
how to evaluate it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import BwbenchError
from .config import TrainConfig, load_file


@dataclass(frozen=True)
class TrainRequest:
    """What ``bwbench train`` asks for: the options, a config file, and settings given by name (parsed)."""

    suite: Path
    adapter: str = "lora"
    backend: str = "local"
    base_model: str | None = None
    out: Path | None = None
    config: Path | None = None
    sets: dict[str, Any] = field(default_factory=dict)
    wandb: bool = False
    dry_run: bool = False

    def train_config(self) -> TrainConfig:
        """The one config: the file's settings, then those given by name, then the options; checked."""
        values = load_file(self.config) if self.config else {}
        extra = dict(self.sets)
        values["axolotl"] = {**values.get("axolotl", {}), **extra.pop("axolotl", {})}
        values.update(extra)
        out = self.out or Path("runs") / f"{self.adapter}-{self.suite.name}"
        cfg = TrainConfig(**{**values, "adapter": self.adapter, "backend": self.backend, "suite": str(self.suite),
                             "base_model": self.base_model or values.get("base_model"), "out": str(out),
                             "wandb": self.wandb or bool(values.get("wandb"))})
        cfg.resolved().check()
        if self.dry_run and self.backend == "local":
            raise BwbenchError("a dry run renders and validates an Axolotl config: it goes with the axolotl or "
                               "modal backend", field="dry_run")
        return cfg


@dataclass(frozen=True)
class Trained:
    """What a training command did, and the lines that tell it."""

    config: TrainConfig
    record: dict
    lines: tuple[str, ...]


def train(request: TrainRequest, command: str, announce: Callable[[str], None] = print) -> Trained:
    """Run (or, with ``dry_run``, render and validate) the training ``request`` asks for; ``announce`` hears the
    name of a Modal run as soon as it has one."""
    cfg = request.train_config()
    out = Path(cfg.out)
    if request.dry_run:
        from .axolotl import dry_run_modal
        from .axolotl import train as run_axolotl

        record = run_axolotl(cfg, command, dry_run=True) if cfg.backend == "axolotl" else dry_run_modal(cfg, command)
        version = record["versions"]["axolotl"]
        said = f"valid for Axolotl {version}" if version else \
            "rendered (no local Axolotl to validate it; the Modal image does before training)"
        return Trained(cfg, record, (f"{out / 'axolotl.yml'}: {said} ({record['examples']:,} examples in "
                                     f"{out / 'data.jsonl'})",))
    if cfg.backend == "local":
        from .local import train as run_local

        return _local(cfg, run_local(cfg))
    if cfg.backend == "axolotl":
        from .axolotl import train as run_axolotl

        record = run_axolotl(cfg, command)
    else:
        from .remote import train as run_modal

        record = run_modal(cfg, command, announce=lambda n: announce(
            f"Modal run {n} (saved in {out / 'modal.json'}; fetch it with: bwbench runs pull {n})"))
    where = out if cfg.backend == "axolotl" else "<pulled run dir>"
    return Trained(cfg, record, (f"{cfg.adapter} run → {out} ({cfg.backend}), {record['wall_s']:.0f}s",
                                 f"evaluate it: bwbench eval --model hf:{where} --suite {cfg.suite}"))


def _local(cfg: TrainConfig, record: dict) -> Trained:
    """A local run and the lines that tell it: examples, losses, throughput, and how to evaluate it."""
    m = record["metrics"]
    return Trained(cfg, record, (f"{cfg.adapter} run → {cfg.out}: {record['examples']['train']:,} examples, "
            f"{m.get('train_loss', float('nan')):.4f} train loss"
            + (f", {m['eval_loss']:.4f} validation loss" if "eval_loss" in m else "")
            + f", {record['tokens_per_s']:,.0f} tokens/s, {record['wall_s']:.0f}s",
            f"evaluate it: bwbench eval --model hf:{cfg.out} --suite {cfg.suite}"))
