"""Errors meant for people: the CLI prints them as one line plus a hint, never a traceback."""

from __future__ import annotations


class DvkitError(Exception):
    """A problem the user can fix: says what is wrong and, in ``hint``, what to do."""

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"
