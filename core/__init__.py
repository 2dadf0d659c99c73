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
* ``core.startup``: an entry module's init phase (numpy and Pillow imported first, the garbage
  collector paused until the model is loaded), beside the bottom.

``core.cli`` (``python -m core``, the ``classifier`` command) stands beside the cloud adapters,
above ``core.api``. The contract is checked by ``tests/test_layers.py`` (``make check``).
"""

import os

# numpy's OpenBLAS starts a thread per CPU when numpy is imported, and they spin: about 40-100 ms
# of CPU in a fresh process (measured in the Lambda zip), which a Lambda sandbox's fraction of a
# vCPU pays in wall time, for matrix products the classifier never makes (its numpy work is
# element-wise; LiteRT and ONNX Runtime run their own thread pools). Set before any core module
# imports numpy; a value in the environment wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
