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
