"""Fetching an image URL: http(s) only, timeouts, a total deadline, a byte cap, checked redirects.

The HTTP client is the standard library's ``http.client`` (which urllib3 and ``requests`` also
run on) with keep-alive connections of our own (``core.fetch.pinning``): importing urllib3 on
a process's first URL cost about 24 ms more than http.client alone, a tenth of that first
answer, for a pool and retries a fetch of one image does not use. A socket timeout bounds each
read, not the download, so the deadline and the byte cap are checked inside the read loop after
every socket read (``read1``), on the decoded bytes actually read (a lying or missing
Content-Length, or a gzip bomb, changes nothing: at most the amount asked for is inflated).
Each socket read waits at most what is left of the deadline. Every URL, the first and each
redirect target, passes through ``core.fetch.url_policy.UrlPolicy`` before any connection is
made.
"""

from __future__ import annotations

import http.client
import threading
import time
import weakref
from urllib.parse import urljoin

from core import errors
from core.config import Settings
from core.fetch.pinning import ConnectFailed, PinnedPools, Target
from core.fetch.response import Response
from core.fetch.target import request_path
from core.fetch.url_policy import UrlPolicy

_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


class Fetcher:
    """Downloads image bytes under the settings' limits; keep-alive pools per thread."""

    def __init__(self, settings: Settings, policy: UrlPolicy | None = None) -> None:
        self.settings = settings
        self.policy = policy or UrlPolicy(settings)
        self._local = threading.local()
        self._every: weakref.WeakSet[PinnedPools] = weakref.WeakSet()  # each thread's pools
        self._every_lock = threading.Lock()
        self._headers = {"User-Agent": settings.fetch_user_agent, "Accept": "image/*",
                         "Accept-Encoding": "gzip, deflate"}
        self._timeouts = (settings.fetch_connect_timeout, settings.fetch_read_timeout)

    def _pools(self) -> PinnedPools:
        pools: PinnedPools | None = getattr(self._local, "pools", None)
        if pools is None:
            pools = self._local.pools = PinnedPools()
            with self._every_lock:
                self._every.add(pools)
        return pools

    def close(self) -> None:
        """Close every thread's pools (their sockets, now rather than when collected) and
        forget them: the next fetch on any thread connects anew. For when no fetch runs
        (SnapStart's restore, shutdown): a fetch in flight would lose its connection."""
        self._local = threading.local()
        with self._every_lock:
            every, self._every = list(self._every), weakref.WeakSet()
        for pools in every:
            pools.close()

    def fetch(self, url: str, deadline: float | None = None, started: float | None = None,
              checked: Target | None = None) -> bytes:
        """The body of ``url`` (after at most N checked redirects), as bytes.

        ``deadline`` is the caller's (the platform's time limit, as time.monotonic()); when it,
        rather than FETCH_DEADLINE, cuts the download short, the answer is 504
        ``deadline_exceeded`` (the platform's fault), not 422 ``url_timeout`` (the host's).
        FETCH_DEADLINE counts from ``started`` (a batch's start: its URLs share one deadline),
        or from now. ``checked``: what this fetcher's policy's ``check(url)`` returned, when the
        caller has run it already (its resolution is then not done again).
        """
        own = (time.monotonic() if started is None else started) + self.settings.fetch_deadline
        try:
            return self._follow(url, own if deadline is None else min(deadline, own), checked)
        except errors.URLTimeout as exc:
            if deadline is not None and deadline <= own and time.monotonic() >= deadline - 0.05:
                raise errors.DeadlineExceeded(
                    "the time limit ran out while downloading the image") from exc
            raise

    def _follow(self, url: str, deadline: float, checked: Target | None) -> bytes:
        for _ in range(self.settings.fetch_max_redirects + 1):
            if checked is None or checked.url != url:
                checked = self.policy.check(url)
            target, checked = checked, None  # each redirect target is checked here
            response = self._get(target, deadline)
            try:
                if response.status in _REDIRECTS and "location" in response.headers:
                    url = _redirect_target(url, response.headers["location"])
                    continue
                if response.status >= 400:
                    raise errors.URLStatus(f"the image URL answered HTTP {response.status}")
                return self._read(response, deadline)
            finally:
                response.release()  # kept for the next fetch only when read to its end
        raise errors.URLStatus(
            f"the image URL redirected more than {self.settings.fetch_max_redirects} times")

    def _get(self, target: Target, deadline: float) -> Response:
        """The response to GET ``target``, from its first validated address that takes the
        connection (two tried at most)."""
        if deadline - time.monotonic() <= 0:
            raise errors.URLTimeout("the image download took too long")
        path = request_path(target.url)
        failed: ConnectFailed | None = None
        try:
            for address in target.addresses[:2]:
                try:
                    return self._pools().get(target, address, path, self._headers,
                                             self._timeouts, deadline)
                except ConnectFailed as exc:
                    failed = exc  # this address did not take the connection: try the next one
        except (http.client.HTTPException, OSError) as exc:
            if isinstance(exc, TimeoutError) or time.monotonic() >= deadline:
                # a read timeout, or the watchdog cut a header drip short at the deadline
                raise errors.URLTimeout("the image host did not answer in time") from exc
            raise errors.URLUnreachable("the image host could not be reached") from exc
        if failed is not None and failed.timed_out:
            raise errors.URLTimeout("the image host did not answer in time") from failed
        raise errors.URLUnreachable("the image host could not be reached") from failed

    def _read(self, response: Response, deadline: float) -> bytes:
        """The body, decoded, checking the cap and the deadline after every socket read."""
        cap = self.settings.max_image_bytes
        declared = response.headers.get("content-length", "").strip()
        if declared.isascii() and declared.isdigit() and (
                len(declared) > 18 or int(declared) > cap):
            raise errors.ImageTooLarge(f"the image is larger than {cap} bytes")
        body = bytearray()
        try:
            while True:
                self._arm(response, deadline)
                chunk = response.read1(_CHUNK)
                if not chunk:
                    break
                body += chunk
                if len(body) > cap:
                    raise errors.ImageTooLarge(f"the image is larger than {cap} bytes")
        except TimeoutError as exc:
            raise errors.URLTimeout("the image download took too long") from exc
        except (http.client.HTTPException, OSError, ValueError) as exc:  # ValueError: DecodeError
            if time.monotonic() >= deadline:
                raise errors.URLTimeout("the image download took too long") from exc
            raise errors.URLUnreachable("the image download was interrupted") from exc
        return bytes(body)

    def _arm(self, response: Response, deadline: float) -> None:
        """Raise once past the deadline; else bound the next socket read by what is left."""
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("deadline")
        sock = response.sock
        if sock is not None:
            sock.settimeout(min(self.settings.fetch_read_timeout, remaining))


def _redirect_target(url: str, location: str) -> str:
    """The absolute URL a redirect points to; a malformed Location is the host's fault (422)."""
    try:
        return urljoin(url, location)
    except ValueError as exc:
        raise errors.URLStatus("the image URL redirected to a malformed location") from exc
