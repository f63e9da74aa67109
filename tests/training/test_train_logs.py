"""`bwbench train` into a pipe, as in a log: plain lines of numbers, checkpoints when asked, and Ctrl-C leaves no
empty checkpoint folder."""

import json
import signal
import time
from pathlib import Path

import pytest

from ..conftest import run_cli, start_cli

PAPER = Path(__file__).resolve().parents[2] / "data" / "paper"
SCRATCH = ["--adapter", "scratch", "--set", "problems=40", "--set", "hidden=32", "--set", "layers=1",
           "--set", "heads=2"]


def _adapter(adapter: str, base: Path) -> list:
    return SCRATCH if adapter == "scratch" else ["--adapter", adapter, "--base-model", base,
                                                 "--set", "micro_batch_size=4"]


@pytest.mark.slow
@pytest.mark.parametrize("adapter, save_steps, checkpoints", [
    ("lora", 2, ["checkpoint-2", "checkpoint-4"]),
    ("scratch", None, ["checkpoint-3", "checkpoint-4"]),  # by default every tenth of the run (here every step), 2 kept
])
def test_a_piped_run_logs_plain_lines_of_numbers_and_checkpoints_every_save_steps(adapter, save_steps, checkpoints,
                                                                                   tiny_base, tmp_path):
    out = tmp_path / "run"
    every = ["--set", f"save_steps={save_steps}"] if save_steps else []
    r = run_cli("train", *_adapter(adapter, tiny_base), "--suite", PAPER, "--out", out, "--set", "max_steps=4", *every)
    assert r.returncode == 0, r.stderr
    both = r.stdout + r.stderr
    assert "\r" not in both and "FutureWarning" not in both and "Warning" not in both, both
    logged = [json.loads(line) for line in r.stdout.splitlines() if line.startswith("{")]
    losses = [entry for entry in logged if "loss" in entry]
    assert [entry["step"] for entry in losses] == [1, 2, 3, 4], r.stdout
    assert all(isinstance(entry[k], float) for entry in losses for k in ("loss", "learning_rate", "grad_norm"))
    assert any(isinstance(entry.get("train_loss"), float) for entry in logged), r.stdout
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == checkpoints
    run = json.loads((out / "run.json").read_text())
    assert run["config"]["save_steps"] == (save_steps or 0) and isinstance(run["metrics"]["train_loss"], float)


@pytest.mark.slow
@pytest.mark.parametrize("save_steps, kept", [(None, None), (2, "checkpoint-")])  # None: every 10,000 steps
def test_ctrl_c_leaves_no_empty_checkpoint_folder(tmp_path, save_steps, kept):
    """Stopped before its first checkpoint, a run leaves nothing that would pass for a run to resume; stopped after
    one, it keeps it and says so."""
    out = tmp_path / "run"
    every = ["--set", f"save_steps={save_steps}"] if save_steps else []
    proc = start_cli("train", *SCRATCH, "--suite", PAPER, "--out", out, "--set", "max_steps=100000", *every)
    wait_for = (out / "checkpoints") if kept is None else (out / "checkpoints" / f"checkpoint-{save_steps}")
    while proc.poll() is None and not wait_for.is_dir():
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate()
    assert proc.returncode == 130, stderr
    last = stderr.strip().splitlines()[-1]
    if kept is None:
        assert last == "interrupted: stopped before the first checkpoint: nothing was kept", stderr
        assert not (out / "checkpoints").exists() and not out.exists()
    else:
        assert last.startswith(f"interrupted: stopped; {out / 'checkpoints' / kept}") and \
            last.endswith("kept: run the same command again to resume from it"), stderr
        assert any((out / "checkpoints").iterdir())
