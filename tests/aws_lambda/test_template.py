"""The SAM templates route exactly what the core serves, and the image and zip templates agree.

template.yaml (container image) and template-zip.yaml (zip, optional SnapStart) each put one
function behind one HTTP API (CloudFormation's own ApiGatewayV2 resources). Every path of the
core's route table must reach the function (the Open Inference Protocol's paths through
``/v2/{proxy+}``), with every method the core answers there plus OPTIONS (a browser's
preflight, which the core answers), and no template route may lead nowhere. `make check` runs
`sam validate` and cfn-lint on the parameter combinations (scripts/validate_templates.py); here
its combinations are checked to be the right ones. Who may call: test_template_auth.py.
"""

from __future__ import annotations

import importlib.util
from collections import Counter
from typing import Any

import pytest

from core.api.service import Service
from tests.aws_lambda.templates import ROOT, TEMPLATES, deployed, function_of, load, of_type

PROXY = "/v2/{proxy+}"
AUTHS = ("AWS_IAM", "NONE", "JWT")


def template_routes(template: dict[str, Any], auth: str = "AWS_IAM") -> list[tuple[str, str]]:
    """(path, method) of every route of the HTTP API under HttpApiAuth ``auth``, in template
    order (duplicates kept); each must lead to the function's integration."""
    resources = deployed(template, HttpApiAuth=auth, JwtIssuer="https://id.example/",
                         JwtAudience="classifier")
    routes = of_type(resources, "AWS::ApiGatewayV2::Route").values()
    assert {r["ApiId"]["Ref"] for r in routes} == {"ClassifierApi"}
    assert {r["Target"]["Fn::Sub"] for r in routes} == {"integrations/${ClassifierIntegration}"}
    assert "Events" not in function_of(template)["Properties"]  # the routes are all here
    keys = [str(r["RouteKey"]).split(" ", 1) for r in routes]
    return [(path, method) for method, path in keys]


def core_routes() -> dict[str, set[str]]:
    """The core's route table: template path -> the methods the core answers on it."""
    table: dict[str, set[str]] = {}
    for route, methods in Service()._routes.items():  # what Service.handle dispatches on
        path = PROXY if route.startswith("/v2/") else route
        table.setdefault(path, set()).update(methods, {"OPTIONS"})
    return table


@pytest.mark.parametrize("auth", AUTHS)
@pytest.mark.parametrize("kind", TEMPLATES)
def test_the_template_routes_exactly_the_cores_paths_once_each(kind: str, auth: str) -> None:
    routes = template_routes(load(kind), auth)
    assert not [r for r, n in Counter(routes).items() if n > 1], "a route declared twice"
    paths = Counter(path for path, _ in routes)
    assert not [p for p, n in paths.items() if n > 1], "one event per path (method ANY)"
    core = core_routes()
    assert set(paths) == set(core), (set(paths) ^ set(core))
    for path, method in routes:
        assert method == "ANY" or core[path] <= {method}, (path, method, core[path])


def test_the_core_serves_what_the_template_routes_under_v2() -> None:
    served = [r for r in Service()._routes if r.startswith("/v2/")]
    assert "/v2/models/{name}/infer" in served and "/v2/health/ready" in served
    assert {"/predict", "/health", "/model", "/", "/v2"} <= set(core_routes())


def test_both_templates_share_parameters_api_environment_and_events() -> None:
    image, zipped = load("image"), load("zip")
    assert set(zipped["Parameters"]) - set(image["Parameters"]) == {"ZipRuntime", "SnapStart"}
    assert set(image["Parameters"]) <= set(zipped["Parameters"])
    for name in image["Parameters"]:
        if name != "Architecture":  # its description names the image or the zip
            assert image["Parameters"][name] == zipped["Parameters"][name], name
    keys = ("Environment", "MemorySize", "Timeout", "Architectures",
            "AutoPublishAlias")
    for key in keys:
        assert function_of(image)["Properties"][key] == function_of(zipped)["Properties"][key]
    shared = set(image["Resources"]) & set(zipped["Resources"])
    assert shared == set(image["Resources"]) == set(zipped["Resources"])
    for name in shared - {"ClassifierFunction", "EventFunction"}:
        assert image["Resources"][name] == zipped["Resources"][name], name


def test_the_image_template_builds_docker_dockerfile() -> None:
    function = function_of(load("image"))
    assert function["Properties"]["PackageType"] == "Image"
    assert "SnapStart" not in function["Properties"]  # not offered for container images
    metadata = function["Metadata"]
    assert (metadata["Dockerfile"], metadata["DockerContext"]) == ("docker/Dockerfile", ".")
    assert metadata["DockerBuildArgs"] == {"PYTHON_TAG": "3.12"}


def test_the_zip_template_offers_snapstart_on_312_and_later() -> None:
    props = function_of(load("zip"))["Properties"]
    assert props["PackageType"] == "Zip" and props["CodeUri"] == "build/aws_lambda.zip"
    assert props["Handler"] == "lambda_function.lambda_handler"
    assert props["SnapStart"] == {"Fn::If": ["WithSnapStart", {"ApplyOn": "PublishedVersions"},
                                             {"Ref": "AWS::NoValue"}]}
    assert props["AutoPublishAlias"] == "live"  # SnapStart applies to published versions
    runtimes = load("zip")["Parameters"]["ZipRuntime"]["AllowedValues"]
    assert all(tuple(map(int, r.removeprefix("python").split("."))) >= (3, 12) for r in runtimes)


def test_make_check_validates_every_parameter_combination() -> None:
    spec = importlib.util.spec_from_file_location("validate_templates",
                                                  ROOT / "scripts" / "validate_templates.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    image = script.combinations(load("image"))
    zipped = script.combinations(load("zip"))
    paired = {"FunctionUrlAuth": {"NONE"}, "ReservedConcurrency": {"-1"},
              "HttpApiAuth": {"NONE", "JWT"}, "EnableEvents": {"true"}}
    # The full product of the enumerable parameters, then two rows per other access or
    # events value.
    assert len(image) == 2 ** 4 + 2 * 5 and len(zipped) == 2 ** 6 + 2 * 5
    for kind, combos in (("image", image), ("zip", zipped)):
        product = [c for c in combos if not set(c) & set(paired)]
        enumerable = {n: {str(v) for v in s["AllowedValues"]}
                      for n, s in load(kind)["Parameters"].items()
                      if "AllowedValues" in s and n not in paired
                      and n not in script.NOT_ENUMERATED}
        enumerable |= {"CorsAllowOrigin": {"", "*"}, "ModelUri": {"", script.EXTRA_VALUES[
            "ModelUri"][1]}}
        assert len({tuple(sorted(c.items())) for c in product}) == len(product) \
            == len(combos) - 10
        for name, values in paired.items():
            rows = [c for c in combos if name in c]
            assert {c[name] for c in rows} == values
            for value in values:  # each value meets each value of every other parameter
                for other, choices in enumerable.items():
                    assert {c[other] for c in rows if c[name] == value} == choices, \
                        (kind, name, value, other)
        for combo in combos:
            jwt = combo.get("HttpApiAuth") == "JWT"
            assert jwt == bool(combo.get("JwtIssuer")) == bool(combo.get("JwtAudience"))
        assert all("EventsTimeout" not in c for c in combos)
    assert {"Architecture": "arm64", "CorsAllowOrigin": "*", "EnableFunctionUrl": "true",
            "ModelUri": "s3://models-bucket/hair/hair_classifier_v1.onnx",
            "ZipRuntime": "python3.13", "SnapStart": "true"} in zipped
    jwt_row = next(c for c in zipped if c.get("HttpApiAuth") == "JWT")
    copy = script.with_defaults(load("zip"), jwt_row)
    assert copy["Parameters"]["HttpApiAuth"]["Default"] == "JWT"
    makefile = (ROOT / "mk" / "aws.mk").read_text()
    assert "check: validate-templates" in makefile
    assert "scripts/validate_templates.py --sam $(SAM) template.yaml template-zip.yaml" \
        in makefile
    assert "cfnlint" in (ROOT / "scripts" / "validate_templates.py").read_text()


def evaluate(node: Any, parameters: dict[str, str]) -> Any:
    """The value of the intrinsic functions the model policy uses: Ref, Join, Split, Select."""
    if isinstance(node, dict) and len(node) == 1:
        [(name, args)] = node.items()
        if name == "Ref":
            return parameters[args]
        if name == "Fn::Join":
            return args[0].join(evaluate(part, parameters) for part in args[1])
        if name == "Fn::Split":
            return evaluate(args[1], parameters).split(args[0])
        if name == "Fn::Select":
            return evaluate(args[1], parameters)[int(args[0])]
    return node


@pytest.mark.parametrize("kind", TEMPLATES)
def test_model_uri_reads_its_bucket_and_nothing_else(kind: str) -> None:
    import re

    template = load(kind)
    pattern = re.compile(template["Parameters"]["ModelUri"]["AllowedPattern"])
    for good in ("", "s3://my-models/hair/hair_classifier_v1.onnx", "s3://a.b-c/m.tflite"):
        assert pattern.fullmatch(good), good
    for bad in ("gs://b/m.onnx", "https://x/m.onnx", "s3://bucket/", "s3://B/m.onnx"):
        assert not pattern.fullmatch(bad), bad
    properties = function_of(template)["Properties"]
    variables = properties["Environment"]["Variables"]
    assert variables["MODEL_URI"] == {"Ref": "ModelUri"}
    assert variables["MODEL_SHA256"] == {"Ref": "ModelSha256"}
    [policy] = properties["Policies"]
    condition, granted, otherwise = policy["Fn::If"]
    assert (condition, otherwise) == ("WithModelUri", {"Ref": "AWS::NoValue"})
    assert template["Conditions"]["WithModelUri"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ModelUri"}, ""]}]}
    [statement] = granted["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Allow", "s3:GetObject")
    arn, names = statement["Resource"]["Fn::Sub"]
    assert arn == "arn:${AWS::Partition}:s3:::${Bucket}/*"
    for uri, bucket in (("s3://my-models/hair/hair_classifier_v1.onnx", "my-models"),
                        ("s3://b.c/m.tflite", "b.c"), ("", "")):
        assert evaluate(names["Bucket"], {"ModelUri": uri}) == bucket


@pytest.mark.parametrize("kind", TEMPLATES)
def test_bounded_and_authenticated_by_default(kind: str) -> None:
    """Reserved concurrency and an IAM-only Function URL unless the parameters say otherwise;
    the public permissions exist only with FunctionUrlAuth NONE. The HTTP API's throttling and
    authentication: test_template_auth.py."""
    template = load(kind)
    parameters, resources = template["Parameters"], template["Resources"]
    assert parameters["ReservedConcurrency"]["Default"] == 10
    assert parameters["FunctionUrlAuth"]["Default"] == "AWS_IAM"
    assert parameters["FunctionUrlAuth"]["AllowedValues"] == ["AWS_IAM", "NONE"]
    assert (parameters["ThrottleRate"]["Default"], parameters["ThrottleBurst"]["Default"]) \
        == (20, 40)
    reserved = function_of(template)["Properties"]["ReservedConcurrentExecutions"]
    assert reserved == {"Fn::If": ["WithReservedConcurrency", {"Ref": "ReservedConcurrency"},
                                   {"Ref": "AWS::NoValue"}]}
    assert template["Conditions"]["WithReservedConcurrency"] == {
        "Fn::Not": [{"Fn::Equals": [{"Ref": "ReservedConcurrency"}, "-1"]}]}
    assert resources["ClassifierUrl"]["Properties"]["AuthType"] == {"Ref": "FunctionUrlAuth"}
    public = [name for name, r in resources.items() if r["Type"] == "AWS::Lambda::Permission"
              and r["Properties"].get("Principal") == "*"]
    assert public and all(resources[n]["Condition"] == "WithPublicFunctionUrl" for n in public)
    assert template["Conditions"]["WithPublicFunctionUrl"] == {"Fn::And": [
        {"Condition": "WithFunctionUrl"}, {"Fn::Equals": [{"Ref": "FunctionUrlAuth"}, "NONE"]}]}
