"""SnapStart hooks: what must differ between execution environments restored from one snapshot.

With SnapStart (zip deployments on the Python 3.12 and later managed runtimes; not container
images), Lambda runs the init phase once per published version, snapshots the environment's
memory and disk, and resumes every later environment from that snapshot. The model is loaded
before the snapshot (``lambda_function`` warms the service at import). Renewed after a restore:

* random state: the ``random`` module's and NumPy's global generators are reseeded from the
  operating system, or every copy of the snapshot would draw the same numbers;
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
from typing import TYPE_CHECKING

from core.telemetry.request_log import log_json

if TYPE_CHECKING:
    from core.api.service import Service


def before_snapshot(service: Service) -> None:
    """Close every open connection: a socket in the snapshot would be shared by every copy."""
    service.pipeline.reset_connections()
    log_json(logging.INFO, "before_snapshot")


def after_restore(service: Service) -> None:
    """Reseed the generators and start from fresh connection pools and a fresh TLS context."""
    import random  # here, not at import: a cold start without SnapStart never needs it

    import numpy as np

    from core.messages import new_request_id

    random.seed()
    np.random.seed()  # the legacy global generator, for any library that uses it
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
