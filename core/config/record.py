"""The generated methods of a many-field frozen dataclass, written once as loops.

``@dataclass`` compiles an ``__init__``, ``__repr__``, ``__eq__`` and ``__hash__`` for every
class it decorates; for the sixty fields of ``Settings`` that took 1.5 ms of every cold start.
A class that takes these from ``Record`` and is decorated ``@dataclass(frozen=True,
init=False, repr=False, eq=False)`` keeps everything else of a frozen dataclass (``fields``,
``replace``, the frozen ``__setattr__``) and behaves the same: keyword construction with the
fields' defaults (and default factories), the same repr, equality and hash over the fields.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any


class Record:
    """Keyword ``__init__``, ``__repr__``, ``__eq__`` and ``__hash__`` over the dataclass
    fields of the subclass."""

    def __init__(self, **values: Any) -> None:
        for spec in fields(self):  # type: ignore[arg-type]
            if spec.name in values:
                value = values.pop(spec.name)
            elif spec.default is not MISSING:
                value = spec.default
            elif spec.default_factory is not MISSING:
                value = spec.default_factory()
            else:
                raise TypeError(f"{type(self).__name__}() missing argument {spec.name!r}")
            object.__setattr__(self, spec.name, value)
        if values:
            raise TypeError(f"{type(self).__name__}() got unexpected keyword argument(s) "
                            f"{', '.join(sorted(values))}")

    def _values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, spec.name) for spec in fields(self))  # type: ignore[arg-type]

    def __repr__(self) -> str:
        shown = ", ".join(f"{spec.name}={getattr(self, spec.name)!r}"
                          for spec in fields(self))  # type: ignore[arg-type]
        return f"{type(self).__qualname__}({shown})"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())
