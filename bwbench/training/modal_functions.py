"""bwbench's Axolotl training on Modal: the functions ``bwbench train --backend modal`` runs in the app.

``bwbench train --backend modal`` renders and checks the Axolotl config here,
has Axolotl's validator check it again in the training image (a CPU
container), then runs preprocess → train → merge-lora in ``axolotl_train`` on
the GPUs asked for (default two A100s, as the seed did). The run lands on the
runs volume under its printed name; ``bwbench runs list|pull`` fetch it.
Axolotl pins an older modal client, so it is installed only in that image,
never next to bwbench. The app, images and volumes are
:mod:`bwbench.models.modal_app`'s.
"""

from __future__ import annotations

import json
from pathlib import Path

import modal

from ..models.modal_app import (
    DEFAULT_TRAIN_GPU,
    MODELS_PATH,
    RUNS_PATH,
    SECRETS,
    app,
    models_volume,
    runs_volume,
    train_image,
)


@app.function(image=train_image, timeout=600)
def axolotl_check(config_yaml: str) -> dict:
    """Axolotl's own validator on a rendered config, in the training image (no GPU)."""
    import subprocess
    import sys
    import tempfile

    from .axolotl import CHECK

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
