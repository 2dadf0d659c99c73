"""Reading a ``POST /predict`` request: JSON, raw image, or multipart form; every flaw a 4xx."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from core import errors
from core.messages import Request, b64decode
from core.pipeline.predict import PredictInput

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

MAX_URL_LENGTH = 2048
MAX_PARTS = 16  # a form carries a file or url, and top_k
MAX_PART_HEADERS = 8
MAX_PART_HEADER_BYTES = 1024
_FIELDS = ("url", "image", "urls", "top_k")
_JSON_TYPES = ("application/json", "text/plain", "")


def parse_predict(request: Request, *, max_body: int, max_batch: int,
                  classes: int) -> PredictInput:
    """Validate and read a predict request."""
    if len(request.body) > max_body:
        raise errors.PayloadTooLarge.body(max_body)
    kind = request.content_type
    if kind.startswith("image/") or kind == "application/octet-stream":
        parsed = PredictInput(image=_nonempty(request.body))
    elif kind == "multipart/form-data":
        parsed = _from_multipart(request)
    elif kind in _JSON_TYPES or kind.endswith("+json") or _curl_form_json(request):
        parsed = _from_json(request.body, max_batch)
    else:
        raise errors.UnsupportedMediaType(
            f"Content-Type '{errors.shown(kind, 60)}' is not supported; send application/json, "
            "image/*, or multipart/form-data")
    query_k = request.query.get("top_k")
    top_k = parsed.top_k if query_k is None else _top_k_from_text(query_k)
    if top_k is not None and not 1 <= top_k <= classes:
        raise errors.InvalidField(f"'top_k' must be between 1 and {classes}")
    return PredictInput(parsed.url, parsed.image, parsed.urls, top_k)


def _curl_form_json(request: Request) -> bool:
    # `curl -d '{...}'` sends JSON labelled application/x-www-form-urlencoded.
    return (request.content_type == "application/x-www-form-urlencoded"
            and request.body.lstrip()[:1] == b"{")


def _nonempty(body: bytes) -> bytes:
    if not body:
        raise errors.InvalidField("the request body is empty; send an image")
    return body


def _top_k_from_text(text: str) -> int:
    digits = text.strip()
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 6):
        raise errors.InvalidField("'top_k' must be a positive integer")
    return int(digits)


def _from_json(body: bytes, max_batch: int) -> PredictInput:
    if not body.strip():
        raise errors.InvalidJSON("the request body is empty; send {\"url\": \"...\"}")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise errors.InvalidJSON("the request body is not valid JSON") from exc
    return from_object(data, max_batch)


def from_object(data: Any, max_batch: int) -> PredictInput:
    """Validate an already-parsed JSON body (the Lambda direct-invocation event too)."""
    if not isinstance(data, dict):
        raise errors.InvalidField("the JSON body must be an object such as {\"url\": \"...\"}")
    unknown = sorted(re.sub(r"[^\w.-]", "?", str(k)[:40]) for k in data if k not in _FIELDS)
    if unknown:
        raise errors.InvalidField(f"unknown field(s): {', '.join(unknown[:5])}")
    sources = [k for k in ("url", "image", "urls") if k in data]
    if len(sources) != 1:
        raise errors.InvalidField("send exactly one of 'url', 'image' or 'urls'")
    top_k = data.get("top_k")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int)
                              or not 0 < top_k < 1_000_000):
        raise errors.InvalidField("'top_k' must be a positive integer")
    if "url" in data:
        return PredictInput(url=check_url(data["url"], "url"), top_k=top_k)
    if "image" in data:
        if not isinstance(data["image"], str) or not data["image"]:
            raise errors.InvalidField("'image' must be a non-empty base64 string")
        return PredictInput(image=b64decode(data["image"], "'image' field"), top_k=top_k)
    urls = data["urls"]
    if not isinstance(urls, list) or not urls:
        raise errors.InvalidField("'urls' must be a non-empty list of URLs")
    if len(urls) > max_batch:
        raise errors.InvalidField(f"'urls' holds {len(urls)} URLs; the maximum is {max_batch}")
    return PredictInput(urls=tuple(check_url(u, f"urls[{i}]") for i, u in enumerate(urls)),
                        top_k=top_k)


def check_url(value: Any, name: str) -> str:
    """A URL field: a non-empty string of bounded length (the policy checks the rest)."""
    if not isinstance(value, str) or not value.strip():
        raise errors.InvalidField(f"'{name}' must be a non-empty string")
    if len(value) > MAX_URL_LENGTH:
        raise errors.InvalidField(f"'{name}' is longer than {MAX_URL_LENGTH} characters")
    return value.strip()


def _from_multipart(request: Request) -> PredictInput:
    fields = read_form(request.headers.get("content-type", ""), request.body)
    top_k = fields.get("top_k")
    k = _top_k_from_text(top_k.decode("utf-8", "replace")) if top_k is not None else None
    for name in ("file", "image"):
        if name in fields:
            return PredictInput(image=_nonempty(fields[name]), top_k=k)
    if "url" in fields:
        return PredictInput(url=check_url(fields["url"].decode("utf-8", "replace"), "url"),
                            top_k=k)
    raise errors.InvalidField("the form needs a 'file' (or 'image') part, or a 'url' field")


def read_form(content_type: str, body: bytes) -> dict[str, bytes]:
    """The named parts of a multipart/form-data body (the first of each name), streamed
    through python-multipart with limits on parts, headers per part and header length
    (imported here: JSON and raw-image requests never load it)."""
    from python_multipart.exceptions import MultipartParseError
    from python_multipart.multipart import MultipartParser, parse_options_header

    _, params = parse_options_header(content_type)
    boundary = params.get(b"boundary", b"")
    if not boundary or len(boundary) > 70:  # RFC 2046: 1 to 70 characters
        raise errors.InvalidField("multipart/form-data needs a boundary parameter of 1 to 70 "
                                  "characters")
    form = _Form()
    parser = MultipartParser(boundary, form.callbacks(), max_header_count=MAX_PART_HEADERS,
                             max_header_size=MAX_PART_HEADER_BYTES)
    try:
        parser.write(body)
        parser.finalize()
    except errors.ServiceError:
        raise
    except (MultipartParseError, ValueError, LookupError, UnicodeError) as exc:
        raise errors.InvalidField("the multipart/form-data body is malformed") from exc
    if not form.ended:
        raise errors.InvalidField("the multipart/form-data body has no closing boundary")
    return form.fields


class _Form:
    """Collects the parts python-multipart reports, counting them."""

    def __init__(self) -> None:
        self.fields: dict[str, bytes] = {}
        self.ended = False
        self._parts = 0
        self._field = bytearray()
        self._value = bytearray()
        self._disposition = b""
        self._data: list[bytes] = []

    def callbacks(self) -> MultipartCallbacks:
        return {"on_part_begin": self._begin, "on_part_data": self._part_data,
                "on_part_end": self._end, "on_header_field": self._header_field,
                "on_header_value": self._header_value, "on_header_end": self._header_end,
                "on_end": self._finish}

    def _begin(self) -> None:
        self._parts += 1
        if self._parts > MAX_PARTS:
            raise errors.InvalidField(f"the form has more than {MAX_PARTS} parts")
        self._disposition, self._data = b"", []

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        if self._field.strip().lower() == b"content-disposition":
            self._disposition = bytes(self._value)
        self._field, self._value = bytearray(), bytearray()

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        self._data.append(data[start:end])

    def _end(self) -> None:
        from python_multipart.multipart import parse_options_header

        _, params = parse_options_header(self._disposition.decode("latin-1"))
        name = params.get(b"name")
        if name is not None:
            self.fields.setdefault(name.decode("utf-8", "replace"), b"".join(self._data))
        self._data = []

    def _finish(self) -> None:
        self.ended = True
