"""A bounded ``Transfer-Encoding: chunked`` receiver for waitress.

waitress 3.0.2's ``ChunkedReceiver`` keeps an unfinished chunk-size line (and an unfinished
trailer) without limit and prepends it to every block it reads, then searches the whole of it
for CRLF again: a client streaming one endless chunk extension (``1;aaaa...``) makes each
8 kB read cost a copy and a scan of everything sent so far, quadratic CPU for bandwidth only.

``BoundedChunkedReceiver`` hands waitress's receiver one piece of the stream at a time (a
chunk's data, its CRLF, one chunk-size line, the trailer) and refuses, before handing it over:

* a chunk-size line (size and extensions) longer than ``MAX_CHUNK_LINE`` bytes: 400;
* a trailer section longer than ``max_trailer`` bytes (the request-head limit): 431.

Everything else, including what a valid body decodes to, is waitress's own code.
"""

from __future__ import annotations

from typing import Any

from waitress.receiver import ChunkedReceiver
from waitress.utilities import BadRequest, RequestHeaderFieldsTooLarge

MAX_CHUNK_LINE = 512  # a hex size is at most 16 digits; extensions are for the rest


class BoundedChunkedReceiver(ChunkedReceiver):  # type: ignore[misc]
    """waitress's chunked body receiver with its chunk-size line and trailer bounded."""

    def __init__(self, buf: Any, max_trailer: int, max_line: int = MAX_CHUNK_LINE) -> None:
        super().__init__(buf)
        self.max_trailer = max_trailer
        self.max_line = max_line

    def received(self, s: bytes) -> int:
        """Feed ``s`` piece by piece; the bytes consumed (all of them once refused)."""
        if self.completed or self.error is not None:
            return 0
        consumed = 0
        while s and not self.completed and self.error is None:
            piece = self._next_piece(s)
            if not piece:  # refused: the rest of the stream is not a request
                return consumed + len(s)
            used: int = super().received(piece)
            consumed += used
            if used < len(piece):  # the body ended inside this piece
                break
            s = s[len(piece):]
            if len(self.trailer) > self.max_trailer:
                self._refuse(RequestHeaderFieldsTooLarge(
                    f"the trailer exceeds {self.max_trailer} bytes"))
        return consumed + (len(s) if self.error is not None else 0)

    def _next_piece(self, s: bytes) -> bytes:
        """The longest prefix of ``s`` that ends within the receiver's current state."""
        if self.chunk_remainder > 0:
            return s[:self.chunk_remainder]
        if self.validate_chunk_end:
            return s[:2 - len(self.chunk_end)]
        if self.all_chunks_received:
            return s
        if self.control_line.endswith(b"\r") and s.startswith(b"\n"):
            return s[:1]
        end = s.find(b"\r\n")
        length = len(self.control_line) + (end if end >= 0 else len(s))
        if length > self.max_line:
            self._refuse(BadRequest(f"a chunk-size line exceeds {self.max_line} bytes"))
            return b""
        return s[:end + 2] if end >= 0 else s

    def _refuse(self, error: BadRequest) -> None:
        self.error = error
        self.all_chunks_received = True
        self.control_line = self.trailer = b""
