"""Fetching an image URL: http(s) only, timeouts, a total deadline, a byte cap, checked redirects.

``requests`` bounds each socket read with its timeout, not the download, so the deadline and the
byte cap are checked inside the read loop, on the bytes actually read (a lying or missing
Content-Length changes nothing). Every URL, the first and each redirect target, passes through
``core.netpolicy.UrlPolicy`` before any connection is made.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import urljoin

import requests

from core import errors
from core.config import Settings
from core.netpolicy import Target, UrlPolicy

_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


class Fetcher:
    """Downloads image bytes under the settings' limits; one session per thread."""

    def __init__(self, settings: Settings, policy: UrlPolicy | None = None) -> None:
        self.settings = settings
        self.policy = policy or UrlPolicy(settings)
        self._local = threading.local()

    def _session(self) -> requests.Session:
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = self.policy.session()
            session.trust_env = False  # no proxies or .netrc from the environment
            session.headers["User-Agent"] = self.settings.fetch_user_agent
            session.headers["Accept"] = "image/*"
            self._local.session = session
        return session

    def fetch(self, url: str, deadline: float | None = None) -> bytes:
        """The body of ``url`` (after at most N checked redirects), as bytes."""
        own = time.monotonic() + self.settings.fetch_deadline
        deadline = own if deadline is None else min(deadline, own)
        for _ in range(self.settings.fetch_max_redirects + 1):
            target = self.policy.check(url)
            response = self._get(url, target, deadline)
            with response:
                if response.status_code in _REDIRECTS and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code >= 400:
                    raise errors.URLStatus(
                        f"the image URL answered HTTP {response.status_code}")
                return self._read(response, deadline)
        raise errors.URLStatus(
            f"the image URL redirected more than {self.settings.fetch_max_redirects} times")

    def _get(self, url: str, target: Target, deadline: float) -> requests.Response:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise errors.URLTimeout("the image download took too long")
        timeout = (min(self.settings.fetch_connect_timeout, remaining),
                   min(self.settings.fetch_read_timeout, remaining))
        try:
            return self.policy.get(self._session(), url, target, timeout)
        except requests.exceptions.Timeout as exc:
            raise errors.URLTimeout("the image host did not answer in time") from exc
        except requests.exceptions.InvalidURL as exc:
            raise errors.InvalidField("'url' is not a valid URL") from exc
        except (requests.exceptions.ConnectionError, requests.exceptions.TooManyRedirects,
                requests.exceptions.ChunkedEncodingError, requests.exceptions.SSLError) as exc:
            raise errors.URLUnreachable("the image host could not be reached") from exc
        except requests.exceptions.RequestException as exc:
            raise errors.URLUnreachable("the image could not be fetched") from exc

    def _read(self, response: requests.Response, deadline: float) -> bytes:
        cap = self.settings.max_image_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise errors.ImageTooLarge(f"the image is larger than {cap} bytes")
        body = bytearray()
        try:
            for chunk in response.iter_content(_CHUNK):
                body += chunk
                if len(body) > cap:
                    raise errors.ImageTooLarge(f"the image is larger than {cap} bytes")
                if time.monotonic() > deadline:
                    raise errors.URLTimeout("the image download took too long")
        except requests.exceptions.Timeout as exc:
            raise errors.URLTimeout("the image host stopped sending in time") from exc
        except (requests.exceptions.RequestException, OSError) as exc:
            raise errors.URLUnreachable("the image download was interrupted") from exc
        return bytes(body)
