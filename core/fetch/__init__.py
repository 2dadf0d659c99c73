"""Fetching images by URL without reaching what a caller must not reach.

Owns the URL policy (``url_policy``: schemes, ports, blocked networks, the allowlist), the
keep-alive connections pinned to the validated address with TLS (``pinning``), the response
body's decoding (``response``), the header watchdog (``watchdog``) and the fetcher with its
limits and deadline (``fetcher``). The HTTP client (the standard library's http.client) is
imported only when a URL is first fetched.

May import ``core.config`` and ``core.errors`` only.
"""
