"""What the service tells its operators: one log line per request, metrics and traces.

Owns the request log line and its fields (``request_log``), the platform shapes it is written
in (``log_formats``: Lambda, Cloud Logging, Azure, plain JSON), CloudWatch EMF metrics
(``metrics``), the server's Prometheus metrics (``prometheus``, the one user of
prometheus-client) and trace context parsing (``tracing``).

May import ``core.messages``, ``core.config`` and ``core.errors`` only.
"""
