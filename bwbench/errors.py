"""The one error type the command line turns into a one-line message and exit code 2."""

from __future__ import annotations


class BwbenchError(Exception):
    """Bad input: a message, and where it was found (``file:line`` or ``--option``)."""

    def __init__(self, message: str, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.where = where

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class Interrupted(Exception):
    """Ctrl-C during a command that keeps what it did: the message says what was kept and how to go on."""
