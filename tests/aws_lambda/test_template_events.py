"""The templates' optional event wiring (EnableEvents): off by default, S3 -> SQS -> the event
function with a dead-letter queue, least-privilege policies, and the same in both templates.
`make check` runs `sam validate` with it on and cfn-lint on every branch."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.aws_lambda.templates import TEMPLATES, load
from tests.aws_lambda.test_template import evaluate

EVENTS = {"EventsBucket", "EventsQueue", "EventsDeadLetterQueue", "EventsQueuePolicy",
          "EventFunction", "EventsQueueMapping"}
BUCKET_NAME = "classifier-events-${AWS::AccountId}-${Id}"


@pytest.fixture(params=list(TEMPLATES))
def template(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load(request.param)


def test_off_by_default_and_nothing_exists_without_it(template: dict[str, Any]) -> None:
    assert template["Parameters"]["EnableEvents"]["Default"] == "false"
    assert template["Conditions"]["WithEvents"] == {
        "Fn::Equals": [{"Ref": "EnableEvents"}, "true"]}
    conditional = {name for name, r in template["Resources"].items()
                   if r.get("Condition") == "WithEvents"}
    assert conditional == EVENTS
    assert all(o["Condition"] == "WithEvents" for n, o in template["Outputs"].items()
               if n.startswith("Event"))


def test_the_bucket_notifies_the_queue_of_uploads_only(template: dict[str, Any]) -> None:
    bucket = template["Resources"]["EventsBucket"]
    assert bucket["DependsOn"] == "EventsQueuePolicy"
    [config] = bucket["Properties"]["NotificationConfiguration"]["QueueConfigurations"]
    assert config["Event"] == "s3:ObjectCreated:*"
    assert config["Queue"] == {"Fn::GetAtt": ["EventsQueue", "Arn"]}
    prefix, suffix = config["Filter"]["S3Key"]["Rules"]
    assert prefix == {"Name": "prefix", "Value": {"Ref": "EventsSourcePrefix"}}
    assert suffix["Fn::If"][0] == "WithEventsSuffix"
    assert bucket["Properties"]["PublicAccessBlockConfiguration"] == dict.fromkeys(
        ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"),
        True)
    assert bucket["Properties"]["BucketName"]["Fn::Sub"][0] == BUCKET_NAME


def test_prefixes_are_folders_and_results_are_not_the_uploads(template: dict[str, Any]) -> None:
    parameters = template["Parameters"]
    for name in ("EventsSourcePrefix", "EventsResultsPrefix"):
        pattern = re.compile(parameters[name]["AllowedPattern"])
        for good in ("uploads/", "a/b/", parameters[name]["Default"]):
            assert pattern.fullmatch(good), (name, good)
        for bad in ("", "uploads", "/uploads/", "a b/", "x/*\n/"):
            assert not pattern.fullmatch(bad), (name, bad)
    [assertion] = template["Rules"]["EventsResultsOutsideUploads"]["Assertions"]
    assert assertion["Assert"] == {"Fn::Not": [{"Fn::Equals": [
        {"Ref": "EventsResultsPrefix"}, {"Ref": "EventsSourcePrefix"}]}]}


def test_the_visibility_timeout_is_six_times_the_function_timeout(
        template: dict[str, Any]) -> None:
    allowed = template["Parameters"]["EventsTimeout"]["AllowedValues"]
    rows = template["Mappings"]["EventsVisibility"]
    assert {str(v) for v in allowed} == set(rows)
    assert all(rows[str(v)]["Seconds"] == 6 * int(v) for v in allowed)
    queue = template["Resources"]["EventsQueue"]["Properties"]
    assert queue["VisibilityTimeout"] == {"Fn::FindInMap": [
        "EventsVisibility", {"Ref": "EventsTimeout"}, "Seconds"]}
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"]},
        "maxReceiveCount": {"Ref": "EventsMaxReceiveCount"}}
    function = template["Resources"]["EventFunction"]["Properties"]
    assert function["Timeout"] == {"Ref": "EventsTimeout"}


def test_the_mapping_reports_partial_failures(template: dict[str, Any]) -> None:
    mapping = template["Resources"]["EventsQueueMapping"]["Properties"]
    assert mapping == {
        "EventSourceArn": {"Fn::GetAtt": ["EventsQueue", "Arn"]},
        "FunctionName": {"Ref": "EventFunction.Alias"},
        "BatchSize": {"Ref": "EventsBatchSize"},
        "MaximumBatchingWindowInSeconds": {"Ref": "EventsBatchWindow"},
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "ScalingConfig": {"MaximumConcurrency": {"Ref": "EventsConcurrency"}}}
    function = template["Resources"]["EventFunction"]["Properties"]
    assert function["ReservedConcurrentExecutions"] == {"Ref": "EventsConcurrency"}
    assert function["MemorySize"] == {"Ref": "EventsMemorySize"}


def test_least_privilege(template: dict[str, Any]) -> None:
    function = template["Resources"]["EventFunction"]["Properties"]
    own, model = function["Policies"]
    grants = {s["Sid"]: (s["Action"], s["Resource"]) for s in own["Statement"]}
    arn = "arn:${AWS::Partition}:s3:::${EventsBucket}/"
    assert grants == {
        "ReadUploads": (["s3:GetObject", "s3:GetObjectVersion"],
                        {"Fn::Sub": arn + "${EventsSourcePrefix}*"}),
        "WriteResults": ("s3:PutObject", {"Fn::Sub": arn + "${EventsResultsPrefix}*"}),
        "ConsumeQueue": (["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                          "sqs:ChangeMessageVisibility"], {"Fn::GetAtt": ["EventsQueue", "Arn"]})}
    assert all(s["Effect"] == "Allow" and "Condition" not in s for s in own["Statement"])
    condition, granted, _ = model["Fn::If"]
    assert condition == "WithEventsModelUri"
    [statement] = granted["Statement"]
    assert statement["Action"] == "s3:GetObject"
    names = statement["Resource"]["Fn::Sub"][1]
    assert evaluate(names["Bucket"], {"ModelUri": "s3://my-models/m.onnx"}) == "my-models"
    variables = function["Environment"]["Variables"]
    assert variables["RESULTS_URI"] == {"Fn::Sub": "s3://${EventsBucket}/${EventsResultsPrefix}"}


def test_only_this_stacks_bucket_may_send_to_the_queue(template: dict[str, Any]) -> None:
    policy = template["Resources"]["EventsQueuePolicy"]["Properties"]
    [statement] = policy["PolicyDocument"]["Statement"]
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Action"] == "sqs:SendMessage"
    source = statement["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"]
    bucket = template["Resources"]["EventsBucket"]["Properties"]["BucketName"]["Fn::Sub"]
    assert source[0] == "arn:${AWS::Partition}:s3:::" + bucket[0] and source[1] == bucket[1]
    assert statement["Condition"]["StringEquals"] == {"aws:SourceAccount": {
        "Ref": "AWS::AccountId"}}


def test_the_event_function_runs_the_http_functions_code() -> None:
    for kind in TEMPLATES:
        resources = load(kind)["Resources"]
        http, event = resources["ClassifierFunction"], resources["EventFunction"]
        for key in ("PackageType", "CodeUri", "Handler", "Runtime", "SnapStart",
                    "Architectures", "AutoPublishAlias"):
            assert http["Properties"].get(key) == event["Properties"].get(key), (kind, key)
        assert http.get("Metadata") == event.get("Metadata")
    image, zipped = load("image")["Resources"], load("zip")["Resources"]
    for name in EVENTS - {"EventFunction"}:
        assert image[name] == zipped[name], name
