"""Tables the code holds are generated from it; a stale committed table fails here."""

from __future__ import annotations

import importlib.util
from dataclasses import fields
from types import ModuleType

from core import errors
from core.config import Settings
from tests.docs.blocks import ROOT


def _gendocs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gendocs", ROOT / "scripts" / "gendocs.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GENDOCS = _gendocs()


def test_committed_tables_are_what_the_code_generates() -> None:
    assert GENDOCS.stale() == []


def test_every_setting_has_its_variable_and_a_description() -> None:
    table = GENDOCS.settings_table()
    for spec in fields(Settings):
        assert spec.metadata.get("doc"), spec.name
        assert f"| `{spec.metadata['env']}` |" in table


def test_every_error_class_is_a_row_with_its_status() -> None:
    table = GENDOCS.errors_table()
    for cls in (errors.InvalidJSON, errors.URLNotAllowed, errors.ImageTooLarge,
                errors.DeadlineExceeded, errors.ModelError):
        assert f"| {cls.status} | `{cls.code}` |" in table


def test_a_changed_table_is_reported_stale(tmp_path: object) -> None:
    text = "intro\n<!-- gen:errors:start -->\nold\n<!-- gen:errors:end -->\nrest\n"
    new = GENDOCS.replace(text, "errors", GENDOCS.errors_table())
    assert new != text
    assert new.startswith("intro\n") and new.endswith("\nrest\n")
    assert GENDOCS.replace(new, "errors", GENDOCS.errors_table()) == new


def test_a_setting_with_choices_lists_every_word_the_validation_accepts() -> None:
    from core.config.checks import RUNTIMES
    from core.config.choices import METRICS_MODES, NORMALIZATIONS, OUTPUT_KINDS, RESAMPLE_NAMES

    rows = {line.split("|")[1].strip(): line for line in GENDOCS.settings_table().splitlines()}
    for env, words in (("MODEL_OUTPUT", OUTPUT_KINDS), ("MODEL_RESIZE", RESAMPLE_NAMES),
                       ("MODEL_NORMALIZATION", NORMALIZATIONS), ("MODEL_RUNTIME", RUNTIMES),
                       ("METRICS", METRICS_MODES)):
        allowed = rows[f"`{env}`"].split("|")[3]
        assert [w.strip(" `") for w in allowed.split(",")] == list(words), env


def test_the_choices_validated_are_the_choices_documented() -> None:
    import pytest

    from core.errors import ConfigError

    chosen = {s.metadata["env"]: s for s in fields(Settings) if s.metadata.get("choices")}
    assert set(chosen) == {"MODEL_OUTPUT", "MODEL_RESIZE", "MODEL_NORMALIZATION",
                           "MODEL_RUNTIME", "METRICS"}
    for env, spec in chosen.items():
        Settings.from_env({}, **{spec.name: spec.metadata["choices"][-1]})
        with pytest.raises(ConfigError, match=env):
            Settings.from_env({}, **{spec.name: "no-such-word"})
