"""The header of an ONNX file, read without the onnx package: IR version, producer, opsets,
and the external data files its tensors name.

An ONNX model is a protobuf ``ModelProto``. Its top-level fields are scanned here (the graph,
field 7, is skipped by its length, not read), which both answers ``GET /model``'s opset and
producer and rejects files that are not ONNX at all with one line before ONNX Runtime sees them.
``external_locations`` walks the graph instead: every tensor stored outside the file (an
initializer, a sparse initializer's parts, a node attribute's tensor, in subgraphs too) names
its file in ``external_data``'s ``location`` entry; the tensors' bytes are skipped by length.
The file is memory-mapped for that walk (2-3x faster than reading it field by field): on this
loaded 2-core machine 9-20 ms for a 12 MB graph with its 3000 weights inside (a file without the
word "location" is not walked at all), 90-120 ms for the same 3000 weights in a sidecar (a
ResNet-sized export has about 300).
"""

from __future__ import annotations

import mmap
import os
from collections.abc import Iterator
from dataclasses import field
from typing import BinaryIO

from core.errors import ConfigError
from core.paths import StrPath, name, pure
from core.record import Record, frozen_record

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_STRINGS = {2: "producer_name", 3: "producer_version", 4: "domain"}
_GRAPH, _OPSET = 7, 8
# Where tensors sit, by message: GraphProto node 1, initializer 5, sparse_initializer 15;
# NodeProto attribute 5; AttributeProto t 5, g 6, tensors 10, graphs 11; SparseTensorProto
# values 1, indices 2; TensorProto external_data 13, data_location 14 (EXTERNAL is 1).
_GRAPH_TENSORS, _GRAPH_NODES, _GRAPH_SPARSE = 5, 1, 15
_EXTERNAL_DATA, _DATA_LOCATION, _EXTERNAL = 13, 14, 1
_MAX_DEPTH = 32  # subgraphs nested deeper than this are refused, not recursed into
Buffer = bytes | mmap.mmap


@frozen_record(init=False, repr=False, eq=False)  # those four from Record
class OnnxHeader(Record):
    """What an ONNX file says about itself besides its graph."""

    ir_version: int = 0
    producer_name: str = ""
    producer_version: str = ""
    domain: str = ""
    opsets: dict[str, int] = field(default_factory=dict)

    @property
    def opset(self) -> int:
        """The default (``ai.onnx``) domain's opset version."""
        return self.opsets.get("", self.opsets.get("ai.onnx", 0))


class _Bad(ValueError):
    pass


def _varint(read: BinaryIO) -> int:
    value, shift = 0, 0
    while True:
        byte = read.read(1)
        if not byte:
            raise _Bad("the file ends inside a field")
        value |= (byte[0] & 0x7F) << shift
        if byte[0] < 0x80:
            return value
        shift += 7
        if shift > 63:
            raise _Bad("a varint is too long")


def _payload(read: BinaryIO, size: int, remaining: int) -> bytes:
    if size > remaining:
        raise _Bad("a field runs past the end of the file")
    return read.read(size)


def _opset(data: bytes) -> tuple[str, int]:
    """(domain, version) of an OperatorSetIdProto (1: domain, 2: version)."""
    from io import BytesIO

    stream, domain, version = BytesIO(data), "", 0
    while stream.tell() < len(data):
        key = _varint(stream)
        if key >> 3 == 1 and key & 7 == _LEN:
            domain = stream.read(_varint(stream)).decode("utf-8", "replace")
        elif key >> 3 == 2 and key & 7 == _VARINT:
            version = _varint(stream)
        else:
            raise _Bad("an opset entry has an unexpected field")
    return domain, version


def _scan(handle: BinaryIO, size: int) -> OnnxHeader:
    values: dict[str, str | int] = {}
    opsets: dict[str, int] = {}
    graph = False
    while handle.tell() < size:
        key = _varint(handle)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _Bad("field number 0")
        if wire == _VARINT:
            value = _varint(handle)
            if number == 1:
                values["ir_version"] = value
        elif wire == _LEN:
            length = _varint(handle)
            if number == _GRAPH:
                graph = length <= size - handle.tell()
                handle.seek(length, 1)
            elif number == _OPSET:
                domain, version = _opset(_payload(handle, length, size - handle.tell()))
                opsets[domain] = version
            elif number in _STRINGS:
                text = _payload(handle, length, size - handle.tell())
                values[_STRINGS[number]] = text.decode("utf-8", "replace")
            else:
                handle.seek(length, 1)
        elif wire in (_I64, _I32):
            handle.seek(8 if wire == _I64 else 4, 1)
        else:
            raise _Bad(f"wire type {wire}")
    if handle.tell() != size or not graph or not opsets:
        raise _Bad("no graph and opset were found")
    return OnnxHeader(opsets=opsets, **values)


def _varint_at(data: Buffer, pos: int, end: int) -> tuple[int, int]:
    """The varint at ``pos`` and the position after it."""
    value, shift = 0, 0
    while pos < end:
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise _Bad("a varint is too long")
    raise _Bad("the file ends inside a field")


def _fields(data: Buffer, pos: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """(number, wire type, value, payload start) of each field in ``data[pos:end]``: a varint's
    value, or a length-delimited field's length and where its payload starts. A one-byte
    varint (nearly every key, and most values and lengths) is read inline: the calls were
    most of the walk's time."""
    while pos < end:
        key = data[pos]  # one byte for field numbers up to 15, nearly every key: read inline
        if key < 0x80:
            pos += 1
        else:
            key, pos = _varint_at(data, pos, end)
        number, wire = key >> 3, key & 7
        if number == 0:
            raise _Bad("field number 0")
        if wire == _VARINT:
            value = data[pos] if pos < end else 0x80
            if value < 0x80:
                pos += 1
            else:
                value, pos = _varint_at(data, pos, end)
            yield number, wire, value, pos
        elif wire == _LEN:
            length = data[pos] if pos < end else 0x80
            if length < 0x80:
                pos += 1
            else:
                length, pos = _varint_at(data, pos, end)
            if length > end - pos:
                raise _Bad("a field runs past the end of its message")
            yield number, wire, length, pos
            pos += length
        elif wire in (_I64, _I32):
            pos += 8 if wire == _I64 else 4
        else:
            raise _Bad(f"wire type {wire}")
    if pos != end:
        raise _Bad("a message runs past its end")


def _entry(data: Buffer, pos: int, end: int) -> tuple[str, str]:
    """(key, value) of a StringStringEntryProto (1: key, 2: value)."""
    found = {1: "", 2: ""}
    for number, wire, length, start in _fields(data, pos, end):
        if wire == _LEN and number in found:
            found[number] = bytes(data[start:start + length]).decode("utf-8")
    return found[1], found[2]


def _tensor(data: Buffer, pos: int, end: int, found: list[str]) -> None:
    location, external = "", False
    for number, wire, value, start in _fields(data, pos, end):
        if number == _DATA_LOCATION and wire == _VARINT:
            external = value == _EXTERNAL
        elif number == _EXTERNAL_DATA and wire == _LEN:
            key, text = _entry(data, start, start + value)
            location = text if key == "location" else location
    if external:
        if not location:
            raise _Bad("a tensor is stored externally but names no location")
        found.append(location)


# message -> {field number: message it holds}; "tensor" is a TensorProto
_HOLDS: dict[str, dict[int, str]] = {
    "graph": {_GRAPH_NODES: "node", _GRAPH_TENSORS: "tensor", _GRAPH_SPARSE: "sparse"},
    "node": {5: "attribute"},
    "attribute": {5: "tensor", 6: "graph", 10: "tensor", 11: "graph"},
    "sparse": {1: "tensor", 2: "tensor"},
}


def _message(kind: str, data: Buffer, pos: int, end: int, found: list[str], depth: int) -> None:
    if depth > _MAX_DEPTH:
        raise _Bad("subgraphs are nested too deeply")
    if kind == "tensor":
        _tensor(data, pos, end, found)
        return
    holds = _HOLDS[kind]
    for number, wire, value, start in _fields(data, pos, end):
        if wire == _LEN and number in holds:
            _message(holds[number], data, start, start + value, found, depth + 1)


def _locations(data: Buffer) -> list[str]:
    found: list[str] = []
    for number, wire, value, start in _fields(data, 0, len(data)):
        if number == _GRAPH and wire == _LEN:
            _message("graph", data, start, start + value, found, 0)
    return found


def external_locations(path: StrPath) -> tuple[str, ...]:
    """Every external data ``location`` the ONNX file's tensors name, in the graph's order
    (repeats removed); ConfigError when the file cannot be read as ONNX. The file is mapped,
    not read: only the fields' headers are touched, never the inline weights."""
    path = pure(path)
    try:
        with open(path, "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                raise _Bad("the file is empty")
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
                # the walk skips the weights by their lengths: 1 ms on a 9 MB MobileNetV2
                # where a search of its bytes for "location" took 11
                return tuple(dict.fromkeys(_locations(data)))
    except OSError as exc:
        raise ConfigError(f"cannot read model {path}: {exc}") from exc
    except (_Bad, UnicodeDecodeError) as exc:
        raise _not_onnx(path, exc) from exc


def read_header(path: StrPath) -> OnnxHeader:
    """The header of the ONNX file ``path``; ConfigError when it is not an ONNX model."""
    path = pure(path)
    try:
        with open(path, "rb") as handle:
            return _scan(handle, os.fstat(handle.fileno()).st_size)
    except OSError as exc:
        raise ConfigError(f"cannot read model {path}: {exc}") from exc
    except (_Bad, UnicodeDecodeError) as exc:
        raise _not_onnx(path, exc) from exc


def _not_onnx(path: str, exc: Exception) -> ConfigError:
    return ConfigError(f"cannot load model {name(path)}: neither a TFLite flatbuffer (no TFL3 "
                       f"identifier) nor an ONNX model ({exc})")
