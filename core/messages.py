"""The HTTP-neutral request and response every adapter maps its platform onto."""

from __future__ import annotations

import base64
import binascii
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from core import errors
from core.record import Record, frozen_record


def new_request_id() -> str:
    """A random version-4 UUID as 32 hex digits, what ``uuid.uuid4().hex`` gives (from
    ``os.urandom``), without importing ``uuid``, which imports ``platform`` at every start."""
    raw = bytearray(os.urandom(16))
    raw[6] = (raw[6] & 0x0F) | 0x40  # version 4
    raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
    return raw.hex()


class Invocation(NamedTuple):
    """What the platform says about the invocation that carried a request, as its adapter
    read it (raw values; the core decides what reaches the log line)."""

    platform: str = ""  # "aws_lambda", "gcp" or "azure"; "" when served locally
    invocation_id: str | None = None  # Lambda aws_request_id, GCP execution id, Azure's id
    xray_trace: str | None = None  # Lambda's _X_AMZN_TRACE_ID
    traceparent: str | None = None  # Azure's context.trace_context.trace_parent
    function_name: str | None = None


LOCAL = Invocation()  # a request served locally (the frozen default every Request shares)


@frozen_record(init=False, repr=False, eq=False)  # those four from Record
class Request(Record):
    """One HTTP request. Header names are lower case; the body is always bytes."""

    method: str
    path: str  # percent-decoded once (WSGI's PATH_INFO form), the platform's prefix stripped
    headers: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    request_id: str = field(default_factory=new_request_id)
    deadline: float | None = None  # time.monotonic() by which an answer must be ready
    invocation: Invocation = LOCAL
    params: Mapping[str, str] = field(default_factory=dict)  # the route's {name} parameters

    @property
    def content_type(self) -> str:
        """The media type without parameters, lower case ('' when absent)."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def due(self) -> float:
        """The deadline, for a route: the service gives every request one before routing."""
        if self.deadline is None:
            raise errors.InternalError("the request reached a route without a deadline")
        return self.deadline


@dataclass(init=False, repr=False, eq=False)  # those from Record
class Response(Record):
    """One HTTP response; ``body`` is bytes, JSON unless the content type says otherwise."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    __hash__ = None  # type: ignore[assignment]  # mutable: unhashable, as a dataclass with eq

    @property
    def content_type(self) -> str:
        """The response's media type."""
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def is_binary(self) -> bool:
        """True when the body is not text (the AWS adapter base64-encodes those)."""
        kind = self.content_type
        textual = kind.startswith("text/") or kind.endswith(("json", "xml", "javascript"))
        return bool(self.body) and not textual

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None
                  ) -> Response:
    """A JSON response (compact, UTF-8; text that is not valid Unicode, such as a lone
    surrogate a caller escaped into a string, is written as a ``\\uXXXX`` escape)."""
    try:
        body = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        body = json.dumps(data, separators=(",", ":")).encode("ascii")
    merged = {"Content-Type": "application/json"}
    merged.update(headers or {})
    return Response(status, body, merged)


def error_response(error: errors.ServiceError, headers: Mapping[str, str] | None = None,
                   *, flat: bool = False) -> Response:
    """The JSON body and status of a service error; ``flat``: the Open Inference Protocol's
    ``{"error": "message"}`` instead of ``{"error": {"code", "message"}}``."""
    merged = dict(headers or {})
    if isinstance(error, errors.MethodNotAllowed) and error.allowed:
        merged["Allow"] = ", ".join(error.allowed)
    if isinstance(error, errors.Unauthorized):
        merged["WWW-Authenticate"] = 'Bearer realm="classifier"'
    return json_response({"error": error.message} if flat else error.to_json(), error.status,
                         merged)


def read_upto(stream: Any, length: int, chunk: int = 1 << 16) -> bytes:
    """Up to ``length`` bytes from a server's input stream, fewer when the client went away
    (gunicorn raises there; werkzeug's own reader would answer HTML for a short body)."""
    parts: list[bytes] = []
    got = 0
    while got < length:
        try:
            piece = stream.read(min(chunk, length - got))
        except (OSError, ValueError):
            break
        if not piece:
            break
        parts.append(piece)
        got += len(piece)
    return b"".join(parts)


def decode_body(body: object, is_base64: object = False) -> bytes:
    """A platform's body as bytes: the one place request bodies are base64-decoded.

    A hand-built event may carry anything: a body that is neither text nor bytes, or an
    ``isBase64Encoded`` that is not a boolean, is a 400 (never ``bytes(10**9)``); text that is
    not valid Unicode (a lone surrogate) keeps its code points, so parsing it fails as a 400.
    """
    if body is None:
        return b""
    if not isinstance(body, str | bytes | bytearray):
        raise errors.InvalidField(f"the event's body must be a string, not {type(body).__name__}")
    if not isinstance(is_base64, bool):
        raise errors.InvalidField("the event's isBase64Encoded must be true or false")
    if is_base64:
        return b64decode(body if isinstance(body, str) else bytes(body))
    return body.encode("utf-8", "surrogatepass") if isinstance(body, str) else bytes(body)


def b64decode(data: str | bytes, what: str = "body") -> bytes:
    """Strict base64 (standard or URL-safe alphabet, padding optional); 400 when invalid."""
    raw = data.encode("ascii", "replace") if isinstance(data, str) else data
    raw = b"".join(raw.split())
    if raw.startswith(b"data:") and b"," in raw:  # a data: URL pasted as-is
        raw = raw.split(b",", 1)[1]
    raw = raw.replace(b"-", b"+").replace(b"_", b"/")
    raw += b"=" * (-len(raw) % 4)
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise errors.InvalidField(f"the {what} is not valid base64") from exc


def parse_query(query: str) -> dict[str, str]:
    """A query string as a dict (the last value of a repeated name wins)."""
    from urllib.parse import parse_qsl  # urllib.parse: off the cold path

    return dict(parse_qsl(query, keep_blank_values=True))


def lower_headers(headers: Mapping[str, str] | None) -> dict[str, str]:
    """Header names in lower case (HTTP names are case-insensitive)."""
    return {str(k).lower(): str(v) for k, v in (headers or {}).items()}
