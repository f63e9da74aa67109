"""Where a model is, a local directory or a hub id, settled before anything slow tries to load it.

A mistyped path must not turn into a minute of the hub client's retries, nor
a hub id without a network: ``runs/lora-tinyy`` (``runs/`` is here) is a
missing directory, and a hub id that is neither cached nor reachable says so
at once, from one short request.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import BwbenchError

HUB_ID = re.compile(r"[\w.-]+/[\w.-]+")
PROBE_TIMEOUT_S = 3.0  # one request; a hub that has not answered by then is not there for this run


def looks_like_path(spec: str) -> bool:
    """``./x``, ``../x``, ``/x``, ``~/x``, or a name whose first part is a directory here: meant as a path."""
    if spec.startswith(("./", "../", "/", "~")) or spec in (".", ".."):
        return True
    first = Path(spec).parts[0] if Path(spec).parts else ""
    return "/" in spec and Path(first).is_dir()


def local_model(spec: str, field: str | None = None) -> Path | None:
    """The directory ``spec`` names, or None for a hub id; ``BwbenchError`` for a path that is not there."""
    path = Path(spec).expanduser()
    if path.exists():
        return path
    if looks_like_path(spec) or not HUB_ID.fullmatch(spec):
        raise BwbenchError("no such model directory", spec, field=field)
    return None


def model_location(spec: str, field: str | None = None) -> str:
    """A local model directory, or a hub id that can be had: in the cache, or on a hub that answers.

    ``BwbenchError`` (at ``spec``, for ``field``) for a path that is not there, a hub id with the hub out of
    reach (or ``HF_HUB_OFFLINE`` set) and nothing cached, and a hub id the hub does not know.
    """
    path = local_model(spec, field)
    if path is not None:
        return str(path)
    _check_hub(spec, field)
    return spec


def _check_hub(repo_id: str, field: str | None) -> None:
    from huggingface_hub import HfApi, constants, try_to_load_from_cache
    from huggingface_hub.errors import HfHubHTTPError, HFValidationError, RepositoryNotFoundError

    try:
        cached = [try_to_load_from_cache(repo_id, name) for name in ("config.json", "adapter_config.json")]
    except HFValidationError:
        raise BwbenchError("no such model directory", repo_id, field=field) from None
    if any(isinstance(c, str) for c in cached):
        return  # loading finds it in the cache
    if constants.HF_HUB_OFFLINE:
        raise BwbenchError("not a local directory, and not in the Hugging Face cache (HF_HUB_OFFLINE is set)",
                           repo_id, field=field)
    try:
        HfApi().model_info(repo_id, timeout=PROBE_TIMEOUT_S)
    except RepositoryNotFoundError:
        raise BwbenchError("no such model directory, nor model on the Hugging Face hub (a private one needs "
                           "a token: hf auth login)", repo_id, field=field) from None
    except HfHubHTTPError:
        return  # the hub answered; loading says what it makes of the model
    except Exception as exc:  # the hub client's transport errors, whose classes change with its version
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BwbenchError(f"not a local directory, not in the Hugging Face cache, and {constants.ENDPOINT} "
                           f"cannot be reached ({reason})", repo_id, field=field) from None
