"""A fetched response: its status, its headers, and its body read piece by piece, decoded.

http.client parses the status line, the headers and the framing (Content-Length, chunked); this
adds the Content-Encoding the fetch asks for (gzip, deflate), inflating at most the amount asked
for per read, so a compression bomb costs no more memory than the caller's cap; and it makes a
body cut short of its Content-Length an error (http.client would return it short, silently).
An encoding other than those two is passed through as sent (the image decoder then refuses it).
"""

from __future__ import annotations

import http.client
import socket
import zlib
from collections.abc import Callable

GZIP_BITS = 16 + zlib.MAX_WBITS  # a gzip header and trailer
ZLIB_BITS = zlib.MAX_WBITS  # a zlib header (what "deflate" means)
RAW_BITS = -zlib.MAX_WBITS  # no header: what some servers send as "deflate"


class DecodeError(ValueError):
    """The body does not decode as its Content-Encoding says."""


class Inflater:
    """Inflates a gzip or deflate stream, at most ``limit`` bytes per call."""

    def __init__(self, encoding: str) -> None:
        self._gzip = encoding != "deflate"
        self._inflate = zlib.decompressobj(GZIP_BITS if self._gzip else ZLIB_BITS)
        self._fed = False  # whether any input went in (deflate may then fall back to raw)
        self._tail = b""  # input not inflated yet: over the last call's limit, or the next member
        self._ended = False

    @property
    def pending(self) -> bool:
        """Whether input remains that the next call can inflate without reading more."""
        return bool(self._tail) and not self._ended

    def inflate(self, data: bytes, limit: int) -> bytes:
        """Up to ``limit`` bytes inflated from what is pending, then ``data``."""
        if self._ended:
            return b""  # after the stream's end only trailing bytes come: ignored
        data, self._tail = self._tail + data, b""
        try:
            out = self._inflate.decompress(data, limit)
        except zlib.error as exc:
            if self._gzip or self._fed:
                raise DecodeError("the body does not decode as its Content-Encoding") from exc
            self._inflate = zlib.decompressobj(RAW_BITS)
            try:
                out = self._inflate.decompress(data, limit)
            except zlib.error as raw_exc:
                raise DecodeError("the body does not decode as deflate") from raw_exc
        self._fed = True
        self._tail = self._inflate.unconsumed_tail
        if self._inflate.eof:
            self._tail = self._inflate.unused_data
            if self._gzip and self._tail.startswith(b"\x1f\x8b"):  # another gzip member
                self._inflate = zlib.decompressobj(GZIP_BITS)
            else:
                self._ended = True
        return out


def inflater_for(content_encoding: str | None) -> Inflater | None:
    """The inflater for a Content-Encoding header's value; None: the body is taken as sent."""
    encoding = (content_encoding or "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        return Inflater(encoding)
    return None


class Response:
    """A response whose body is read with ``read1``; ``release`` when done with it."""

    def __init__(self, raw: http.client.HTTPResponse, sock: socket.socket | None,
                 done: Callable[[bool], None]) -> None:
        self.status = raw.status
        self.headers = raw.msg  # case-insensitive; the first of repeated fields
        self.sock = sock
        self._raw = raw
        self._done: Callable[[bool], None] | None = done
        self._inflater = inflater_for(raw.getheader("content-encoding"))

    def read1(self, size: int) -> bytes:
        """Up to ``size`` bytes of the decoded body, after at most one socket read; b"" at its
        end. A body cut short of its length raises http.client.IncompleteRead, one that does
        not decode DecodeError."""
        inflater = self._inflater
        while True:
            if inflater is not None and inflater.pending:
                out = inflater.inflate(b"", size)
                if out:
                    return out
            raw = self._raw.read1(size)
            if not raw:
                if self._raw.length:  # what Content-Length promised did not all come
                    raise http.client.IncompleteRead(b"", self._raw.length)
                return b""
            if inflater is None:
                return raw
            out = inflater.inflate(raw, size)
            if out:
                return out

    def release(self) -> None:
        """Done with it: the connection is kept for the next fetch when the body was read to
        its end and the server keeps it open, else closed."""
        done, self._done = self._done, None
        if done is not None:
            # read to its end: chunked closes itself; a Content-Length body counts down to 0
            complete = self._raw.isclosed() or self._raw.length == 0
            self._raw.close()  # the response's file only: the socket stays the connection's
            done(complete and not self._raw.will_close)
