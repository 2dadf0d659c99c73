"""The Open Inference Protocol v2 (KServe, Triton, MLServer) on the wire.

An inference request is a JSON object, optionally followed by binary tensor data (Triton's
binary data extension: the ``Inference-Header-Content-Length`` header gives the JSON's length,
each binary input's ``binary_data_size`` parameter its share of the rest, in input order).
Binary tensors are little-endian and row-major; a BYTES element is a 4-byte little-endian
length and the bytes. Every flaw is a 400 (``core.errors``); nothing here knows the model.
"""

from __future__ import annotations

import json
import math
import re
import struct
from dataclasses import dataclass
from typing import Any

import numpy as np

from core import errors
from core.api.openinference.tensor_data import NUMERIC as NUMERIC
from core.api.openinference.tensor_data import Elements, from_binary, from_json
from core.messages import Request, Response

HEADER = "Inference-Header-Content-Length"
EXTENSIONS = ("binary_tensor_data",)
MAX_TENSORS = 16  # inputs or outputs in one request
MAX_RANK = 8
# The product of a shape's sizes (an empty dimension counted as 1) stays below this, so an empty
# tensor cannot name a shape numpy refuses to build (``[0, 2**70]``) and no size overflows.
MAX_DIM = 2**31 - 1
_HEADER_DIGITS = 12  # a length of a terabyte; more digits than this is never a real body
_ESCAPED_SURROGATE = re.compile(r"\\[uU][dD][89a-fA-F]")  # \ud800-\udfff, the only way JSON text
#                                                       can carry a surrogate
_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)  # one encoder, made once


@dataclass(frozen=True)
class Tensor:
    """One input or output: BYTES as a flat list (str from JSON, bytes from binary data),
    anything else as an array of its shape."""

    name: str
    datatype: str
    shape: tuple[int, ...]
    data: Elements
    binary: bool = False


@dataclass(frozen=True)
class InferRequest:
    """A decoded inference request; ``outputs`` maps a requested name to "send as binary"
    (None: every output, binary when ``binary_output``)."""

    id: str | None
    inputs: tuple[Tensor, ...]
    outputs: dict[str, bool] | None
    binary_output: bool


def datatype_of(dtype: Any) -> str:
    """The protocol's datatype name of a NumPy dtype ('UINT8', 'FP32', ...)."""
    for name, kind in NUMERIC.items():
        if np.dtype(kind) == np.dtype(dtype):
            return name
    raise errors.ConfigError(f"no Open Inference Protocol datatype for {dtype}")


def decode_request(request: Request, max_body: int, max_elements: int | None = None
                   ) -> InferRequest:
    """The request's JSON and binary tensors, checked for shape and size; a BYTES tensor may
    hold at most ``max_elements`` elements, checked from its shape before any is unpacked."""
    body = request.body
    if len(body) > max_body:
        raise errors.PayloadTooLarge.body(max_body)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ("", "identity"):
        raise errors.UnsupportedMediaType(f"Content-Encoding '{errors.shown(encoding, 40)}' is not "
                                          "supported; "
                                          "send the body uncompressed")
    header, binary = _split(memoryview(body), request.headers.get(HEADER.lower()))
    doc = _load_json(header)
    inputs = _list(doc, "inputs", required=True)
    decoded, used = [], 0
    for index, item in enumerate(inputs):
        tensor, size = _input(item, f"inputs[{index}]", binary, used, max_elements)
        decoded.append(tensor)
        used += size
    if used != len(binary):
        raise errors.InvalidField(f"the binary data holds {len(binary)} bytes but the inputs' "
                                  f"binary_data_size add up to {used}")
    rid = doc.get("id")
    if rid is not None and not isinstance(rid, str):
        raise errors.InvalidField("'id' must be a string")
    return InferRequest(rid, tuple(decoded), _outputs(doc),
                        _flag(_params(doc, "request"), "binary_data_output"))


def _split(body: memoryview, length: str | None) -> tuple[memoryview, memoryview]:
    """The JSON and the binary data, as views: the tensors are copied once, when decoded."""
    if length is None:
        return body, body[len(body):]
    text = length.strip()
    if (not (text.isascii() and text.isdigit()) or len(text) > _HEADER_DIGITS
            or not 0 < int(text) <= len(body)):
        raise errors.InvalidField(f"{HEADER} must be a length between 1 and the body's "
                                  f"{len(body)} bytes, got '{errors.shown(text, 20)}'")
    return body[:int(text)], body[int(text):]


def _load_json(header: memoryview) -> dict[str, Any]:
    try:
        text = str(header, "utf-8")  # the protocol's JSON is UTF-8
        if not text.strip():
            raise errors.InvalidJSON("the request body is empty; send an inference request")
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise errors.InvalidJSON("the inference request is not valid JSON") from exc
    if not isinstance(doc, dict):
        raise errors.InvalidField("the inference request must be a JSON object")
    if _ESCAPED_SURROGATE.search(text):
        _check_unicode(doc)
    return doc


def _check_unicode(doc: dict[str, Any]) -> None:
    """Refuse a lone surrogate (``\\ud800``) anywhere: JSON may escape one, but it is not a
    character, and no name, id or answer could be written back as UTF-8 with it."""
    try:
        json.dumps(doc, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise errors.InvalidJSON("the inference request holds a lone surrogate escape "
                                 "(\\ud800 to \\udfff): not valid Unicode text") from exc


def _list(doc: dict[str, Any], key: str, required: bool = False) -> list[dict[str, Any]]:
    items = doc.get(key)
    if items is None and not required:
        return []
    if (not isinstance(items, list) or not items or len(items) > MAX_TENSORS
            or not all(isinstance(item, dict) for item in items)):
        raise errors.InvalidField(f"'{key}' must be a list of 1 to {MAX_TENSORS} objects")
    return items


def _params(item: dict[str, Any], where: str) -> dict[str, Any]:
    params = item.get("parameters", {})
    if not isinstance(params, dict):
        raise errors.InvalidField(f"the {where}'s 'parameters' must be an object")
    return params


def _flag(params: dict[str, Any], key: str) -> bool:
    value = params.get(key, False)
    if not isinstance(value, bool):
        raise errors.InvalidField(f"the parameter '{key}' must be true or false")
    return value


def _outputs(doc: dict[str, Any]) -> dict[str, bool] | None:
    if "outputs" not in doc:
        return None
    default = _flag(_params(doc, "request"), "binary_data_output")
    wanted: dict[str, bool] = {}
    for index, item in enumerate(_list(doc, "outputs")):
        name = item.get("name")
        if not isinstance(name, str) or name in wanted:
            raise errors.InvalidField(f"outputs[{index}] needs a 'name' string of its own")
        params = _params(item, f"outputs[{index}]")
        wanted[name] = _flag(params, "binary_data") if "binary_data" in params else default
    return wanted


def _input(item: dict[str, Any], where: str, binary: memoryview, offset: int,
           max_elements: int | None = None) -> tuple[Tensor, int]:
    name, datatype, shape = item.get("name"), item.get("datatype"), item.get("shape")
    if not isinstance(name, str) or not name:
        raise errors.InvalidField(f"{where} needs a 'name' string")
    if datatype != "BYTES" and datatype not in NUMERIC:
        raise errors.InvalidField(f"{where} has an unknown datatype; use BYTES, UINT8, FP32, ...")
    if (not isinstance(shape, list) or len(shape) > MAX_RANK
            or not all(isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape)
            or math.prod(max(d, 1) for d in shape) > MAX_DIM):
        raise errors.InvalidField(f"{where} needs a 'shape' list of at most {MAX_RANK} sizes "
                                  f"whose product is at most {MAX_DIM}")
    if datatype == "BYTES" and max_elements is not None and math.prod(shape) > max_elements:
        raise errors.InvalidField(f"{where} holds {math.prod(shape)} BYTES elements; "
                                  f"send 1 to {max_elements}")
    size = _params(item, where).get("binary_data_size")
    if size is None:
        if "data" not in item:
            raise errors.InvalidField(f"{where} needs 'data' or a binary_data_size parameter")
        return Tensor(name, datatype, tuple(shape), from_json(item["data"], datatype, shape,
                                                               where)), 0
    if isinstance(size, bool) or not isinstance(size, int) or not 0 <= size <= len(binary) - offset:
        raise errors.InvalidField(f"{where}'s binary_data_size must fit the binary data")
    if "data" in item:
        raise errors.InvalidField(f"{where} has both 'data' and binary data")
    chunk = binary[offset:offset + size]
    return Tensor(name, datatype, tuple(shape), from_binary(chunk, datatype, shape, where),
                  True), size


def encode_response(doc: dict[str, Any], outputs: list[Tensor]) -> Response:
    """The response document with its outputs, binary ones after the JSON."""
    described, chunks = [], []
    for out in outputs:
        entry: dict[str, Any] = {"name": out.name, "datatype": out.datatype,
                                 "shape": list(out.shape)}
        if out.binary:
            chunk = _to_binary(out)
            entry["parameters"] = {"binary_data_size": len(chunk)}
            chunks.append(chunk)
        else:
            entry["data"] = (list(out.data) if isinstance(out.data, list)
                             else out.data.ravel().tolist())
        described.append(entry)
    header = _JSON.encode({**doc, "outputs": described}).encode("utf-8")
    if not chunks:
        return Response(200, header, {"Content-Type": "application/json"})
    return Response(200, header + b"".join(chunks),
                    {"Content-Type": "application/octet-stream", HEADER: str(len(header))})


def _to_binary(out: Tensor) -> bytes:
    if isinstance(out.data, np.ndarray):
        return out.data.astype(out.data.dtype.newbyteorder("<"), copy=False).tobytes()
    items = [x.encode("utf-8") if isinstance(x, str) else x for x in out.data]
    return b"".join(struct.pack("<I", len(x)) + x for x in items)
