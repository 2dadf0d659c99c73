"""The metadata each settings field carries: its variable, description, default and values.

The environment reading (core.config.environment), the settings check and the generated
settings table all read it.
"""

from __future__ import annotations

from typing import Any

from core.config.ranges import Range


def meta(env: str, doc: str, default: str | None = None, *, values: Range | None = None,
         allowed: str | None = None, choices: tuple[str, ...] = ()) -> dict[str, Any]:
    """Field metadata: the variable, a one-line description, (in words) the default and the
    values it may take: a number's range, a text's forms in words (``allowed``), or the words
    it must be one of (``choices``: the settings check and the docs both read them)."""
    result: dict[str, Any] = {"env": env, "doc": doc}
    if choices:
        result["choices"] = choices
        allowed = ", ".join(f"`{word}`" for word in choices)
    if default:
        result["default"] = default
    if values is not None:
        result["range"] = values
    if allowed:
        result["allowed"] = allowed
    return result
