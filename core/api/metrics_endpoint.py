"""``GET /metrics`` for Prometheus, on the local and container server (METRICS=prometheus).

The server's WSGI application (``core.api.wsgi.make_app``: ``python -m core serve``, or
``core.api.wsgi:app`` under another WSGI server) mounts the route when it is made, so a missing
prometheus-client stops the server at start with the setting and the install command. The
function adapters never mount it: a function instance cannot be scraped, so there the setting
counts as ``on`` and the first request logs one ``metrics_not_served`` warning
(``core.api.service.NOT_SERVED``).

The route follows the API key like any other (a scraper sends ``Authorization: Bearer KEY``);
``API_KEY_OPEN_ROUTES=/metrics`` leaves it open. With METRICS unset, ``on`` or ``off`` there is
no such route: ``/metrics`` is a 404 like any unknown path, and prometheus-client is never
imported.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from core.errors import ConfigError
from core.images.budget import shared_budget
from core.messages import Request, Response

if TYPE_CHECKING:
    from core.api.service import Service
    from core.pipeline.timings import Timings
    from core.telemetry.prometheus import Recorder

ROUTE = "/metrics"
_LOCK = threading.Lock()
INSTALL = "pip install prometheus-client (or the server's set: pip install -e '.[serve]')"


def expose_metrics(service: Service) -> None:
    """Mount ``GET /metrics`` on ``service`` and record its every answer, when its settings say
    METRICS=prometheus; nothing otherwise, or when it is mounted already."""
    if not service.settings.prometheus or service.serves(ROUTE):
        return
    with _LOCK:  # two first requests of the default app must not both mount it
        if not service.serves(ROUTE):
            _mount(service)


def _mount(service: Service) -> None:
    recorder_class = _recorder_class()
    budget = shared_budget(service.settings.decode_memory_mb << 20)

    def model() -> dict[str, str] | None:
        classifier = service.loaded
        if classifier is None:
            return None
        width, height = classifier.input_size
        return {"name": classifier.manifest.name, "version": classifier.manifest.version,
                "runtime": classifier.runtime.name,
                "runtime_version": classifier.runtime.version,
                "sha256": classifier.sha256[:12], "input_size": f"{width}x{height}"}

    recorder = recorder_class(lambda: budget, model)

    def scrape(request: Request, timings: Timings) -> Response:
        body, content_type = recorder.exposition(request.headers.get("accept", ""))
        return Response(200, body, {"Content-Type": content_type})

    service.mount(ROUTE, {"GET": scrape}, recorder.observe)


def _recorder_class() -> type[Recorder]:
    """``core.telemetry.prometheus.Recorder``; a ConfigError naming the setting and the install
    command when prometheus-client is missing."""
    try:
        from core.telemetry.prometheus import Recorder as found
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("prometheus_client"):
            raise
        raise ConfigError(f"METRICS=prometheus needs the prometheus-client package, which is "
                          f"not installed: {INSTALL}; or unset METRICS") from exc
    return found
