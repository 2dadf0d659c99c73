"""The Lambda entry point: handler ``lambda_function.lambda_handler``.

Importing this module is Lambda's init phase: the model loads here, once per execution
environment, so the first request does not pay for it (and init has its own, longer, budget).
In the image and the zip this file sits at the task root next to ``core/`` and ``aws_lambda/``.
With SnapStart the snapshot is taken after this import, model loaded (``aws_lambda.snapstart``).
Under a runtime client (AWS_LAMBDA_RUNTIME_API set) SIGTERM ends the process cleanly.
"""

from __future__ import annotations

import time

_STARTED = time.perf_counter()  # the imports below are the init line's imports_ms

import os  # noqa: E402
from typing import Any  # noqa: E402

from core.startup import InitPhase  # noqa: E402

with InitPhase():  # numpy and Pillow imported first, the collector paused until init ends
    from aws_lambda import snapstart
    from aws_lambda.handler import handle_event
    from core.api.service import default_service

    SERVICE = default_service()
    SERVICE.init["imports_ms"] = round((time.perf_counter() - _STARTED) * 1000, 1)
    SERVICE.warm()
    snapstart.register(SERVICE)
    if os.environ.get("AWS_LAMBDA_RUNTIME_API"):  # under a runtime client only
        from aws_lambda import shutdown

        shutdown.install(SERVICE.pipeline.reset_connections)


def lambda_handler(event: Any, context: Any) -> Any:
    """Answer one invocation of any supported shape; never raises."""
    return handle_event(SERVICE, event, context)
