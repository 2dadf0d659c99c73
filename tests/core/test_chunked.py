"""core.api.chunked: waitress's chunked receiver with its chunk-size line and trailer bounded."""

from __future__ import annotations

import random
import time

import pytest
from waitress.buffers import OverflowableBuffer

from core.api.chunked import MAX_CHUNK_LINE, BoundedChunkedReceiver

BODY = bytes(range(256)) * 40
STREAM = (b"a00;name=value;q=\"a b\"\r\n" + BODY[:0xa00] + b"\r\n"
          + b"%x\r\n" % (len(BODY) - 0xa00) + BODY[0xa00:] + b"\r\n0\r\nX-Sum: 1\r\n\r\n")


def receiver() -> BoundedChunkedReceiver:
    return BoundedChunkedReceiver(OverflowableBuffer(1 << 20), max_trailer=1024)


def feed(rcv: BoundedChunkedReceiver, data: bytes, cuts: list[int]) -> int:
    consumed = 0
    for start, end in zip([0, *cuts], [*cuts, len(data)], strict=True):
        consumed += rcv.received(data[start:end])
    return consumed


@pytest.mark.parametrize("seed", range(20))
def test_a_valid_stream_cut_anywhere_decodes_to_its_body(seed: int) -> None:
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(STREAM)), rng.randint(1, 40)))
    rcv = receiver()
    assert feed(rcv, STREAM + b"GET / HTTP/1.1\r\n", cuts) == len(STREAM)
    assert rcv.completed and rcv.error is None
    assert rcv.getfile().read() == BODY


def test_a_stream_cut_after_every_byte_decodes() -> None:
    rcv = receiver()
    assert feed(rcv, STREAM, list(range(1, len(STREAM)))) == len(STREAM)
    assert rcv.getfile().read() == BODY


@pytest.mark.parametrize("line", [b"1;" + b"a" * MAX_CHUNK_LINE, b"0" * (MAX_CHUNK_LINE + 1)])
def test_a_long_chunk_size_line_is_400(line: bytes) -> None:
    rcv = receiver()
    data = line + b"\r\nx\r\n0\r\n\r\n"
    assert rcv.received(data) == len(data)  # all of it: nothing after is a request
    assert rcv.error is not None and rcv.error.code == 400


def test_a_line_at_the_limit_is_accepted() -> None:
    rcv = receiver()
    line = b"1;" + b"a" * (MAX_CHUNK_LINE - 2)
    rcv.received(line + b"\r\nx\r\n0\r\n\r\n")
    assert rcv.completed and rcv.error is None


def test_an_endless_extension_costs_one_read_not_a_copy_per_read() -> None:
    """10 MB of extension in 8 kB reads: refused at the first read, the rest ignored."""
    rcv = receiver()
    block = b"a" * 8192
    started = time.process_time()
    consumed = rcv.received(b"1;") + sum(rcv.received(block) for _ in range(1280))
    assert rcv.error is not None and rcv.error.code == 400
    assert consumed == 2 + 8192  # refused with the first block; completed takes no more
    assert time.process_time() - started < 1.0


def test_a_trailer_over_the_limit_is_431() -> None:
    rcv = receiver()
    rcv.received(b"1\r\nx\r\n0\r\n")
    for _ in range(100):
        rcv.received(b"X-T: " + b"v" * 50 + b"\r\n")
    assert rcv.error is not None and rcv.error.code == 431
