"""The GPU backends as far as a CPU machine can check them: the Modal app's definition, offline; vLLM's absence.

Nothing here reaches Modal or runs vLLM (which needs a CUDA GPU): the app is
inspected, not deployed, and the vLLM test runs only where vLLM and a GPU are.
"""

import importlib.util
from pathlib import Path
import warnings

import pytest

from bwbench.models.base import GenerationConfig
from bwbench.errors import BwbenchError

from ..conftest import load_model


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


@pytest.mark.parametrize("args", [
    ["train", "--adapter", "lora", "--backend", "modal", "--suite", str(Path(__file__).resolve().parents[2] / "data" / "paper"),
     "--base-model", "meta-llama/Llama-2-7b-chat-hf"],
    ["runs", "list"],
    ["runs", "pull", "bwbench-lora-20261127-101500-3f2a"],
])
@pytest.mark.slow
def test_modal_commands_need_credentials(args, monkeypatch, tmp_path):
    from ..conftest import run_cli

    env = {"MODAL_CONFIG_PATH": str(tmp_path / "none.toml"), "MODAL_TOKEN_ID": "", "MODAL_TOKEN_SECRET": ""}
    out = tmp_path / "run"
    r = run_cli(*args, *(["--out", out] if args[0] == "train" else []), env=env)
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
        load_model("vllm:some/model")


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
    adapter = load_model(f"vllm:{tmp_path / 'm'}")
    out = adapter.generate([Query("[INST] Plan: [/INST]", (), False)], GenerationConfig(max_new_tokens=8, samples=2))
    assert len(out) == 1 and len(out[0]) == 2
