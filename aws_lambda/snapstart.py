"""SnapStart hooks: what must differ between execution environments restored from one snapshot.

With SnapStart (zip deployments on the Python 3.12 and later managed runtimes; not container
images), Lambda runs the init phase once per published version, snapshots the environment's
memory and disk, and resumes every later environment from that snapshot. The model is loaded
before the snapshot (``lambda_function`` warms the service at import), and ``before_snapshot``
runs one inference on a small synthetic image (``Service.warm(inference=True)``, which writes
no request line), so the first request's one-time work (core.pipeline.warmup) lands in the
snapshot instead of in every restored environment's first answer. Renewed after a restore:

* random state: the ``random`` module's global generator is reseeded from the operating
  system, or every copy of the snapshot would draw the same numbers; so is NumPy's legacy
  global generator when ``numpy.random`` was imported before the snapshot (when it was not,
  its first import seeds it from the operating system, after the restore; importing it in the
  hook would add ~20 ms to every restore);
* connection pools: the URL fetcher's keep-alive sockets and TLS context are dropped before the
  snapshot and again after it, so no copy reuses (or shares) a connection opened in another;
* request-id sources: ids are random version-4 UUIDs from ``os.urandom`` (the kernel's
  generator, which is not part of the snapshot) or Lambda's own request id; no generator is
  seeded at init, and ``after_restore`` checks that two fresh ids differ.

The hooks are registered with the runtime's ``snapshot_restore_py`` module (shipped with
awslambdaric); where it is absent (local runs, tests without it) nothing is registered.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import TYPE_CHECKING

from core.telemetry.request_log import log_json

if TYPE_CHECKING:
    from core.api.service import Service


def before_snapshot(service: Service) -> None:
    """Run the warm-up inference (no request line), then close every open connection: a
    socket in the snapshot would be shared by every copy."""
    started = time.perf_counter()
    service.warm(inference=True)
    warm_up_ms = round((time.perf_counter() - started) * 1000, 1)
    service.pipeline.reset_connections()
    log_json(logging.INFO, "before_snapshot", warm_up_ms=warm_up_ms)


def after_restore(service: Service) -> None:
    """Reseed the generators and start from fresh connection pools and a fresh TLS context."""
    import random  # here, not at import: a cold start without SnapStart never needs it

    from core.messages import new_request_id

    random.seed()
    legacy = sys.modules.get("numpy.random")  # NumPy's legacy global generator, if in use
    if legacy is not None:
        legacy.seed()
    service.pipeline.reset_connections()
    if new_request_id() == new_request_id():  # pragma: no cover  (os.urandom would be broken)
        raise RuntimeError("request ids are not unique after the restore")
    log_json(logging.INFO, "after_restore")


def register(service: Service) -> bool:
    """Register both hooks with the runtime; False where snapshot_restore_py is absent."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot, service)
    register_after_restore(after_restore, service)
    return True
