"""The header of an ONNX file, read without the onnx package: IR version, producer, opsets.

An ONNX model is a protobuf ``ModelProto``. Its top-level fields are scanned here (the graph,
field 7, is skipped by its length, not read), which both answers ``GET /model``'s opset and
producer and rejects files that are not ONNX at all with one line before ONNX Runtime sees them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from core.errors import ConfigError

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5
_STRINGS = {2: "producer_name", 3: "producer_version", 4: "domain"}
_GRAPH, _OPSET = 7, 8


@dataclass(frozen=True)
class OnnxHeader:
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
    return OnnxHeader(opsets=opsets, **values)  # type: ignore[arg-type]


def read_header(path: Path) -> OnnxHeader:
    """The header of the ONNX file ``path``; ConfigError when it is not an ONNX model."""
    try:
        with path.open("rb") as handle:
            return _scan(handle, path.stat().st_size)
    except OSError as exc:
        raise ConfigError(f"cannot read model {path}: {exc}") from exc
    except (_Bad, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot load model {path.name}: neither a TFLite flatbuffer (no TFL3 "
                          f"identifier) nor an ONNX model ({exc})") from exc
