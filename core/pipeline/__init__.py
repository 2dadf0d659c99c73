"""The prediction pipeline: fetch, decode, resize, infer, each step timed.

Owns one prediction's steps (``predict``), their timings for ``Server-Timing`` and the log line
(``timings``), how a batch of URLs is fetched concurrently (``batch``), and the accuracy of the
served pipeline over a labelled folder (``evaluation``).

May import ``core.fetch``, ``core.images``, ``core.inference`` and the bottom (``core.config``,
``core.errors``); knows nothing of HTTP requests or of the API above it.
"""
