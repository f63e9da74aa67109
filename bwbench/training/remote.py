"""Training on Modal, and the runs volume: ``bwbench train --backend modal`` and ``bwbench runs list|pull``.

The config is rendered and the data written here (into the local run
directory, so what was sent is on record), the credentials and secrets are
checked, Axolotl's validator checks the config in the training image, and only
then do the GPUs start. The run's name is printed and saved in
``<run>/modal.json`` before training starts, so an interrupted client can
still ``bwbench runs pull NAME``.
"""

from __future__ import annotations

import json
import secrets
import time
from pathlib import Path
from typing import Callable

from .. import __version__
from ..errors import BwbenchError, MissingExtra
from ..fileio import atomic_write
from .config import TrainConfig

SKIPPED = ("prepared", "checkpoint-")  # tokenised data and intermediate checkpoints stay on the volume by default


def run_name(adapter: str) -> str:
    """``bwbench-<adapter>-<UTC time>-<4 hex>``: sortable, and unique without asking the volume."""
    return f"bwbench-{adapter}-{time.strftime('%Y%m%d-%H%M%S', time.gmtime())}-{secrets.token_hex(2)}"


def _modal():
    """The Modal app's module, with the training functions registered; ``BwbenchError`` without Modal or credentials."""
    try:
        from ..models import modal_app
        from . import modal_functions  # noqa: F401  (registers the Axolotl functions on the app)
    except ImportError as exc:
        raise MissingExtra("the modal backend", "modal", exc.name) from None
    if not modal_app.has_token():
        raise BwbenchError("no Modal credentials: run `modal setup` or set MODAL_TOKEN_ID and MODAL_TOKEN_SECRET",
                           field="backend")
    return modal_app


def check_secrets(names: list[str]) -> None:
    """Each named Modal secret exists (``BwbenchError`` naming the first that does not)."""
    import modal

    for name in names:
        try:
            modal.Secret.from_name(name).hydrate()
        except modal.exception.NotFoundError:
            raise BwbenchError(f"Modal has no secret named {name!r}; create it in the Modal dashboard",
                               field="backend") from None
        except modal.exception.AuthError as exc:
            raise BwbenchError(f"Modal refused the credentials: {exc}", field="backend") from None
        except Exception as exc:  # no network, a Modal outage: say so in one line rather than with a traceback
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise BwbenchError(f"cannot reach Modal to check the secret {name!r}: {first}", field="backend") from None


def train(cfg: TrainConfig, command: str, announce: Callable[[str], None] = print) -> dict:
    """Fine-tune on Modal with Axolotl; returns what ``run.json`` holds."""
    from .axolotl import AXOLOTL_VERSION, gpu_count, prepare

    cfg = cfg.resolved()
    cfg.check()
    modal_app = _modal()
    gpus = gpu_count(cfg.gpu)
    name = run_name(cfg.adapter)
    out = Path(cfg.out)
    file, n = prepare(cfg, command, device="gpu", root=f"{modal_app.RUNS_PATH}/{name}")
    wanted = list(modal_app.SECRETS) + ([modal_app.WANDB_SECRET] if cfg.wandb else [])
    check_secrets(wanted)
    record = {"config": cfg.to_json(), "bwbench_version": __version__, "backend": "modal", "modal_run": name,
              "gpu": cfg.gpu, "versions": {"axolotl": AXOLOTL_VERSION}, "examples": n,
              "volume": f"{modal_app.RUNS_VOLUME}:/{name}"}
    atomic_write(out / "modal.json", (json.dumps(record, indent=2) + "\n").encode())
    announce(name)
    import modal

    started = time.time()
    with modal.enable_output(), modal_app.app.run():
        from .modal_functions import axolotl_check, axolotl_train

        report = axolotl_check.remote(file.read_text())
        if "error" in report:
            raise BwbenchError(f"Axolotl {report.get('version', '')} rejects it: {report['error']}", str(file))
        fn = axolotl_train.with_options(
            gpu=cfg.gpu, secrets=[modal.Secret.from_name(s) for s in wanted])
        result = fn.remote(name, file.read_text(), (out / "data.jsonl").read_bytes(), cfg.adapter == "lora", gpus)
    record.update(result=result, wall_s=round(time.time() - started, 1),
                  finished=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    atomic_write(out / "run.json", (json.dumps(record, indent=2) + "\n").encode())
    return record


def list_runs() -> list[dict]:
    """The runs on the runs volume, newest first: name and modification time."""
    modal_app = _modal()
    import modal

    vol = modal.Volume.from_name(modal_app.RUNS_VOLUME)
    try:
        entries = vol.listdir("/")
    except modal.exception.NotFoundError:
        return []
    rows = [{"name": e.path.strip("/"), "mtime": e.mtime} for e in entries if e.type == modal.volume.FileEntryType.DIRECTORY]
    return sorted(rows, key=lambda r: r["mtime"], reverse=True)


def pull(name: str, dest: Path, everything: bool = False, progress: Callable[[int, int], None] | None = None) -> int:
    """Download ``/<name>`` from the runs volume into ``dest`` (files land whole, by rename); returns the count."""
    modal_app = _modal()
    import modal

    vol = modal.Volume.from_name(modal_app.RUNS_VOLUME)
    try:
        entries = [e for e in vol.listdir(f"/{name}", recursive=True) if e.type == modal.volume.FileEntryType.FILE]
    except modal.exception.NotFoundError:
        raise BwbenchError(f"no run named {name!r} on the {modal_app.RUNS_VOLUME} volume (see `bwbench runs list`)",
                           name) from None
    if not everything:
        entries = [e for e in entries if not any(part.startswith(SKIPPED) for part in Path(e.path).parts)]
    for i, entry in enumerate(entries):
        rel = Path(entry.path).relative_to(name) if Path(entry.path).is_relative_to(name) else Path(entry.path)
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        with open(part, "wb") as fh:
            vol.read_file_into_fileobj(entry.path, fh)
        part.replace(target)
        if progress:
            progress(i + 1, len(entries))
    return len(entries)
