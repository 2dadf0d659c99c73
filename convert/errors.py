"""The one error of ``convert/``: a one-line message the command prints before exiting 1."""

from __future__ import annotations


class ConversionError(Exception):
    """The model cannot be converted as asked; the message says why in one line."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def first_line(exc: BaseException) -> str:
    """The first non-empty line of an exception's text (foreign errors can be pages long)."""
    for line in str(exc).splitlines():
        if line.strip():
            return line.strip()[:300]
    return exc.__class__.__name__
