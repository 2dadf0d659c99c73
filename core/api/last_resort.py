"""The answer when answering itself failed: a fixed JSON 500 built from almost nothing."""

from __future__ import annotations

import contextlib
import logging
import traceback

from core import errors
from core.api.openinference.endpoints import is_v2
from core.messages import Request, Response
from core.telemetry.request_log import log_json

_LAST_RESORT = b'{"error":{"code":"internal_error","message":"internal error"}}'
_LAST_RESORT_V2 = b'{"error":"internal error"}'


def last_resort(request: Request, fault: BaseException) -> Response:
    """The answer when answering failed: a fixed JSON 500 and one ERROR line, built from
    nothing the request holds but its id (made safe) and whether its path is the protocol's."""
    request_id = errors.shown(getattr(request, "request_id", ""), 64)
    try:
        flat = is_v2(str(request.path))
    except Exception:
        flat = False
    with contextlib.suppress(Exception):  # the log itself failed; the answer must still go out
        log_json(logging.ERROR, "request", request_id=request_id, status=500,
                 error="internal_error", fault=type(fault).__name__,
                 exception="".join(traceback.format_exception(fault))[-4000:])
    return Response(500, _LAST_RESORT_V2 if flat else _LAST_RESORT, {
        "Content-Type": "application/json", "X-Request-Id": request_id,
        "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})
