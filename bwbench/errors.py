"""The errors the command line turns into one line and an exit code: bad input (2) and an interruption (130)."""

from __future__ import annotations


class BwbenchError(Exception):
    """Bad input: a message, and where it was found.

    ``where`` is a place in a file (``file:line``) or a path. ``field`` names
    the field of a library request whose value is wrong (``levels``,
    ``max_new_tokens``); the library knows nothing of options, and the command
    line names the option that set that field (``--levels``).
    """

    def __init__(self, message: str, where: str | None = None, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where
        self.field = field

    def __str__(self) -> str:
        where = self.where or self.field
        return f"{where}: {self.message}" if where else self.message


class Interrupted(Exception):
    """Ctrl-C during a command that keeps what it did: the message says what was kept and how to go on."""


class MissingExtra(BwbenchError):
    """An optional dependency is not installed: names the extra that brings it (``hf``, ``openai``, ``plot``).

    A package no extra brings on its own (torch, whose CPU or CUDA build is the
    machine's choice) is named as itself: ``extra`` is None, ``module`` the package.
    """

    def __init__(self, what: str, extra: str | None, module: str | None = None):
        self.extra = extra
        self.module = module
        hint = install_hint(extra) if extra is not None else f"pip install {PACKAGES.get(module or '', module)}"
        super().__init__(f"{what} needs {module or 'a package that is not installed'}: {hint}")

    @classmethod
    def of(cls, exc: ImportError, what: str) -> MissingExtra | None:
        """The extra whose module ``exc`` failed to import (None when it is not an optional one: a bug to show)."""
        module = (exc.name or "").partition(".")[0]
        if module in EXTRAS:
            return cls(what, EXTRAS[module], module)
        if module in PACKAGES:
            return cls(what, None, module)
        return None


EXTRAS = {"openai": "openai", "transformers": "hf", "peft": "hf", "tokenizers": "hf", "vllm": "vllm",
          "modal": "modal", "matplotlib": "plot", "up_fast_downward": "fast-downward"}
"""The extra (pyproject.toml's optional dependencies) that installs each optional module."""

PACKAGES = {"torch": "torch", "yaml": "pyyaml"}
"""Optional modules that no extra brings alone, and the package that does."""


def install_hint(extra: str) -> str:
    """How to install an extra: in a clone (an editable install of this source tree), or from the package index."""
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() and (root / "bwbench").is_dir():
        return f'pip install -e ".[{extra}]"'
    return f'pip install "bwbench[{extra}]"'
