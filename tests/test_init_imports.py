"""The cold path imports nothing the bare floor does not need (the list: tests.init_imports).

Module sets, not times: the speed targets live in benchmarks/cold.py."""

from __future__ import annotations

import pytest

from tests.init_imports import FORBIDDEN, forbidden, modules


@pytest.fixture(scope="module")
def floor() -> frozenset[str]:
    """The bare floor's own modules."""
    return modules("bare")


def test_the_floor_itself_is_clean_of_the_service_stack(floor: frozenset[str]) -> None:
    """A sanity check of the probe: the floor decodes with Pillow and never touches our code."""
    assert "PIL.Image" in floor
    assert not any(name == "core" or name.startswith("core.") for name in floor)


@pytest.mark.parametrize("entry", ["aws_lambda", "gcp_function", "azure_function"])
def test_init_and_first_upload_import_nothing_forbidden(entry: str,
                                                        floor: frozenset[str]) -> None:
    """Entry module import, model load and one base64 upload: no forbidden module."""
    found = forbidden(modules(entry), floor)
    assert not found, "\n".join(f"{name}: {reason}" for name, reason in found.items())


def test_the_check_catches_a_forbidden_import() -> None:
    """The comparison flags a forbidden submodule the floor lacks, and its reason."""
    found = forbidden(frozenset({"concurrent.futures.thread", "json"}), frozenset({"json"}))
    assert found == {"concurrent.futures.thread": FORBIDDEN["concurrent.futures"]}
