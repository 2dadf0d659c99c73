"""The GCP deploy page says what the bundle holds and serves: its requirements are the file's,
its route table is the core's."""

from __future__ import annotations

import re

from core.api.service import Service
from tests.docs.blocks import ROOT

PAGE = (ROOT / "docs" / "deploy-gcp.md").read_text(encoding="utf-8")


def test_the_listed_requirements_are_the_bundles_file() -> None:
    listed = PAGE.split("<!-- requirements: gcp_function/requirements.txt -->", 1)[1]
    block = listed.split("```text\n", 1)[1].split("```", 1)[0]
    lines = (ROOT / "gcp_function" / "requirements.txt").read_text(encoding="utf-8")
    wanted = [line for line in lines.splitlines() if line and not line.startswith("#")]
    assert block.splitlines() == wanted


def test_the_route_table_is_the_cores() -> None:
    documented = set(re.findall(r"^\| `([A-Z]+) (/\S*)` \|", PAGE, re.M))
    served = {(method, route) for route, methods in Service()._routes.items()
              for method in methods}
    assert documented == served
