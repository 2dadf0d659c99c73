"""Classifying stored objects: storage and queue events, and the local batch.

Owns where an object lives (``objects``: ``ObjectRef``, ``parse_object_uri``), the object stores
(``stores``: S3, Cloud Storage, Azure Blob, local files, each SDK imported lazily inside its own
module), where results go and what they hold (``results``: ``RESULTS_URI``, the result key, the
loop guard, the JSON record) and classifying one object or queue message (``runner``).

Sits beside ``core.api``. May import ``core.pipeline`` and everything below it; adapters and
``core.cli`` import it, the HTTP path never does.
"""
