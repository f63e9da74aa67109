"""bwbench's Modal app: vLLM inference on a cloud GPU, driven from this machine (training registers its own functions).

``bwbench eval --backend modal --model vllm:<hub id or /runs/...> [--gpu H100]``
keeps the run directory (predictions, resume, results) on this machine and
sends each batch of prompts to ``vllm_generate`` in Modal. Weights are cached
on the ``bwbench-models`` volume; fine-tuned runs and LoRA adapters live on
``bwbench-runs`` (mounted at ``/runs``); the Hugging Face token comes from the
``huggingface-secret`` secret.

The app, its images and its volumes are defined here once; ``bwbench train
--backend modal`` adds its Axolotl functions to the same app
(:mod:`bwbench.training.modal_functions`). Nothing here is run by the tests,
which check these definitions offline.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

import modal

from ..errors import BwbenchError
from .base import Completion, GenerationConfig, Query

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
def vllm_generate(target: str, options: dict, queries: list[dict], gen: dict) -> list[list[dict]]:
    """Completions for one batch, on the GPU, as plain dicts (the fields of :class:`~.base.Completion`)."""
    from .vllm import VLLMModel

    key = (target, tuple(sorted(options.items())))
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = VLLMModel(target, **options)
        models_volume.commit()  # keep downloaded weights for the next container
    qs = [Query(q["text"], tuple(q["messages"]), q["chat"], id=q.get("id")) for q in queries]
    done = _LOADED[key].generate(qs, GenerationConfig(**{**gen, "stop": tuple(gen["stop"])}))
    return [[asdict(c) for c in samples] for samples in done]


def has_token() -> bool:
    """Whether Modal credentials are configured (environment or ``~/.modal.toml``)."""
    if os.environ.get("MODAL_TOKEN_ID") and os.environ.get("MODAL_TOKEN_SECRET"):
        return True
    path = Path(os.environ.get("MODAL_CONFIG_PATH", Path.home() / ".modal.toml"))
    return path.is_file() and "token_id" in path.read_text()


class RemoteVLLM:
    """A model that runs ``vllm:<model>`` in Modal; the run directory stays local."""

    name = "vllm@modal"

    def __init__(self, spec: str, gpu: str | None = None, **options):
        if not has_token():
            raise BwbenchError("no Modal credentials: run `modal setup` or set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET",
                               field="backend")
        self.target = spec.partition(":")[2]
        self.gpu, self.options = gpu or DEFAULT_GPU, {k: v for k, v in options.items() if v is not None}
        self._run = None
        self._fn = None

    def settings(self) -> dict:
        return {"backend": "modal", "app": APP_NAME, "gpu": self.gpu, "model": self.target, **self.options,
                "vllm": VLLM_VERSION}

    def generate(self, queries: Sequence[Query], gen: GenerationConfig) -> list[list[Completion]]:
        if self._fn is None:
            self._run = app.run()
            self._run.__enter__()
            self._fn = vllm_generate.with_options(gpu=self.gpu)
        payload = [{"text": q.text, "messages": list(q.messages), "chat": q.chat, "id": q.id} for q in queries]
        done = self._fn.remote(self.target, self.options, payload, asdict(gen))
        return [[Completion(**c) for c in samples] for samples in done]

    def close(self) -> None:
        """Stop the ephemeral Modal app, if one was started."""
        run, self._run, self._fn = getattr(self, "_run", None), None, None
        if run is not None:
            run.__exit__(None, None, None)
