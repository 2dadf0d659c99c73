"""What a request's log line and its metrics cost: ``Service._log`` per platform shape.

Each shape logs a predict request with everything a real one carries (timings of every step,
image size and bytes, a redacted URL, trace headers, the platform's ids), written through the
real handler to /dev/null, so the figure includes JSON encoding and the write. Shapes take
turns in short batches; the figure is the median over batches of the mean CPU time per call.
Beside them: the line this one replaced, and ``GET /health`` with and without its log line.

``python -m benchmarks.logcost`` prints the result as JSON.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from core.api.service import Service
from core.config import DEFAULT_MODEL, ROOT, Settings
from core.inference.loader import load_classifier
from core.messages import Invocation, Request, Response
from core.pipeline.timings import Timings
from core.telemetry.request_log import LOGGER, log_json, redact_url

TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
XRAY = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
SHAPES: dict[str, tuple[dict[str, Any], Invocation]] = {
    "json (local)": ({}, Invocation()),
    "lambda + EMF": ({}, Invocation("aws_lambda", "8f5e0c1a-aws-request-id", XRAY, None, "fn")),
    "lambda, METRICS=off": ({"metrics": "off"}, Invocation("aws_lambda", "8f5e0c1a", XRAY)),
    "gcp": ({"gcp_project": "my-project"}, Invocation("gcp", "exec-1234")),
    "azure": ({}, Invocation("azure", "inv-1234", None, TRACEPARENT, "predict")),
}
PREVIOUS = "previous line (no platform shape, no metrics)"
LIMIT_MS = 0.1


@contextmanager
def quiet() -> Iterator[None]:
    """The classifier logger's handlers write to /dev/null meanwhile (real writes, no noise)."""
    with open(os.devnull, "w") as sink:
        handlers = [h for h in LOGGER.handlers if isinstance(h, logging.StreamHandler)]
        old = [h.setStream(sink) for h in handlers]
        try:
            yield
        finally:
            for handler, stream in zip(handlers, old, strict=True):
                if stream is not None:
                    handler.setStream(stream)


def predict_line(service: Service, invocation: Invocation) -> Callable[[], None]:
    """One call of the service's request logging for a realistic predict request."""
    request = Request("POST", "/predict", {"content-type": "application/json",
                                           "traceparent": TRACEPARENT,
                                           "x-cloud-trace-context": "4bf92f35/1;o=1"},
                      {}, b'{"url": "https://images.example.com/a.jpg"}', invocation=invocation)
    timings = Timings({"fetch": 0.0123, "decode": 0.0045, "resize": 0.0011, "inference": 0.021},
                      {"image_bytes": 123_456, "image_size": [640, 480]},
                      "https://images.example.com/private/a.jpg?X-Amz-Signature=abc")
    response = Response(200, b'{"dress": 0.9}', {"Content-Type": "application/json"})
    return lambda: service._log(request, response, timings, None, 0.0391)


def previous_line(service: Service) -> Callable[[], None]:
    """The line this replaced (one JSON shape, no trace, model or metrics), for comparison."""
    timings = Timings({"fetch": 0.0123, "decode": 0.0045, "resize": 0.0011, "inference": 0.021},
                      {"image_bytes": 123_456, "image_size": [640, 480]})

    def log() -> None:
        fields = {"request_id": "8f5e0c1a", "method": "POST", "route": "/predict",
                  "status": 200, "ms": 39.1, "timings": timings.as_ms(), **timings.info,
                  "url": redact_url("https://images.example.com/private/a.jpg?sig=abc")}
        log_json(logging.INFO, "request", **fields)
    return log


def per_call_us(action: Callable[[], None], calls: int) -> float:
    """CPU µs of this thread per call: on a shared machine, wall time would also count the
    time the process waits for a CPU (several times the work itself under load)."""
    started = time.thread_time()
    for _ in range(calls):
        action()
    return (time.thread_time() - started) / calls * 1e6


def measure(rounds: int = 41, calls: int = 200) -> dict[str, Any]:
    """Median µs per request log line for every shape, and the /health side by side.

    Short batches, every system once per round in a rotating order, so that the machine's
    noise (other processes, frequency changes) falls on all of them alike.
    """
    classifier = load_classifier(DEFAULT_MODEL, threads=1)
    services = {name: Service(Settings.from_env(env={}, model_threads=1, **extra), classifier)
                for name, (extra, _) in SHAPES.items()}
    actions = {name: predict_line(services[name], SHAPES[name][1]) for name in SHAPES}
    actions[PREVIOUS] = previous_line(services["json (local)"])
    lambda_service = services["lambda + EMF"]
    health = Request("GET", "/health", invocation=SHAPES["lambda + EMF"][1])
    actions["health"] = lambda: _ask(lambda_service, health)
    actions["health-nolog"] = lambda: _ask(lambda_service, health, log=False)
    samples: dict[str, list[float]] = {name: [] for name in actions}
    names = list(actions)
    with quiet():
        for service in services.values():
            service.warm()
        for turn in range(rounds):
            for name in names[turn % len(names):] + names[:turn % len(names)]:
                samples[name].append(per_call_us(actions[name], calls))
    medians = {name: round(statistics.median(values), 2) for name, values in samples.items()}
    return {"rounds": rounds, "calls": calls,
            "us_per_line": {n: medians[n] for n in [*SHAPES, PREVIOUS]},
            "health_us": {"with log line": medians["health"],
                          "without": medians["health-nolog"]}}


def _ask(service: Service, request: Request, log: bool = True) -> None:
    if log:
        service.handle(request)
        return
    service._log = lambda *args: None  # type: ignore[method-assign]
    try:
        service.handle(request)
    finally:
        del service._log


def in_child(quick: bool = False) -> dict[str, Any]:
    """``measure`` in a process of its own (its own logger and model), as the suite runs it."""
    args = [sys.executable, "-m", "benchmarks.logcost"] + (["--quick"] if quick else [])
    done = subprocess.run(args, capture_output=True, text=True, check=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    json.dump(measure(rounds=7, calls=100) if quick else measure(), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
