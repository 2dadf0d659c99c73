"""Settings' methods come from core.config.record's loops: they behave as a dataclass's."""

from __future__ import annotations

import dataclasses

import pytest

from core.config import Settings
from core.config.settings import available_cpus


def test_keyword_construction_takes_defaults_and_factories() -> None:
    settings = Settings(model_threads=3)
    assert settings.model_threads == 3
    defaults = Settings()
    assert defaults.model_threads == available_cpus()  # a default factory, called
    assert defaults.max_batch == next(f.default for f in dataclasses.fields(Settings)
                                      if f.name == "max_batch")


def test_unknown_keywords_are_refused() -> None:
    with pytest.raises(TypeError, match="bogus"):
        Settings(bogus=1)


def test_equality_hash_repr_and_replace_are_over_the_fields() -> None:
    one, two = Settings(model_threads=2), Settings(model_threads=2)
    assert one == two and hash(one) == hash(two) and one is not two
    other = dataclasses.replace(one, model_path="/m.onnx")
    assert other != one and other.model_path == "/m.onnx"
    assert other.model_threads == 2
    assert repr(one).startswith("Settings(model_path=") and "model_threads=2" in repr(one)
    assert repr(one).count("=") >= len(dataclasses.fields(Settings))


def test_still_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().model_threads = 4  # type: ignore[misc]


def _outcomes(cls: type) -> list[str]:
    """What assigning and deleting a field and another name does, on the class and on a plain
    subclass: the exception and its message, or ``ok``."""
    found = []
    for target in (cls, type("Sub", (cls,), {})):
        for action in ("set field", "set other", "del field", "del other"):
            obj = target()
            name = "value" if "field" in action else "other"
            try:
                if action.startswith("set"):
                    setattr(obj, name, 1)
                else:
                    if name == "other":
                        object.__setattr__(obj, name, 1)
                    delattr(obj, name)
                found.append("ok")
            except dataclasses.FrozenInstanceError as exc:
                found.append(f"frozen: {exc}")
    return found


def test_frozen_record_refuses_what_a_frozen_dataclass_refuses() -> None:
    """Compared with dataclasses' own frozen=True on the same fields."""
    from core.record import Record, frozen_record

    @frozen_record(init=False, repr=False, eq=False)
    class Ours(Record):
        value: int = 0

    @dataclasses.dataclass(frozen=True)
    class Theirs:
        value: int = 0

    assert _outcomes(Ours) == _outcomes(Theirs)
    assert "frozen: cannot assign to field 'other'" in _outcomes(Ours)
