"""A tensor's elements, read from the request's JSON ``data`` or its binary data.

Numeric tensors become arrays of their shape and datatype (little-endian, row-major in binary
data; values checked against the datatype's range, floats for NaN and infinity), BYTES tensors
a flat list (``str`` from JSON; from binary data, ``bytes`` each after its 4-byte little-endian
length). Every flaw is a 400 (``core.errors``) naming the tensor.
"""

from __future__ import annotations

import math
import struct
from typing import Any

import numpy as np

from core import errors

NUMERIC = {"BOOL": np.bool_, "UINT8": np.uint8, "UINT16": np.uint16, "UINT32": np.uint32,
           "UINT64": np.uint64, "INT8": np.int8, "INT16": np.int16, "INT32": np.int32,
           "INT64": np.int64, "FP16": np.float16, "FP32": np.float32, "FP64": np.float64}
Elements = np.ndarray | list[bytes] | list[str]


def from_binary(chunk: memoryview, datatype: str, shape: list[int], where: str) -> Elements:
    count = math.prod(shape)
    if datatype == "BYTES":
        return unpack_bytes(chunk, count, where)
    dtype = np.dtype(NUMERIC[datatype]).newbyteorder("<")
    if len(chunk) != count * dtype.itemsize:
        raise errors.InvalidField(f"{where} has {len(chunk)} bytes of data; shape {shape} of "
                                  f"{datatype} takes {count * dtype.itemsize}")
    return _finite(np.frombuffer(chunk, dtype=dtype).reshape(shape), where)


def unpack_bytes(chunk: memoryview, count: int, where: str) -> list[bytes]:
    elements: list[bytes] = []
    offset = 0
    while offset < len(chunk) and len(elements) < count:
        if offset + 4 > len(chunk):
            raise errors.InvalidField(f"{where}'s BYTES data ends inside a length prefix")
        (length,) = struct.unpack_from("<I", chunk, offset)
        if offset + 4 + length > len(chunk):
            raise errors.InvalidField(f"{where}'s BYTES element {len(elements)} runs past its "
                                      "data")
        elements.append(bytes(chunk[offset + 4:offset + 4 + length]))
        offset += 4 + length
    if len(elements) != count or offset != len(chunk):
        raise errors.InvalidField(f"{where}'s BYTES data does not hold exactly {count} elements")
    return elements


def from_json(data: Any, datatype: str, shape: list[int], where: str) -> Elements:
    count = math.prod(shape)
    if datatype == "BYTES":
        flat = _flatten(data, len(shape), where)
        if len(flat) != count or not all(isinstance(x, str) for x in flat):
            raise errors.InvalidField(f"{where}'s 'data' must hold {count} strings")
        return [str(x) for x in flat]
    try:
        values = np.asarray(data)
    except (ValueError, TypeError, OverflowError) as exc:
        raise errors.InvalidField(f"{where}'s 'data' is not a list of numbers") from exc
    target = np.dtype(NUMERIC[datatype])
    kinds = {"b": "b", "u": "iu", "i": "iu", "f": "iuf"}[target.kind]
    if values.size != count or values.dtype.kind not in kinds:
        raise errors.InvalidField(f"{where}'s 'data' must hold {count} {datatype} values")
    limits = np.iinfo(target.name) if target.kind in "iu" else None
    if limits and count and not limits.min <= values.min() <= values.max() <= limits.max:
        raise errors.InvalidField(f"{where}'s 'data' has values outside {datatype}")
    return _finite(values.astype(target).reshape(shape), where)


def _flatten(data: Any, depth: int, where: str) -> list[Any]:
    if not isinstance(data, list):
        raise errors.InvalidField(f"{where}'s 'data' must be a list")
    if depth > 1 and any(isinstance(x, list) for x in data):
        return [y for x in data for y in _flatten(x, depth - 1, where)]
    return data


def _finite(values: np.ndarray, where: str) -> np.ndarray:
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        raise errors.InvalidField(f"{where}'s data holds NaN or infinity")
    return values
