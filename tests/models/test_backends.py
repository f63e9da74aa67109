"""The GPU backends as far as a CPU machine can check them: the Modal app's definition, offline; vLLM's absence.

Nothing here reaches Modal or runs vLLM (which needs a CUDA GPU): the app is
inspected, not deployed, and the vLLM test runs only where vLLM and a GPU are.
"""

import importlib.util
from pathlib import Path
import warnings

import pytest

from bwbench.models import load
from bwbench.models.base import GenerationConfig
from bwbench.errors import BwbenchError


@pytest.fixture(scope="module")
def modal_app():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import bwbench.models.modal_app as m
    return m


def test_the_modal_app_is_defined_as_documented(modal_app):
    m = modal_app
    assert m.app.name == "bwbench"
    fn = m.vllm_generate
    spec = fn._spec_  # the function's resources, as Modal will request them
    assert spec.gpus == m.DEFAULT_GPU == "A100"
    assert set(spec.volumes) == {"/models", "/runs"}
    assert "bwbench-models" in repr(spec.volumes["/models"]) and "bwbench-runs" in repr(spec.volumes["/runs"])
    assert len(spec.secrets) == 1 and "huggingface-secret" in repr(spec.secrets[0])
    assert "module_name='bwbench'" in repr(spec.mounts)  # the package travels with the image
    assert any(p.startswith("vllm==") for p in m.IMAGE_PACKAGES)
    assert fn.with_options(gpu="H100:2") is not fn  # the GPU is chosen per run (--gpu)


def test_the_training_functions_are_defined_as_documented(modal_app):
    from bwbench.training.axolotl import AXOLOTL_VERSION

    m = modal_app
    train = m.axolotl_train._spec_
    assert train.gpus == m.DEFAULT_TRAIN_GPU == "A100:2"  # two A100s, as the seed trained
    assert set(train.volumes) == {"/models", "/runs"} and "bwbench-runs" in repr(train.volumes["/runs"])
    assert len(train.secrets) == 1 and "huggingface-secret" in repr(train.secrets[0])
    assert m.WANDB_SECRET == "wandb-secret"  # added per run, only with --wandb
    assert not m.axolotl_check._spec_.gpus  # validation needs no GPU
    # Axolotl is in the training image only, at the version bwbench renders configs for, over the CPU torch it allows.
    assert f"axolotl=={AXOLOTL_VERSION}" in m.TRAIN_PACKAGES and m.AXOLOTL_VERSION == AXOLOTL_VERSION
    assert importlib.util.find_spec("axolotl") is None
    assert "module_name='bwbench'" in repr(train.mounts)
    assert m.axolotl_train.with_options(gpu="H100:8") is not m.axolotl_train


@pytest.mark.parametrize("args", [
    ["train", "--adapter", "lora", "--backend", "modal", "--suite", str(Path(__file__).resolve().parents[1] / "data" / "paper"),
     "--base-model", "meta-llama/Llama-2-7b-chat-hf"],
    ["runs", "list"],
    ["runs", "pull", "bwbench-lora-20261127-101500-3f2a"],
])
def test_modal_commands_need_credentials(args, monkeypatch, tmp_path):
    from .test_cli import bwbench

    env = {"MODAL_CONFIG_PATH": str(tmp_path / "none.toml"), "MODAL_TOKEN_ID": "", "MODAL_TOKEN_SECRET": ""}
    out = tmp_path / "run"
    r = bwbench(*args, *(["--out", out] if args[0] == "train" else []), env=env)
    assert r.returncode == 2 and "no Modal credentials" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert not out.exists()  # nothing written, nothing rendered


def test_modal_needs_credentials_before_anything_starts(modal_app, monkeypatch, tmp_path):
    monkeypatch.delenv("MODAL_TOKEN_ID", raising=False)
    monkeypatch.delenv("MODAL_TOKEN_SECRET", raising=False)
    monkeypatch.setenv("MODAL_CONFIG_PATH", str(tmp_path / "none.toml"))
    with pytest.raises(BwbenchError, match="no Modal credentials"):
        modal_app.RemoteVLLM("vllm:meta-llama/Llama-2-7b-chat-hf", gpu="H100")
    monkeypatch.setenv("MODAL_TOKEN_ID", "ak-x")
    monkeypatch.setenv("MODAL_TOKEN_SECRET", "as-x")
    remote = modal_app.RemoteVLLM("vllm:meta-llama/Llama-2-7b-chat-hf", gpu="H100", lora="/runs/r/lora-out")
    assert remote.settings()["gpu"] == "H100" and remote.settings()["lora"] == "/runs/r/lora-out"


@pytest.mark.skipif(importlib.util.find_spec("vllm") is not None, reason="vLLM is installed here")
def test_vllm_absent_is_a_clear_error():
    with pytest.raises(BwbenchError, match="vLLM is not installed here"):
        load("vllm:some/model")


@pytest.mark.skipif(importlib.util.find_spec("vllm") is None, reason="vLLM needs a CUDA GPU; not installed here")
def test_vllm_generates_with_a_tiny_model(tmp_path):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU")
    from bwbench.models.base import Query
    from bwbench.models.tiny import tiny_llama, word_tokenizer

    tok = word_tokenizer()
    tiny_llama(tok).save_pretrained(tmp_path / "m")
    tok.save_pretrained(tmp_path / "m")
    adapter = load(f"vllm:{tmp_path / 'm'}")
    out = adapter.generate([Query("[INST] Plan: [/INST]", (), False)], GenerationConfig(max_new_tokens=8, samples=2))
    assert len(out) == 1 and len(out[0]) == 2
