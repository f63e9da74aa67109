"""What every benchmark does first: run on one core, and say on what machine."""

from __future__ import annotations

import os
import platform


def one_core() -> str:
    """Pin this process to one core; a line describing the machine, to print before the figures."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    return f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
