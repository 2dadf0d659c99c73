"""The allowed values of a numeric setting, declared on its field and checked in one place.

A ``Range`` lives in the field's metadata (``metadata["range"]``): ``Settings.validate`` checks
every field that has one and ``scripts/gendocs.py`` prints the same object's ``text`` in the
settings table, so the check and the documentation cannot disagree. Every number must be finite
(NaN compares false with everything, so ``x <= 0`` alone lets it through); ``whole`` numbers
are for consumers that truncate (``int()``) or count.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

from core.errors import ConfigError


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


class Range(NamedTuple):
    """``low`` (excluded when ``above``) up to ``high`` inclusive; ``whole``: no fraction."""

    low: float
    high: float
    above: bool = False
    whole: bool = False

    @property
    def text(self) -> str:
        """The range in words, for error messages and the docs table."""
        kind = "a whole number" if self.whole else "a number"
        low, high = _number(self.low), _number(self.high)
        if self.above:
            return f"{kind} above {low}, at most {high}"
        return f"{kind} from {low} to {high}"

    def admits(self, value: Any) -> bool:
        """True when ``value`` is a finite number inside the range (and whole if it must be)."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        if not math.isfinite(value) or (self.whole and not float(value).is_integer()):
            return False
        lower_ok = value > self.low if self.above else value >= self.low
        return lower_ok and value <= self.high

    def check(self, variable: str, value: Any) -> None:
        """Raise ConfigError naming ``variable`` when ``value`` is outside the range."""
        if value is not None and not self.admits(value):
            raise ConfigError(f"{variable} must be {self.text}, got {value!r}")


def positive(high: float, whole: bool = False) -> Range:
    """Above zero, at most ``high``."""
    return Range(0, high, above=True, whole=whole)


def count(low: int, high: int) -> Range:
    """A whole number from ``low`` to ``high``."""
    return Range(low, high, whole=True)
