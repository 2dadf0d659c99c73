"""Security floors of the runtime dependencies: installed, and declared everywhere they are listed.

pillow 12.3 (decoder fixes), urllib3 2.7 (bounded decompression of streamed bodies, redirect
handling) and certifi 2024.7.4 (GLOBALTRUST roots removed, CVE-2024-39689) are the floors.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
FLOORS = {"pillow": "12.3.0", "certifi": "2024.7.4", "urllib3": "2.7.0"}
SKIP = {".venv", "build", "node_modules", ".git", ".mypy_cache", ".pytest_cache"}


def requirement_files() -> list[Path]:
    """Every requirements*.txt in the repository outside build outputs and virtualenvs."""
    return sorted(p for p in ROOT.rglob("requirements*.txt")
                  if not SKIP.intersection(p.relative_to(ROOT).parts)
                  and not any(part.startswith(".venv") for part in p.relative_to(ROOT).parts))


def lowest_allowed(requirement: Requirement) -> Version | None:
    """The smallest version the requirement admits by a >=, ==, ~= or > clause."""
    lows = [Version(s.version) for s in requirement.specifier
            if s.operator in (">=", "==", "~=", ">") and "*" not in s.version]
    return max(lows) if lows else None


def declared(lines: list[str]) -> dict[str, Requirement]:
    found: dict[str, Requirement] = {}
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if not text or text.startswith("-"):
            continue
        try:
            requirement = Requirement(text)
        except InvalidRequirement:
            continue
        found[requirement.name.lower()] = requirement
    return found


@pytest.mark.parametrize(("name", "floor"), FLOORS.items())
def test_installed_versions_meet_the_floors(name: str, floor: str) -> None:
    assert Version(version(name)) >= Version(floor), f"{name} {version(name)} < {floor}"


def check_floors(found: dict[str, Requirement], where: str) -> None:
    for name, floor in FLOORS.items():
        assert name in found, f"{where} does not declare {name}"
        low = lowest_allowed(found[name])
        assert low is not None and low >= Version(floor), \
            f"{where} lets {name} go below {floor}: {found[name]}"


def test_pyproject_declares_the_floors() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    check_floors(declared(data["project"]["dependencies"]), "pyproject.toml")


@pytest.mark.parametrize("path", requirement_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_every_requirements_file_declares_the_floors(path: Path) -> None:
    check_floors(declared(path.read_text().splitlines()), str(path.relative_to(ROOT)))


def test_the_archived_advocate_package_is_not_used() -> None:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    names = set(declared(data["project"]["dependencies"]))
    for extra in data["project"].get("optional-dependencies", {}).values():
        names |= set(declared(extra))
    for path in requirement_files():
        names |= set(declared(path.read_text().splitlines()))
    assert "advocate" not in names
