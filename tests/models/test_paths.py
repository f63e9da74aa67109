"""A model spec that means a path and is not there, or a hub id that cannot be had, fails at once in one line."""

import socket
from pathlib import Path

import pytest

from ..conftest import run_cli

ROOT = Path(__file__).resolve().parents[2]
STANDARD, PAPER = ROOT / "data" / "standard", ROOT / "data" / "paper"


@pytest.fixture
def here(tmp_path):
    """A working directory holding ``runs/`` and ``models/``, as a user's checkout does."""
    (tmp_path / "runs").mkdir()
    (tmp_path / "models").mkdir()
    return tmp_path


@pytest.fixture
def closed_endpoint():
    """A hub endpoint nothing answers at (a port just closed on 127.0.0.1): the hub without a network."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return {"HF_ENDPOINT": f"http://127.0.0.1:{port}", "HF_HUB_OFFLINE": "0", "TRANSFORMERS_OFFLINE": "0"}


def _one_line(r) -> str:
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    return lines[0]


@pytest.mark.parametrize("spec", ["runs/lora-tinyy", "./lora-tinyy", "../lora-tinyy"])
def test_eval_of_a_mistyped_path_says_no_such_model_directory(here, spec):
    r = run_cli("eval", "--model", f"hf:{spec}", "--suite", STANDARD, "--level", "L3", "--limit", "2", cwd=here)
    assert _one_line(r).endswith(f"{spec}: no such model directory")


@pytest.mark.parametrize("spec", ["models/nope", "./nope", "/no/such/model"])
def test_train_from_a_mistyped_path_says_no_such_model_directory(here, spec):
    r = run_cli("train", "--adapter", "lora", "--base-model", spec, "--suite", PAPER, "--out", here / "o", cwd=here)
    assert _one_line(r) == f"error: --base-model {spec}: no such model directory"
    assert not (here / "o").exists()


@pytest.mark.parametrize("command", ["eval", "train"])
def test_a_hub_id_offline_fails_in_one_line(here, command, tmp_path):
    env = {"HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": str(tmp_path / "empty-cache")}
    if command == "eval":
        r = run_cli("eval", "--model", "hf:someone/no-such-model", "--suite", STANDARD, "--limit", "2", cwd=here, env=env)
    else:
        r = run_cli("train", "--adapter", "lora", "--base-model", "someone/no-such-model", "--suite", PAPER,
                    "--out", here / "o", cwd=here, env=env)
    line = _one_line(r)
    assert "someone/no-such-model: not a local directory, and not in the Hugging Face cache (HF_HUB_OFFLINE is set)" \
        in line, line


@pytest.mark.parametrize("command", ["eval", "train"])
def test_a_hub_id_with_the_hub_out_of_reach_fails_in_one_line(here, command, closed_endpoint, tmp_path):
    env = {**closed_endpoint, "HF_HUB_CACHE": str(tmp_path / "empty-cache")}
    if command == "eval":
        r = run_cli("eval", "--model", "hf:someone/no-such-model", "--suite", STANDARD, "--limit", "2", cwd=here, env=env)
    else:
        r = run_cli("train", "--adapter", "lora", "--base-model", "someone/no-such-model", "--suite", PAPER,
                    "--out", here / "o", cwd=here, env=env)
    line = _one_line(r)
    assert f"someone/no-such-model: not a local directory, not in the Hugging Face cache, and " \
           f"{closed_endpoint['HF_ENDPOINT']} cannot be reached" in line, line
    assert not (here / "o").exists()
