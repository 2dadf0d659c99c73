"""The sample events in tests/events/, with their placeholders filled, and a Lambda context."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests import images

EVENTS = Path(__file__).resolve().parent.parent / "events"
EXPECTED: dict[str, dict[str, Any]] = {
    k: v for k, v in json.loads((EVENTS / "expected.json").read_text()).items()
    if not k.startswith("_")}
NAMES = sorted(EXPECTED)
HTTP_NAMES = [n for n in NAMES if EXPECTED[n]["shape"] != "direct"]


def image_b64() -> str:
    """The standard generated JPEG, base64."""
    return base64.b64encode(images.jpeg()).decode("ascii")


def load(name: str, url: str = "http://127.0.0.1:9/img/photo.jpg") -> Any:
    """The sample event ``name`` with the image (base64) and the image URL filled in."""
    text = (EVENTS / name).read_text()
    return json.loads(text.replace("__IMAGE_B64__", image_b64()).replace("__IMAGE_URL__", url))


@dataclass
class Context:
    """What the handler reads from Lambda's context object (the real one: test_runtime.py)."""

    remaining_ms: float = 30_000.0
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return int(self.remaining_ms - (time.monotonic() - self.started) * 1000)


def http_body(result: dict[str, Any]) -> Any:
    """The JSON body of an HTTP-shaped result."""
    assert result["isBase64Encoded"] is False
    return json.loads(result["body"])


def headers_of(result: dict[str, Any]) -> dict[str, str]:
    """The result's headers, lower case, flattening ALB's multiValueHeaders."""
    if "multiValueHeaders" in result:
        return {k.lower(): ", ".join(v) for k, v in result["multiValueHeaders"].items()}
    return {k.lower(): v for k, v in result["headers"].items()}


def status_of(result: Any) -> int:
    """The HTTP status of a result, or the status inside a direct invocation's error."""
    if isinstance(result, dict) and "statusCode" in result:
        return int(result["statusCode"])
    if isinstance(result, dict) and isinstance(result.get("error"), dict):
        return int(result["error"]["status"])
    return 200


def error_code(result: Any) -> str:
    """The error code of an error result of any shape."""
    body = http_body(result) if "statusCode" in result else result
    return str(body["error"]["code"])
