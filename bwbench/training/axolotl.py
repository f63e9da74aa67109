"""Fine-tuning with Axolotl: one template rendered to YAML, checked by Axolotl's own validator, then trained.

Axolotl pins its own transformers, peft and modal, so it lives in a virtual
environment of its own (or only inside the Modal image); bwbench talks to it
through its command line. The ``axolotl`` command is taken from the
``axolotl_bin`` setting, then ``BWBENCH_AXOLOTL``, then ``PATH``.

A run directory gets ``data.jsonl`` (the suite's train split as
instruction/input/output, what the seed trained on), ``axolotl.yml`` (the
rendered config), ``axolotl.log``, Axolotl's output (the LoRA adapter or the
full model, so ``bwbench eval --model hf:<run>`` works), ``merged/`` for LoRA,
and ``run.json``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import resources
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import BwbenchError
from ..fileio import atomic_write
from .config import TrainConfig
from .local import suite_sha

AXOLOTL_VERSION = "0.19.0"  # the version the template and the CI run are checked against

# Runs inside Axolotl's own Python: validate a rendered config with Axolotl's schema and report as JSON.
CHECK = r"""
import json, logging, sys, warnings
warnings.filterwarnings("ignore")
logging.disable(logging.WARNING)
import yaml
import axolotl
from axolotl.utils.config import validate_config
from axolotl.utils.dict import DictDefault
from axolotl.utils.schemas.config import AxolotlInputConfig

raw = yaml.safe_load(open(sys.argv[1]))
known = set(AxolotlInputConfig.model_fields) | {f.alias for f in AxolotlInputConfig.model_fields.values() if f.alias}
report = {"version": axolotl.__version__}
unknown = sorted(k for k in raw if k not in known)
if unknown:
    report["error"] = "not an Axolotl setting: " + ", ".join(unknown)
else:
    try:
        validate_config(DictDefault(raw))
    except Exception as exc:
        errors = getattr(exc, "errors", None)
        if callable(errors):
            first = errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            report["error"] = (where + ": " if where else "") + first.get("msg", str(exc))
        else:
            report["error"] = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
open(sys.argv[2], "w").write(json.dumps(report))
"""


def template() -> dict:
    import yaml

    return yaml.safe_load(resources.files("bwbench.training").joinpath("axolotl_template.yml").read_text())


def render(cfg: TrainConfig, *, data: str, out: str, device: str) -> dict:
    """The template filled in from ``cfg`` (resolved), for a run writing to ``out`` on ``device`` (cpu or gpu)."""
    cfg = cfg.resolved()
    d = template()
    gpu = device == "gpu"
    d["base_model"] = cfg.base_model
    d["datasets"][0]["path"] = data
    d.update(
        dataset_prepared_path=f"{out}/prepared", val_set_size=cfg.val_split, output_dir=out,
        sequence_len=cfg.max_seq_len, micro_batch_size=cfg.micro_batch_size,
        gradient_accumulation_steps=cfg.gradient_accumulation, num_epochs=cfg.epochs, learning_rate=cfg.learning_rate,
        warmup_ratio=cfg.warmup_ratio, weight_decay=cfg.weight_decay, seed=cfg.seed,
        bf16="auto" if gpu else False, tf32=gpu, gradient_checkpointing=gpu, sdp_attention=gpu,
        wandb_project="bwbench" if cfg.wandb else None,
    )
    if cfg.max_steps > 0:
        d["max_steps"] = cfg.max_steps
    if cfg.save_steps > 0:
        d.update(save_steps=cfg.save_steps, saves_per_epoch=None)  # Axolotl takes one or the other
    if cfg.adapter == "lora":
        linear = cfg.lora_target == "all-linear"
        d.update(adapter="lora", lora_r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.lora_dropout,
                 lora_target_linear=True if linear else None,
                 lora_target_modules=None if linear else [t.strip() for t in cfg.lora_target.split(",")])
    else:
        for key in [k for k in d if k.startswith("lora_")] + ["adapter"]:
            d.pop(key)
        if gpu and cfg.backend == "modal" and gpu_count(cfg.gpu) > 1:
            d.update(fsdp_version=2, gradient_checkpointing=None, fsdp_config={
                "offload_params": False, "state_dict_type": "FULL_STATE_DICT", "auto_wrap_policy": "TRANSFORMER_BASED_WRAP",
                "transformer_layer_cls_to_wrap": "LlamaDecoderLayer", "reshard_after_forward": True,
                "activation_checkpointing": True})
    if cfg.quick:
        d.update(num_epochs=1, val_set_size=0, evals_per_epoch=None)
    d.update(cfg.axolotl)
    return {k: v for k, v in d.items() if v is not None}


def gpu_count(spec: str) -> int:
    """``A100:2`` → 2, ``H100`` → 1 (``BwbenchError`` for anything else)."""
    _, _, count = spec.partition(":")
    try:
        n = int(count) if count else 1
    except ValueError:
        n = 0
    if n < 1:
        raise BwbenchError(f"not a GPU spec: {spec!r} (e.g. A100:2, H100)", field="gpu")
    return n


def to_yaml(d: dict, command: str) -> str:
    import yaml

    head = f"# Rendered by bwbench {__version__} for Axolotl {AXOLOTL_VERSION}: {command}\n"
    return head + yaml.safe_dump(d, sort_keys=False, allow_unicode=True, width=120)


def find_axolotl(cfg: TrainConfig) -> Path:
    """The ``axolotl`` command (``BwbenchError`` naming the ways to give it when there is none)."""
    given = cfg.axolotl_bin or os.environ.get("BWBENCH_AXOLOTL", "")
    found = shutil.which(given) if given else shutil.which("axolotl")
    if not found:
        where = f"{given!r} is not a command" if given else "no `axolotl` command on PATH"
        raise BwbenchError(
            f"{where}; install Axolotl {AXOLOTL_VERSION} in a virtual environment of its own and set "
            "BWBENCH_AXOLOTL=<venv>/bin/axolotl (or the axolotl_bin setting)", field="backend")
    return Path(found)


def _python_of(axolotl: Path) -> str:
    beside = axolotl.parent / "python"
    if beside.exists():
        return str(beside)
    first = axolotl.read_text(errors="replace").splitlines()[0] if axolotl.is_file() else ""
    return first[2:].strip() if first.startswith("#!") else sys.executable


def validate(config_file: Path, axolotl: Path) -> str:
    """Check a rendered config with Axolotl's own validator; returns Axolotl's version.

    ``BwbenchError`` (file and Axolotl's reason) for a config Axolotl rejects,
    including keys it does not know (its validator would drop them silently).
    """
    with tempfile.TemporaryDirectory() as tmp:
        report_file = Path(tmp) / "report.json"
        proc = subprocess.run([_python_of(axolotl), "-c", CHECK, str(config_file), str(report_file)],
                              capture_output=True, text=True, env=_env())
        if not report_file.is_file():
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            raise BwbenchError(f"Axolotl's validator did not run: {tail}", str(config_file))
        report = json.loads(report_file.read_text())
    if "error" in report:
        raise BwbenchError(f"Axolotl {report['version']} rejects it: {report['error']}", str(config_file))
    return report["version"]


def write_data(cfg: TrainConfig, file: Path) -> int:
    """The suite's train split as the seed's instruction/input/output JSONL; returns the count."""
    from ..suites.dataset import read_examples
    from ..suites.view import gold_text
    from ..tasks.plan import problem_text

    src = Path(cfg.suite) / "train.jsonl"
    if not src.is_file():
        raise BwbenchError(f"suite {cfg.suite} has no train split (train.jsonl)", field="suite")
    rows = []
    for ex in read_examples(src):
        instruction, inp = problem_text(ex)
        rows.append(json.dumps({"instruction": instruction, "input": inp, "output": gold_text(ex)}))
    if cfg.quick:
        rows = rows[:8]
    if not rows:
        raise BwbenchError("the train split is empty", str(src))
    atomic_write(file, ("\n".join(rows) + "\n").encode())
    return len(rows)


def prepare(cfg: TrainConfig, command: str, *, device: str, root: str | None = None) -> tuple[Path, int]:
    """Write ``data.jsonl`` and ``axolotl.yml`` into the run directory; paths in the config are under ``root``."""
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    n = write_data(cfg, out / "data.jsonl")
    base = root or str(out)
    rendered = render(cfg, data=f"{base}/data.jsonl", out=base, device=device)
    file = out / "axolotl.yml"
    atomic_write(file, to_yaml(rendered, command).encode())
    return file, n


PLACEHOLDER_ROOT = "/runs/<run name>"  # where a Modal run's files will be, before the run has a name


def dry_run_modal(cfg: TrainConfig, command: str) -> dict:
    """What ``--backend modal`` would send: ``axolotl.yml`` and ``data.jsonl``, checked by Axolotl if it is here."""
    cfg = cfg.resolved()
    cfg.check()
    file, n = prepare(cfg, command, device="gpu", root=PLACEHOLDER_ROOT)
    try:
        axolotl = find_axolotl(cfg)
    except BwbenchError:
        axolotl = None  # no local Axolotl: the training image validates the config before the GPUs start
    version = validate(file, axolotl) if axolotl else None
    return {"versions": {"axolotl": version}, "examples": n}


def train(cfg: TrainConfig, command: str, dry_run: bool = False) -> dict:
    """Render, validate, then ``axolotl preprocess`` → ``train`` (→ ``merge-lora``) on this machine."""
    cfg = cfg.resolved()
    cfg.check()
    started = time.time()
    axolotl = find_axolotl(cfg)
    from ..models.paths import model_location

    model_location(cfg.base_model, field="base_model")
    device = "gpu" if cfg.device == "cuda" or (cfg.device == "auto" and _has_cuda()) else "cpu"
    file, n = prepare(cfg, command, device=device)
    version = validate(file, axolotl)
    record: dict[str, Any] = {
        "config": cfg.to_json(), "bwbench_version": __version__, "backend": "axolotl",
        "versions": {"axolotl": version}, "axolotl_config": file.name, "examples": n, "device": device,
        "suite_sha256": suite_sha(Path(cfg.suite)),
    }
    if dry_run:
        return record
    out = Path(cfg.out)
    launcher = ["--launcher", "python"] if device == "cpu" else []
    steps = [["preprocess", str(file)], ["train", str(file), *launcher]]
    if cfg.adapter == "lora":
        steps.append(["merge-lora", str(file), "--lora-model-dir", str(out.resolve())])
    with open(out / "axolotl.log", "a", encoding="utf-8") as log:
        for step in steps:
            _run([str(axolotl), *step], log)
    record.update(wall_s=round(time.time() - started, 1),
                  merged="merged" if (out / "merged").is_dir() else None,
                  finished=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    atomic_write(out / "run.json", (json.dumps(record, indent=2) + "\n").encode())
    return record


def _run(cmd: list[str], log) -> None:
    """Run one Axolotl step, its output to the terminal and the log; ``BwbenchError`` if it fails."""
    log.write(f"$ {' '.join(cmd)}\n")
    log.flush()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=_env())
    last = ""
    assert proc.stdout is not None
    for line in proc.stdout:
        log.write(line)
        sys.stderr.write(line)
        if line.strip():
            last = line.strip()
    if proc.wait() != 0:
        raise BwbenchError(f"`axolotl {cmd[1]}` failed (exit {proc.returncode}): {last[:300]}", log.name)


def _env() -> dict:
    env = dict(os.environ)
    env.setdefault("AXOLOTL_DO_NOT_TRACK", "1")
    env.setdefault("DO_NOT_TRACK", "1")
    return env


def _has_cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()
