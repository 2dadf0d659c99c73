"""Settings' methods come from core.config.record's loops: they behave as a dataclass's."""

from __future__ import annotations

import dataclasses
from pathlib import Path

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
    other = dataclasses.replace(one, model_path=Path("/m.onnx"))
    assert other != one and other.model_path == Path("/m.onnx")
    assert other.model_threads == 2
    assert repr(one).startswith("Settings(model_path=") and "model_threads=2" in repr(one)
    assert repr(one).count("=") >= len(dataclasses.fields(Settings))


def test_still_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().model_threads = 4  # type: ignore[misc]
