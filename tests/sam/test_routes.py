"""SAM's own reading of the templates' HTTP API: what `sam local start-api` serves.

The HTTP API is CloudFormation's ApiGatewayV2 resources (so HttpApiAuth can choose each route's
authorization); start-api must still find every route, each to the function through the
payload 2.0 integration, under every HttpApiAuth. SAM emulates Lambda authorizers only: IAM and
JWT are not checked locally (start-api says so for JWT), so no route carries an authorizer.
Runs SAM's providers (tests/sam/read_routes.py) with the SAM CLI's Python; no container.
"""

from __future__ import annotations

import json
import subprocess
from typing import Any

import pytest

from tests.sam.tool import ROOT, SAM_PYTHON, environment

AUTHS = {"AWS_IAM": [], "NONE": ["HttpApiAuth=NONE"],
         "JWT": ["HttpApiAuth=JWT", "JwtIssuer=https://login.example.com/",
                 "JwtAudience=classifier"]}
PATHS = {"/predict", "/health", "/model", "/", "/v2", "/v2/{proxy+}"}
ANY = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]


def sam_routes(template: str, overrides: list[str]) -> list[dict[str, Any]]:
    if not SAM_PYTHON.exists():
        pytest.fail(f"aws-sam-cli is not installed ({SAM_PYTHON}): run `make test-deps`")
    done = subprocess.run([str(SAM_PYTHON), str(ROOT / "tests" / "sam" / "read_routes.py"),
                           str(ROOT / template), *overrides], cwd=ROOT, env=environment(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    routes: list[dict[str, Any]] = json.loads(done.stdout)
    return routes


@pytest.mark.parametrize("auth", AUTHS)
@pytest.mark.parametrize("template", ["template.yaml", "template-zip.yaml"])
def test_start_api_serves_every_route_under_every_auth(template: str, auth: str) -> None:
    routes = sam_routes(template, AUTHS[auth])
    assert sorted(r["path"] for r in routes) == sorted(PATHS)
    for route in routes:
        assert route["function"] == "ClassifierFunction", route
        assert route["payload"] == "2.0", route  # read from the template's integration
        assert route["methods"] == ANY, route
        assert route["authorizer"] is None, route
