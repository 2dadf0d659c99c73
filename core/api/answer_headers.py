"""The headers every answer carries: request id, caching, sniffing, timings and CORS."""

from __future__ import annotations

from core.config import Settings
from core.messages import Request, Response
from core.pipeline.timings import Timings


def add_headers(request: Request, response: Response, timings: Timings,
                settings: Settings) -> None:
    """Set the headers an answer lacks, the Server-Timing one, and CORS when configured."""
    response.headers.setdefault("X-Request-Id", request.request_id)
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    if timings.parts:
        response.headers["Server-Timing"] = timings.header()
    origin = settings.cors_allow_origin
    if origin:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response.headers["Access-Control-Allow-Headers"] = (
            "Content-Type, Authorization" if settings.api_keys_sha256 else "Content-Type")
        response.headers["Access-Control-Expose-Headers"] = "Server-Timing, X-Request-Id"
