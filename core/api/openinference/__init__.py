"""The Open Inference Protocol (KServe v2) on the service's pipeline.

``codec``: the wire format (JSON and binary tensors in, and answers out), independent of the
model; ``endpoints``: the ``/v2`` routes, which run requests through ``core.pipeline``.
"""
