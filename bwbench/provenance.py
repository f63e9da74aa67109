"""What every record says about what produced it: bwbench's version, the source tree's git SHA, the time."""

from __future__ import annotations

import functools
import subprocess
import time
from pathlib import Path

from . import __version__

VERSION = __version__


@functools.cache
def git_sha() -> str | None:
    """The commit of the source tree bwbench runs from, or None outside a git checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def utc_now() -> str:
    """``2026-12-07T05:20:58Z``: when a record was written."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
