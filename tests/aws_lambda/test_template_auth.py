"""Who may call the HTTP API, and how fast: one switch, HttpApiAuth, on every route.

Both templates are read as CloudFormation would create them under each value of HttpApiAuth
(tests/aws_lambda/templates.py evaluates the conditions): AWS_IAM by default (SigV4-signed
calls, as the Function URL), NONE (no authorizer at all) or JWT (one JWT authorizer with the
JwtIssuer and JwtAudience parameters, on every route). The stage's throttling holds under all
three. `sam validate` and cfn-lint run on the combinations in `make check`
(scripts/validate_templates.py); SAM's own reading of these routes: tests/sam/test_routes.py.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.aws_lambda.templates import TEMPLATES, Stack, deployed, function_of, load, of_type

ISSUER = "https://login.example.com/tenant/v2.0"
JWT = {"HttpApiAuth": "JWT", "JwtIssuer": ISSUER, "JwtAudience": "classifier,classifier-cli"}
PATHS = {"/predict", "/health", "/model", "/", "/v2", "/v2/{proxy+}"}


def routes(resources: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Route properties by path; every route is ANY on ClassifierApi, each path once."""
    found = of_type(resources, "AWS::ApiGatewayV2::Route").values()
    by_path = {r["RouteKey"].removeprefix("ANY "): r for r in found}
    assert len(by_path) == len(found) and set(by_path) == PATHS
    assert all(r["ApiId"] == {"Ref": "ClassifierApi"} for r in found)
    return by_path


@pytest.mark.parametrize("kind", TEMPLATES)
def test_http_api_auth_is_one_parameter_defaulting_to_aws_iam(kind: str) -> None:
    parameters = load(kind)["Parameters"]
    assert parameters["HttpApiAuth"]["Default"] == "AWS_IAM"
    assert parameters["HttpApiAuth"]["Default"] == parameters["FunctionUrlAuth"]["Default"]
    assert set(parameters["HttpApiAuth"]["AllowedValues"]) == {"AWS_IAM", "JWT", "NONE"}
    assert parameters["JwtIssuer"]["Default"] == parameters["JwtAudience"]["Default"] == ""
    issuer = re.compile(parameters["JwtIssuer"]["AllowedPattern"])
    assert issuer.fullmatch(ISSUER) and issuer.fullmatch("")
    assert not issuer.fullmatch("http://login.example.com/") and not issuer.fullmatch("x")


@pytest.mark.parametrize("kind", TEMPLATES)
def test_by_default_every_route_takes_sigv4_signed_calls_only(kind: str) -> None:
    resources = deployed(load(kind))
    for path, route in routes(resources).items():
        assert route["AuthorizationType"] == "AWS_IAM", path
        assert "AuthorizerId" not in route, path
    assert not of_type(resources, "AWS::ApiGatewayV2::Authorizer")


@pytest.mark.parametrize("kind", TEMPLATES)
def test_none_opens_every_route_with_no_authorizer(kind: str) -> None:
    resources = deployed(load(kind), HttpApiAuth="NONE")
    for path, route in routes(resources).items():
        assert route["AuthorizationType"] == "NONE", path
        assert "AuthorizerId" not in route, path
    assert not of_type(resources, "AWS::ApiGatewayV2::Authorizer")


@pytest.mark.parametrize("kind", TEMPLATES)
def test_jwt_puts_one_authorizer_with_the_parameters_on_every_route(kind: str) -> None:
    resources = deployed(load(kind), **JWT)
    [(name, authorizer)] = of_type(resources, "AWS::ApiGatewayV2::Authorizer").items()
    assert authorizer["ApiId"] == {"Ref": "ClassifierApi"}
    assert authorizer["AuthorizerType"] == "JWT"
    assert authorizer["IdentitySource"] == ["$request.header.Authorization"]
    assert authorizer["JwtConfiguration"] == {"Issuer": ISSUER,
                                              "Audience": ["classifier", "classifier-cli"]}
    for path, route in routes(resources).items():
        assert route["AuthorizationType"] == "JWT", path
        assert route["AuthorizerId"] == {"Ref": name}, path


@pytest.mark.parametrize("kind", TEMPLATES)
def test_jwt_without_issuer_or_audience_is_refused_at_deploy(kind: str) -> None:
    template = load(kind)
    rule = template["Rules"]["JwtNeedsIssuerAndAudience"]

    def refused(**values: str) -> bool:
        stack = Stack(template, values)
        applies = stack.evaluate(rule["RuleCondition"])
        return bool(applies) and not all(stack.evaluate(a["Assert"])
                                         for a in rule["Assertions"])

    assert refused(HttpApiAuth="JWT")
    assert refused(**{**JWT, "JwtIssuer": ""}) and refused(**{**JWT, "JwtAudience": ""})
    assert not refused(**JWT) and not refused() and not refused(HttpApiAuth="NONE")


@pytest.mark.parametrize("auth", [{}, {"HttpApiAuth": "NONE"}, JWT])
@pytest.mark.parametrize("kind", TEMPLATES)
def test_the_stage_throttles_every_route_under_every_auth(kind: str,
                                                           auth: dict[str, str]) -> None:
    template = load(kind)
    for throttle, expected in (({}, ("20", "40")),
                               ({"ThrottleRate": "5", "ThrottleBurst": "9"}, ("5", "9"))):
        stages = of_type(deployed(template, **auth, **throttle), "AWS::ApiGatewayV2::Stage")
        [stage] = stages.values()
        assert stage["ApiId"] == {"Ref": "ClassifierApi"}
        assert (stage["StageName"], stage["AutoDeploy"]) == ("$default", True)
        settings = stage["DefaultRouteSettings"]
        assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == expected


@pytest.mark.parametrize("auth", [{}, {"HttpApiAuth": "NONE"}, JWT])
@pytest.mark.parametrize("kind", TEMPLATES)
def test_every_route_invokes_the_alias_through_one_integration(kind: str,
                                                                auth: dict[str, str]) -> None:
    template = load(kind)
    resources = deployed(template, **auth)
    [(name, integration)] = of_type(resources, "AWS::ApiGatewayV2::Integration").items()
    assert (integration["IntegrationType"], integration["PayloadFormatVersion"]) \
        == ("AWS_PROXY", "2.0")
    alias = function_of(template)["Properties"]["AutoPublishAlias"]
    assert integration["IntegrationUri"]["Fn::Sub"].endswith(
        f"/functions/${{ClassifierFunction.Arn}}:{alias}/invocations")
    for route in routes(resources).values():
        assert route["Target"] == {"Fn::Sub": f"integrations/${{{name}}}"}
    [permission] = [p for p in of_type(resources, "AWS::Lambda::Permission").values()
                    if p["Principal"] == "apigateway.amazonaws.com"]
    assert permission["FunctionName"] == {"Ref": "ClassifierFunction.Alias"}
    assert permission["SourceArn"]["Fn::Sub"].endswith(":${ClassifierApi}/*")
    first = next(r["Type"] for r in template["Resources"].values()
                 if r["Type"].startswith(("AWS::Serverless::", "AWS::ApiGatewayV2::")))
    assert first == "AWS::ApiGatewayV2::Api"  # sam local then reads these routes
