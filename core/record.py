"""The generated methods of a dataclass, written once as loops over its fields.

``@dataclass`` compiles an ``__init__``, ``__repr__``, ``__eq__`` and ``__hash__`` for every
class it decorates, at import: for ``Settings`` (sixty fields), ``Request``, ``Response`` and
``Manifest`` that took about 3 ms of every cold start. A class that takes these from
``Record`` and is decorated ``@dataclass(init=False, repr=False, eq=False)`` (``@frozen_record``,
below, where it was frozen) keeps everything else of a dataclass (``fields``, ``replace``, the
frozen ``__setattr__``) and behaves the same: construction by position or keyword with the fields'
defaults and default factories, ``__post_init__``, the same repr, equality and hash.

``frozen=True`` compiles two more, ``__setattr__`` and ``__delattr__``, whose source names every
field (about 1 ms for ``Settings``, 2 ms for the cold path's frozen records): ``@frozen_record``
stands for ``@dataclass(frozen=True, init=False, repr=False, eq=False)`` and gives the class the
same two methods as closures instead (the same condition, the same FrozenInstanceError and
message). Type checkers see a frozen dataclass (``dataclass_transform``); at run time
``__dataclass_params__.frozen`` is False, which only dataclasses' own inheritance check reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, FrozenInstanceError, dataclass, field, fields
from typing import Any, TypeVar, dataclass_transform

C = TypeVar("C", bound=type)


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


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def frozen_record(*, init: bool = False, repr: bool = False, eq: bool = False
                  ) -> Callable[[C], C]:
    """``@dataclass(frozen=True, init=False, repr=False, eq=False)`` for a Record (call it
    with those three, as the dataclass was), without compiling the frozen methods."""
    if init or repr or eq:
        raise TypeError("a frozen record takes __init__, __repr__ and __eq__ from Record")

    def decorate(cls: C) -> C:
        done: Any = dataclass(init=False, repr=False, eq=False)(cls)
        names = frozenset(spec.name for spec in fields(done))

        def __setattr__(self: Any, name: str, value: Any) -> None:
            if type(self) is done or name in names:
                raise FrozenInstanceError(f"cannot assign to field {name!r}")
            super(done, self).__setattr__(name, value)

        def __delattr__(self: Any, name: str) -> None:
            if type(self) is done or name in names:
                raise FrozenInstanceError(f"cannot delete field {name!r}")
            super(done, self).__delattr__(name)

        for method in (__setattr__, __delattr__):
            method.__qualname__ = f"{done.__qualname__}.{method.__name__}"
            setattr(done, method.__name__, method)
        return cls

    return decorate
