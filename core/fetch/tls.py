"""The TLS context of every https fetch: one per process, certifi's CA bundle, host names checked.

Loading that bundle costs about 20 ms of CPU with OpenSSL 3, done outside the GIL, so the first
https URL's context is made on the thread that checks the URL while the request's thread imports
the HTTP client (``core.fetch.url_policy.UrlPolicy.check_first``); this module imports neither
http.client nor the fetcher.
"""

from __future__ import annotations

import ssl
from functools import cache


@cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process: certifi's CA bundle, host names checked
    (certifi is imported here, by the first https fetch: a plain http one never needs it)."""
    import certifi

    return ssl.create_default_context(cafile=certifi.where())
