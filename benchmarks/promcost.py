"""What METRICS=prometheus costs a request: the server's WSGI application with and without it.

Two services on one loaded model, one with METRICS=prometheus (``GET /metrics`` mounted, every
answer recorded) and one with METRICS unset, answer the same requests through
``core.api.wsgi.make_app`` in turns: short batches, the two alternating in every round, so the
machine's noise falls on both alike. Each figure is the median over rounds of the mean CPU time
of the request's thread per request (on a shared machine wall time would mostly count the wait
for a CPU). Requests: ``GET /health`` (the cheapest answer, where the recording shows most) and
``POST /predict`` of a 640 x 480 JPEG. Beside them: ``Recorder.observe`` alone, and one scrape.

``python -m benchmarks.promcost`` prints the result as JSON.
"""

from __future__ import annotations

import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from PIL import Image

from benchmarks.logcost import quiet
from core.api.service import Service
from core.api.wsgi import make_app
from core.config import DEFAULT_MODEL, Settings
from core.images.budget import DecodeBudget
from core.inference.loader import load_classifier

Call = Callable[[], None]


def photo() -> bytes:
    """A 640 x 480 JPEG with some detail (a gradient), as a phone upload would be scaled."""
    image = Image.linear_gradient("L").resize((640, 480)).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def wsgi_call(app: Any, method: str, path: str, body: bytes = b"") -> Call:
    """One request through the WSGI application, its answer checked."""
    def call() -> None:
        environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "CONTENT_TYPE": "image/jpeg",
                   "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body)}
        status: list[str] = []
        b"".join(app(environ, lambda s, h: status.append(s)))
        if not status[0].startswith("200"):
            raise RuntimeError(f"{method} {path}: {status[0]}")
    return call


def per_call_us(action: Call, calls: int) -> float:
    started = time.thread_time()
    for _ in range(calls):
        action()
    return (time.thread_time() - started) / calls * 1e6


def actions() -> dict[str, Call]:
    """Each measured call, by name."""
    classifier = load_classifier(DEFAULT_MODEL, threads=1)
    apps = {}
    for name, env in (("off", {}), ("prometheus", {"METRICS": "prometheus"})):
        service = Service(Settings.from_env(env={**env, "MODEL_THREADS": "1"}), classifier)
        service.warm()
        apps[name] = make_app(service)
    image = photo()
    found: dict[str, Call] = {}
    for name, app in apps.items():
        found[f"health, {name}"] = wsgi_call(app, "GET", "/health")
        found[f"predict, {name}"] = wsgi_call(app, "POST", "/predict", image)
    found["scrape"] = wsgi_call(apps["prometheus"], "GET", "/metrics")
    from core.telemetry.prometheus import Recorder

    budget = DecodeBudget(256 << 20)
    recorder = Recorder(lambda: budget, lambda: None)
    fields = {"route": "/predict", "status": 200, "ms": 9.81,
              "timings": {"decode": 1.2, "resize": 0.4, "inference": 7.7}}
    found["observe"] = lambda: recorder.observe(fields)
    return found


def measure(rounds: int = 61, calls: int = 200) -> dict[str, Any]:
    """Median CPU µs per call of every action, the two services alternating in each round."""
    measured = actions()
    calls_of = {name: (calls // 10 if name.startswith("predict") else calls)
                for name in measured}
    samples: dict[str, list[float]] = {name: [] for name in measured}
    names = list(measured)
    with quiet():
        for turn in range(rounds):
            for name in names[turn % len(names):] + names[:turn % len(names)]:
                samples[name].append(per_call_us(measured[name], calls_of[name]))
    us = {name: round(statistics.median(values), 2) for name, values in samples.items()}
    return {"rounds": rounds, "calls": calls_of, "us_per_call": us,
            "overhead_us": {kind: round(us[f"{kind}, prometheus"] - us[f"{kind}, off"], 2)
                            for kind in ("health", "predict")},
            "ratio": {kind: round(us[f"{kind}, prometheus"] / us[f"{kind}, off"], 4)
                      for kind in ("health", "predict")}}


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    json.dump(measure(rounds=5, calls=20) if quick else measure(), sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
