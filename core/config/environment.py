"""Reading the settings' variables from the environment: the one place it is read."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import fields
from typing import Any

from core.config.parsing import PATH_FIELDS, parse
from core.errors import ConfigError


def read_env(cls: Any, env: Mapping[str, str] | None,
             overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The keyword arguments for the settings dataclass ``cls``: each field's variable read
    from ``env`` (default os.environ) and parsed, blank ones skipped; ``overrides`` win."""
    source = os.environ if env is None else env
    values: dict[str, Any] = {}
    for spec in fields(cls):
        if spec.name in overrides:
            continue
        var = spec.metadata["env"]
        raw = source.get(var)
        if raw is not None and raw.strip() != "":
            values[spec.name] = parse(var, raw.strip(), spec.name)
    unknown = set(overrides) - {spec.name for spec in fields(cls)}
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    # a path given as an os.PathLike (pathlib.Path) is kept as its text, as a variable's is
    values.update({name: os.fspath(value) if name in PATH_FIELDS and isinstance(value, os.PathLike)
                   else value for name, value in overrides.items()})
    return values
