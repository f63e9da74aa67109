"""bwbench on Modal: vLLM inference and Axolotl fine-tuning on cloud GPUs, driven from this machine.

``bwbench eval --backend modal --model vllm:<hub id or /runs/...> [--gpu H100]``
keeps the run directory (predictions, resume, results) on this machine and
sends each batch of prompts to ``vllm_generate`` in Modal. Weights are cached
on the ``bwbench-models`` volume; fine-tuned runs and LoRA adapters live on
``bwbench-runs`` (mounted at ``/runs``); the Hugging Face token comes from the
``huggingface-secret`` secret.

``bwbench train --backend modal`` renders and checks the Axolotl config here,
has Axolotl's validator check it again in the training image (a CPU
container), then runs preprocess → train → merge-lora in ``axolotl_train`` on
the GPUs asked for (default two A100s, as the seed did). The run lands on the
runs volume under its printed name; ``bwbench runs list|pull`` fetch it.
Axolotl pins an older modal client, so it is installed only in that image,
never next to bwbench. Nothing here is run by the tests, which check these
definitions offline.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

import modal

from .base import GenerationConfig, Query
from ..errors import BwbenchError

APP_NAME = "bwbench"
DEFAULT_GPU = "A100"
VLLM_VERSION = "0.11.0"
IMAGE_PACKAGES = (f"vllm=={VLLM_VERSION}", "unified-planning>=1.1", "up-pyperplan>=1.1", "numpy>=1.24",
                  "rich>=13", "typer>=0.12")
MODELS_VOLUME, MODELS_PATH = "bwbench-models", "/models"
RUNS_VOLUME, RUNS_PATH = "bwbench-runs", "/runs"
SECRETS = ("huggingface-secret",)
WANDB_SECRET = "wandb-secret"  # only for runs with --wandb
DEFAULT_TRAIN_GPU = "A100:2"
AXOLOTL_VERSION = "0.19.0"  # as bwbench.training.axolotl; kept literal so this module imports without it
TRAIN_PACKAGES = ("torch==2.13.0", f"axolotl=={AXOLOTL_VERSION}")

image = (
    modal.Image.debian_slim(python_version="3.11")
    .pip_install(*IMAGE_PACKAGES)
    .env({"HF_HOME": f"{MODELS_PATH}/hf"})
    .add_local_python_source("bwbench")
)
train_image = (
    modal.Image.debian_slim(python_version="3.11")
    .pip_install(*TRAIN_PACKAGES)
    .env({"HF_HOME": f"{MODELS_PATH}/hf", "AXOLOTL_DO_NOT_TRACK": "1", "DO_NOT_TRACK": "1"})
    .add_local_python_source("bwbench")
)
app = modal.App(APP_NAME)
models_volume = modal.Volume.from_name(MODELS_VOLUME, create_if_missing=True)
runs_volume = modal.Volume.from_name(RUNS_VOLUME, create_if_missing=True)
_LOADED: dict = {}  # inside a container: the adapter built by the first call, reused by the next


@app.function(gpu=DEFAULT_GPU, image=image, volumes={MODELS_PATH: models_volume, RUNS_PATH: runs_volume},
              secrets=[modal.Secret.from_name(name) for name in SECRETS], timeout=3600, scaledown_window=300)
def vllm_generate(target: str, options: dict, queries: list[dict], gen: dict) -> list[list[str]]:
    """Completions for one batch, on the GPU."""
    from .vllm import VLLMAdapter

    key = (target, tuple(sorted(options.items())))
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = VLLMAdapter(target, **options)
        models_volume.commit()  # keep downloaded weights for the next container
    qs = [Query(q["text"], tuple(q["messages"]), q["chat"]) for q in queries]
    return _LOADED[key].generate(qs, GenerationConfig(**{**gen, "stop": tuple(gen["stop"])}))


@app.function(image=train_image, timeout=600)
def axolotl_check(config_yaml: str) -> dict:
    """Axolotl's own validator on a rendered config, in the training image (no GPU)."""
    import subprocess
    import sys
    import tempfile

    from ..training.axolotl import CHECK

    with tempfile.TemporaryDirectory() as tmp:
        cfg, report = Path(tmp) / "axolotl.yml", Path(tmp) / "report.json"
        cfg.write_text(config_yaml)
        subprocess.run([sys.executable, "-c", CHECK, str(cfg), str(report)], check=False)
        return json.loads(report.read_text()) if report.is_file() else {"error": "the validator did not run"}


@app.function(gpu=DEFAULT_TRAIN_GPU, image=train_image, volumes={MODELS_PATH: models_volume, RUNS_PATH: runs_volume},
              secrets=[modal.Secret.from_name(name) for name in SECRETS], timeout=24 * 3600)
def axolotl_train(name: str, config_yaml: str, data: bytes, lora: bool, gpus: int) -> dict:
    """preprocess → train (→ merge-lora) for one run, written to ``/runs/<name>`` on the runs volume."""
    import subprocess
    import time

    run = Path(RUNS_PATH) / name
    run.mkdir(parents=True, exist_ok=True)
    (run / "axolotl.yml").write_text(config_yaml)
    (run / "data.jsonl").write_bytes(data)
    runs_volume.commit()
    cfg = str(run / "axolotl.yml")
    launch = ["--", "--num_processes", str(gpus), "--multi_gpu"] if gpus > 1 else []
    steps = [["preprocess", cfg], ["train", cfg, "--launcher", "accelerate", *launch]]
    if lora:
        steps.append(["merge-lora", cfg, "--lora-model-dir", str(run)])
    started = time.time()
    for step in steps:
        subprocess.run(["axolotl", *step], check=True)
        runs_volume.commit()
    models_volume.commit()  # keep the downloaded base weights for the next run
    return {"name": name, "wall_s": round(time.time() - started, 1), "merged": (run / "merged").is_dir()}


def has_token() -> bool:
    """Whether Modal credentials are configured (environment or ``~/.modal.toml``)."""
    if os.environ.get("MODAL_TOKEN_ID") and os.environ.get("MODAL_TOKEN_SECRET"):
        return True
    path = Path(os.environ.get("MODAL_CONFIG_PATH", Path.home() / ".modal.toml"))
    return path.is_file() and "token_id" in path.read_text()


class RemoteVLLM:
    """An adapter that runs ``vllm:<model>`` in Modal; the run directory stays local."""

    name = "vllm@modal"

    def __init__(self, spec: str, gpu: str = DEFAULT_GPU, **options):
        if not has_token():
            raise BwbenchError("no Modal credentials: run `modal setup` or set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET",
                               "--backend")
        self.target = spec.partition(":")[2]
        self.gpu, self.options = gpu, {k: v for k, v in options.items() if v is not None}
        self._run = None
        self._fn = None

    def settings(self) -> dict:
        return {"backend": "modal", "app": APP_NAME, "gpu": self.gpu, "model": self.target, **self.options,
                "vllm": VLLM_VERSION}

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[str]]:
        if self._fn is None:
            self._run = app.run()
            self._run.__enter__()
            self._fn = vllm_generate.with_options(gpu=self.gpu)
        payload = [{"text": q.text, "messages": list(q.messages), "chat": q.chat} for q in queries]
        return self._fn.remote(self.target, self.options, payload, asdict(gen))

    def close(self) -> None:
        """Stop the ephemeral Modal app, if one was started."""
        run, self._run, self._fn = getattr(self, "_run", None), None, None
        if run is not None:
            run.__exit__(None, None, None)
