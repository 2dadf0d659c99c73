"""The core: everything the classifier does, for every front end.

Packages, each owning one concern, from the top down (a package imports only those below it):

* ``core.api``: the HTTP-neutral service (routes, ``POST /predict`` parsing, the Open Inference
  Protocol, the demo page), and the WSGI app and local server in front of it.
* ``core.pipeline``: one prediction's steps (fetch, decode, resize, infer), timed; batches.
* ``core.fetch``, ``core.images``, ``core.inference``: image URLs fetched safely, image bytes
  decoded to pixels within limits, and models loaded and run. None imports another.
* ``core.telemetry``: the request log line, its platform formats, metrics and traces.
* ``core.messages`` (``Request``/``Response``), ``core.config`` (``Settings``) and
  ``core.errors`` (the error hierarchy): the bottom, imported by everything above.

``core.cli`` (``python -m core``, the ``classifier`` command) stands beside the cloud adapters,
above ``core.api``. The contract is checked by ``tests/test_layers.py`` (``make check``).
"""
