"""A request's deadline: the ``time.monotonic()`` by which its answer must be ready.

Computed here, and only here, for every front end, so each wait in the core (the download, the
decode memory budget, the model) has a finite limit and the answer is a JSON 504 rather than the
platform cutting the call off:

* Lambda: the time the platform leaves (the invocation's remaining time, capped by the front
  door's own limit, e.g. API Gateway's 29 s) less ``LAMBDA_DEADLINE_MARGIN_MS``;
* Azure: ``AZURE_DEADLINE_SECONDS`` from the invocation's start (HTTP triggers end at 230 s);
* GCP, the local server and any other caller: ``REQUEST_DEADLINE_SECONDS`` from receipt (a GCP
  function's own timeout is not visible to the code, so the setting stands in for it).
"""

from __future__ import annotations

from core.config import Settings

LAMBDA, AZURE = "aws_lambda", "azure"


def request_deadline(settings: Settings, started: float, platform: str = "",
                     time_left_ms: float | None = None) -> float:
    """The deadline of a request received at ``started`` (a ``time.monotonic()`` value) on
    ``platform`` (``core.messages.Invocation.platform``); ``time_left_ms``: what Lambda says
    is left of the invocation, when it says."""
    if platform == LAMBDA and time_left_ms is not None:
        return started + (time_left_ms - settings.lambda_deadline_margin_ms) / 1000
    if platform == AZURE:
        return started + settings.azure_deadline_seconds
    return started + settings.request_deadline_seconds
