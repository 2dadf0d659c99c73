"""The fields of a request's one log line, and the level it is logged at."""

from __future__ import annotations

import logging
import traceback

from core import errors
from core.inference.classifier import Classifier
from core.messages import Request, Response
from core.pipeline.timings import Timings
from core.telemetry.request_log import cold_start, redact_url


def request_fields(request: Request, response: Response, timings: Timings,
                   error: BaseException | None, seconds: float, route: str,
                   model: dict[str, object]) -> tuple[int, dict[str, object]]:
    """The level and fields of the line for ``request``: ``route`` is the route it matched,
    ``model`` the loaded model's fields (empty before the model is loaded)."""
    fields: dict[str, object] = {
        "request_id": request.request_id, "method": request.method,
        "route": route, "path": request.path[:100],
        "status": response.status, "ms": round(seconds * 1000, 2),
        "timings": timings.as_ms(), **timings.info, **model,
        "cold_start": cold_start(),
    }
    if timings.url is not None:
        fields["url"] = redact_url(timings.url)
    level = logging.INFO
    if isinstance(error, errors.ServiceError):
        fields["error"] = error.code
        level = logging.ERROR if error.status >= 500 else logging.WARNING
    elif error is not None:
        fields["error"] = "internal_error"
        fields["exception"] = "".join(traceback.format_exception(error))[-4000:]
        level = logging.ERROR
    return level, fields


def model_fields(classifier: Classifier) -> dict[str, object]:
    """Model name, version and runtime, as every line after the model loads carries them."""
    return {"model": classifier.manifest.name, "model_version": classifier.manifest.version,
            "runtime": classifier.runtime.name, "runtime_version": classifier.runtime.version}
