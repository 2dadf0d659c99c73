"""prometheus-client is the container server's (the ``serve`` extra), never a function's: no
function bundle's requirements, nor anything they pull in, nor a bundle's files carry it."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement

from tests.bundles import listing, load_bundler
from tests.conftest import ROOT

PACKAGE = "prometheus-client"


def load_aws_bundler() -> ModuleType:
    """``scripts/bundle_aws.py`` as a module (its folder on sys.path, as the script puts it)."""
    load_bundler()  # puts scripts/ on sys.path for ``model_set``
    spec = importlib.util.spec_from_file_location("bundle_aws", ROOT / "scripts" / "bundle_aws.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def names(lines: list[str]) -> set[str]:
    """Normalised distribution names of requirement lines (comments and blanks skipped)."""
    found = set()
    for line in lines:
        text = line.split("#", 1)[0].strip()
        if text:
            found.add(re.sub(r"[-_.]+", "-", Requirement(text).name).lower())
    return found


def pulled_in(requirements: Path) -> set[str]:
    """Every installed distribution the requirements file brings, dependencies included (what
    the zip's ``--source local`` build copies)."""
    aws = load_aws_bundler()
    dists = aws.runtime_distributions(aws.requirement_names(requirements))
    return {re.sub(r"[-_.]+", "-", d.metadata["Name"]).lower() for d in dists}


def server_package() -> str:
    """The control each test starts with: the container server's extra and the dev set declare
    the package, and the runtime set does not, so the checks look for one the project uses."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    assert PACKAGE in names(extras["serve"]) and PACKAGE in names(extras["dev"])
    assert PACKAGE not in names(project["dependencies"])
    return PACKAGE


@pytest.mark.parametrize("target", ["gcp", "azure"])
def test_no_gcp_or_azure_bundle_carries_it(target: str, tmp_path: Path) -> None:
    package = server_package()
    out = load_bundler().build(target, tmp_path / target)
    requirements = out / "requirements.txt"
    assert package not in names(requirements.read_text().splitlines())
    assert package not in pulled_in(requirements)
    assert not [p for p in listing(out) if "prometheus_client" in p]


def test_the_lambda_zip_and_image_do_not_carry_it(tmp_path: Path) -> None:
    package = server_package()
    aws = load_aws_bundler()
    requirements = aws.requirements_for(None, "auto", tmp_path)
    assert requirements == ROOT / "docker" / "requirements-lambda.txt"  # the image's file too
    assert package not in names(requirements.read_text().splitlines())
    assert package not in pulled_in(requirements)
    assert "prometheus" not in (ROOT / "docker" / "Dockerfile").read_text().lower()


def test_the_check_sees_it_when_a_requirements_file_names_it(tmp_path: Path) -> None:
    package = server_package()
    listed = tmp_path / "requirements.txt"
    listed.write_text("pillow>=12.3.0\nprometheus_client>=0.20\n")
    assert package in names(listed.read_text().splitlines()) and package in pulled_in(listed)
