"""Local batch classification: ``classifier batch SOURCE --out results.jsonl``.

Owns what a batch reads (``sources``: a folder, a text file of URLs, an object-store prefix),
the results file it appends to and resumes from (``results_file``), the loop that reads and
decodes ahead on a small pool while the model runs on the calling thread (``readahead``),
each image's line (``lines``), the progress display (``progress``), the stop on Ctrl-C or
SIGTERM (``stopping``) and the command itself (``command``).

Each image goes through the same pipeline as ``/predict`` (``core.pipeline``: its limits, its
decode memory budget, its answers); its line is the record the storage events write.

May import ``core.jobs`` (object references, stores, the result record), ``core.api`` (the
URL field check of ``/predict``), ``core.pipeline``, ``core.telemetry`` and the bottom
(``core.config``, ``core.errors``); only ``core.cli`` imports it.
"""
