"""Paths are percent-decoded exactly once, whichever front door sent the event.

API Gateway's HTTP APIs deliver the path decoded (``rawPath`` in 2.0, ``path`` in 1.0); REST
APIs, ALB and Function URLs deliver it as the client encoded it.
"""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from typing import Any
from urllib.parse import quote

import pytest

from aws_lambda.handler import handle_event
from core.api.service import Service
from core.inference.classifier import Classifier
from tests.aws_lambda.samples import Context, load
from tests.conftest import make_settings

NAME = "a%41b c"  # decoded twice it would read "aAb c"
ENCODED = f"/v2/models/{quote(NAME, safe='')}/ready"
DECODED = f"/v2/models/{NAME}/ready"


def event_for(sample: str, path: str, version: str | None = None) -> dict[str, Any]:
    event: dict[str, Any] = load(sample)
    if "rawPath" in event:
        event["rawPath"] = path
        event["requestContext"]["http"].update(method="GET", path=path)
    else:
        event.update(httpMethod="GET", path=path, body=None, isBase64Encoded=False)
    if version is not None:
        event["version"] = version
    return event


@pytest.mark.parametrize(("sample", "path", "version"), [
    ("http_api_v2.json", DECODED, None),
    ("function_url.json", ENCODED, None),
    ("apigw_rest_proxy.json", ENCODED, None),
    ("apigw_rest_proxy.json", DECODED, "1.0"),  # an HTTP API's payload format 1.0
    ("alb.json", ENCODED, None),
])
def test_a_model_name_with_percent_is_decoded_once(sample: str, path: str, version: str | None,
                                                   classifier: Classifier) -> None:
    renamed = copy.copy(classifier)
    renamed.manifest = replace(classifier.manifest, name=NAME)
    service = Service(make_settings(), classifier=renamed)
    result = handle_event(service, event_for(sample, path, version), Context())
    assert result["statusCode"] == 200, result["body"][:200]
    assert json.loads(result["body"]) == {"name": NAME, "ready": True}
