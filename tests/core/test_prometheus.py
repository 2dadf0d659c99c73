"""METRICS=prometheus: ``GET /metrics`` of the real server, scraped and parsed with
prometheus-client's own parser, against what the test sent and what the answers said.

The exposition is read by ``prometheus_client.parser`` (not by our code), the counts are the
requests this test made and the statuses its HTTP client received, the step times are compared
with the answers' own Server-Timing headers, and the model's identity with the sha256 of the
model file computed here.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from core import errors
from core.api.service import Service
from core.api.wsgi import make_app
from core.config import Settings
from core.images.budget import DecodeBudget
from core.inference.classifier import Classifier
from core.messages import Invocation, Request
from tests.conftest import ROOT
from tests.logcapture import captured
from tests.processes import free_port, start_server, stop

MODEL = ROOT / "models" / "clothing" / "model.tflite"
PHOTO = (ROOT / "samples" / "coat.jpg").read_bytes()
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def big_png() -> bytes:
    """A flat 4000 x 4000 PNG (tiny on the wire): its decode needs ~80 MB, more than a
    DECODE_MEMORY_MB=64 budget's large lane holds, so the budget refuses it (413)."""
    out = io.BytesIO()
    Image.new("RGB", (4000, 4000), (90, 120, 150)).save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "METRICS": "prometheus", "LOG_LEVEL": "WARNING",
           "DECODE_MEMORY_MB": "64", "MODEL_THREADS": "1"}
    process = start_server(port, env)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


def call(url: str, body: bytes | None = None, content_type: str = "image/jpeg",
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of one request (an error status is an answer too)."""
    request = urllib.request.Request(url, data=body, headers=dict(headers or {}))
    if body is not None:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def scrape(base: str) -> Samples:
    """Every sample of ``GET /metrics``, parsed by prometheus-client's parser."""
    status, headers, body = call(f"{base}/metrics")
    assert status == 200 and headers["Content-Type"].startswith("text/plain; version=0.0.4")
    samples: Samples = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: Samples, metric: str, **labels: str) -> float:
    return samples.get((metric, tuple(sorted(labels.items()))), 0.0)


def server_timing(headers: dict[str, str]) -> dict[str, float]:
    """``{step: seconds}`` of a Server-Timing header (``decode;dur=1.23, ...``)."""
    found: dict[str, float] = {}
    for part in headers.get("Server-Timing", "").split(","):
        name, _, duration = part.strip().partition(";dur=")
        if duration:
            found[name] = float(duration) / 1000
    return found


def test_the_scrape_counts_what_was_sent(server: str) -> None:
    """Two good uploads, one undecodable, one the decode budget refuses, one unknown route:
    counts by route and status, latency and step histograms, the budget's refusal."""
    before = scrape(server)
    answers = [call(f"{server}/predict", PHOTO), call(f"{server}/predict", PHOTO),
               call(f"{server}/predict", b"this is not an image"),
               call(f"{server}/predict", big_png(), "image/png"), call(f"{server}/no/such/route")]
    statuses = [status for status, _, _ in answers]
    assert statuses == [200, 200, 422, 413, 404]
    after = scrape(server)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    for route, status in (("/predict", 200), ("/predict", 422), ("/predict", 413),
                          ("unmatched", 404), ("/metrics", 200)):
        sent = sum(1 for s in statuses if s == status) if route != "/metrics" else 1
        assert delta("classifier_requests_total", route=route, status=str(status)) == sent
    assert delta("classifier_request_duration_seconds_count", route="/predict") == 4
    assert delta("classifier_request_duration_seconds_count", route="unmatched") == 1
    assert delta("classifier_request_duration_seconds_bucket", route="/predict",
                 le="+Inf") == 4
    timed = [server_timing(headers) for _, headers, _ in answers]
    for step in ("decode", "resize", "inference"):
        took = [t[step] for t in timed if step in t]
        assert delta("classifier_step_duration_seconds_count", step=step) == len(took)
        assert delta("classifier_step_duration_seconds_sum", step=step) == \
            pytest.approx(sum(took), abs=1e-4)
    assert [len(t) for t in timed[:2]] == [3, 3]  # the good uploads: decode, resize, inference
    assert delta("classifier_step_duration_seconds_count", step="fetch") == 0
    assert delta("classifier_decode_budget_refusals_total", reason="too_large") == 1
    assert value(after, "classifier_decode_budget_limit_bytes") == 64 << 20
    assert value(after, "classifier_decode_budget_used_bytes") == 0


def test_the_scrape_names_the_model_served(server: str) -> None:
    samples = scrape(server)
    (labels,) = [dict(key[1]) for key in samples if key[0] == "classifier_model_info"]
    assert samples[("classifier_model_info", tuple(sorted(labels.items())))] == 1
    _, _, body = call(f"{server}/model")
    described = json.loads(body)
    assert labels["sha256"] == hashlib.sha256(MODEL.read_bytes()).hexdigest()[:12]
    assert labels["name"] == described["name"] and labels["runtime"] == "litert"
    height, width = described["input"]["shape"][1:3]
    assert labels["input_size"] == f"{width}x{height}"
    assert value(samples, "process_resident_memory_bytes") > 0


def test_openmetrics_is_answered_when_asked_for(server: str) -> None:
    status, headers, body = call(f"{server}/metrics", headers={
        "Accept": "application/openmetrics-text; version=1.0.0"})
    assert status == 200 and headers["Content-Type"].startswith("application/openmetrics-text")
    assert body.endswith(b"# EOF\n")


PROBE = """
import io, json, sys
from core.api.wsgi import make_app
from core.api.service import Service
app = make_app(Service())
out = {}
body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/metrics",
                     "wsgi.input": io.BytesIO(b"")}, lambda status, headers: out.update(s=status)))
print(json.dumps({"status": out["s"], "body": body.decode()[:300],
                  "imported": "prometheus_client" in sys.modules}))
"""


def probe(env: dict[str, str]) -> dict[str, Any]:
    """The server's WSGI application asked ``GET /metrics`` in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
                               "LOG_LEVEL": "ERROR", **env})
    assert done.returncode == 0, done.stderr[-2000:]
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


@pytest.mark.parametrize("metrics", ["", "on", "off"])
def test_without_prometheus_metrics_is_an_unknown_route_and_nothing_is_imported(
        metrics: str) -> None:
    """The probe sees the exporter when asked for it (the control), and nothing otherwise."""
    asked = probe({"METRICS": "prometheus"})
    assert asked["status"].startswith("200") and asked["imported"]
    answer = probe({"METRICS": metrics} if metrics else {})
    assert answer["status"].startswith("404") and not answer["imported"]
    assert json.loads(answer["body"])["error"]["code"] == "not_found"


def test_a_missing_prometheus_client_stops_the_server_at_start() -> None:
    """prometheus-client is installed here, so its absence is made by a None in sys.modules
    (what Python's import system reads as a module that cannot be imported)."""
    script = ("import sys; sys.modules['prometheus_client'] = None\n"
              "from core.cli import main\n"
              "sys.exit(main(['serve', '--port', '0']))\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={**os.environ, "METRICS": "prometheus"})
    assert done.returncode == 2, done.stderr[-2000:]
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("error: METRICS=prometheus needs the prometheus-client package")
    assert "pip install prometheus-client" in last and "serving" not in done.stderr


KEY = "prometheus-scraper-key"


def wsgi_get(app: Any, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "wsgi.input": io.BytesIO(b""),
               **{"HTTP_" + k.upper().replace("-", "_"): v for k, v in (headers or {}).items()}}
    out: dict[str, str] = {}
    body = b"".join(app(environ, lambda status, headers: out.update(status=status)))
    return int(out["status"].split()[0]), body


@pytest.mark.parametrize(("open_routes", "without_key"), [("", 401), ("/metrics", 200)])
def test_metrics_follows_the_api_key_unless_left_open(classifier: Classifier, open_routes: str,
                                                      without_key: int) -> None:
    digest = hashlib.sha256(KEY.encode()).hexdigest()
    settings = Settings.from_env(env={"METRICS": "prometheus", "API_KEYS_SHA256": digest,
                                      "API_KEY_OPEN_ROUTES": open_routes})
    app = make_app(Service(settings, classifier=classifier))
    assert wsgi_get(app, "/metrics")[0] == without_key
    status, body = wsgi_get(app, "/metrics", {"Authorization": f"Bearer {KEY}"})
    assert status == 200 and b"classifier_requests_total" in body
    assert wsgi_get(app, "/health")[0] == 401  # opening /metrics opens nothing else


@pytest.mark.parametrize("platform", ["aws_lambda", "gcp", "azure"])
def test_a_function_ignores_prometheus_with_one_warning(classifier: Classifier,
                                                        platform: str) -> None:
    """The adapters answer through the service alone: no /metrics, EMF kept (as ``on``)."""
    service = Service(Settings.from_env(env={"METRICS": "prometheus"}), classifier=classifier)
    with captured() as lines:
        request = Request("GET", "/metrics", invocation=Invocation(platform=platform))
        assert service.handle(request).status == 404
        service.handle(Request("GET", "/health", invocation=Invocation(platform=platform)))
    warnings = [r for r in lines.records() if r.get("event") == "metrics_not_served"]
    assert len(warnings) == 1 and "METRICS=on" in warnings[0]["message"]
    assert service.settings.emf and not service.serves("/metrics")


def test_the_budget_counts_its_waits_and_refusals() -> None:
    """A second large decode waits for the first; a third waiter is refused (busy), one out of
    time is refused (deadline), one that could never fit too (too_large)."""
    budget = DecodeBudget(800)  # larges together: at most 700
    holding = threading.Event()
    with budget.reserve(600):
        waiters = [threading.Thread(target=_reserve, args=(budget, 500)) for _ in range(2)]
        for waiter in waiters:
            waiter.start()
        while len(budget._queues[False]) < 2:
            holding.wait(0.01)
        with pytest.raises(errors.DecodeBusy), budget.reserve(500):
            pass
    for waiter in waiters:
        waiter.join(5)
    with budget.reserve(600), pytest.raises(errors.DeadlineExceeded), \
            budget.reserve(500, time.monotonic()):
        pass
    with pytest.raises(errors.ImageTooLarge), budget.reserve(701):
        pass
    assert budget.waits == 3 and budget.wait_seconds > 0 and budget.used == 0
    assert budget.refusals == {"too_large": 1, "busy": 1, "deadline": 1}


def _reserve(budget: DecodeBudget, cost: int) -> None:
    with budget.reserve(cost, time.monotonic() + 5):
        pass


@pytest.mark.parametrize(("raw", "mode"), [
    ("prometheus", "prometheus"), ("Prometheus", "prometheus"), ("on", "on"), ("true", "on"),
    ("off", "off"), ("0", "off")])
def test_metrics_reads_its_three_modes(raw: str, mode: str) -> None:
    settings = Settings.from_env(env={"METRICS": raw})
    assert settings.metrics == mode
    assert (settings.emf, settings.prometheus) == (mode != "off", mode == "prometheus")


def test_a_bad_metrics_value_names_the_setting_and_its_words() -> None:
    with pytest.raises(errors.ConfigError, match="METRICS must be one of on, off, prometheus"):
        Settings.from_env(env={"METRICS": "statsd"})
