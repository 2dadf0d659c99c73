"""Fetching images by URL without reaching what a caller must not reach.

Owns the URL policy (``url_policy``: schemes, ports, blocked networks, the allowlist), the
connection pools pinned to the validated address with TLS (``pinning``), and the fetcher with
its limits and deadline (``fetcher``). urllib3 is imported only when a URL is first fetched.

May import ``core.config`` and ``core.errors`` only.
"""
