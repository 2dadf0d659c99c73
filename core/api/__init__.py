"""The API: requests in, responses out, the same on every platform.

Owns the route table (``router``), ``POST /predict`` body parsing (``predict_body``), the
service that turns exceptions into JSON errors and writes each request's log line
(``service``), the Open Inference Protocol (``openinference``), the demo page (``page``), and
the WSGI app (``wsgi``) and local server (``server``, with ``chunked`` and ``fdlimit``) in
front of the service, with its ``GET /metrics`` for Prometheus (``metrics_endpoint``).

May import ``core.pipeline`` and everything below it; never an adapter.
"""
