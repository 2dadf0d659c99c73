"""Every request carries a finite deadline to every wait in the core, on every front end.

The waits are the download (``Fetcher.fetch``), the decode memory budget
(``DecodeBudget.reserve``) and the model's queue (``ModelGate.turn``); each is wrapped to record
the deadline it was given, and every route is driven through the local server, Lambda, GCP and
Azure (``tests/frontends.py``). A second test holds the whole decode budget and requires a
prompt JSON 504 from ``/predict`` and ``/v2/.../infer`` on each front end.
"""

from __future__ import annotations

import base64
import json
import math
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from core.api.router import match
from core.api.service import Service
from core.fetch.fetcher import Fetcher
from core.images.budget import DecodeBudget, shared_budget
from core.inference.classifier import Classifier
from core.pipeline.gate import ModelGate
from tests import images
from tests.aws_lambda.samples import Context
from tests.conftest import make_settings
from tests.defaultmodel import default_version
from tests.frontends import JSON, Call, Leg, front_ends

MODEL, VERSION = "clothing-mobilenet-v2", default_version()
BASES = (f"/v2/models/{MODEL}", f"/v2/models/{MODEL}/versions/{VERSION}")
TENSOR = {"name": "input", "datatype": "UINT8", "shape": [1, 224, 224, 3],
          "data": [0] * (224 * 224 * 3)}


def as_json(data: Any) -> bytes:
    return json.dumps(data).encode()


def calls(base_url: str) -> dict[str, tuple[Call, set[str]]]:
    """One call per route (and input form), with the waits it must go through."""
    photo = f"{base_url}/img/photo.jpg"
    b64 = base64.b64encode(images.jpeg()).decode()
    table: dict[str, tuple[Call, set[str]]] = {
        "predict-url": (Call("POST", "/predict", as_json({"url": photo}), JSON),
                        {"fetch", "reserve", "turn"}),
        "predict-image": (Call("POST", "/predict", images.jpeg(), "image/jpeg"),
                          {"reserve", "turn"}),
        "predict-urls": (Call("POST", "/predict", as_json({"urls": [photo, photo]}), JSON),
                         {"fetch", "reserve", "turn"}),
        "health": (Call("GET", "/health"), set()),
        "model": (Call("GET", "/model"), set()),
        "page": (Call("GET", "/"), set()),
        "v2": (Call("GET", "/v2"), set()),
        "v2-live": (Call("GET", "/v2/health/live"), set()),
        "v2-ready": (Call("GET", "/v2/health/ready"), set()),
    }
    for index, base in enumerate(BASES):
        table[f"metadata-{index}"] = (Call("GET", base), set())
        table[f"ready-{index}"] = (Call("GET", f"{base}/ready"), set())
        table[f"infer-image-{index}"] = (Call("POST", f"{base}/infer", as_json({"inputs": [
            {"name": "image", "datatype": "BYTES", "shape": [1], "data": [b64]}]}), JSON),
            {"reserve", "turn"})
        table[f"infer-tensor-{index}"] = (Call("POST", f"{base}/infer",
                                               as_json({"inputs": [TENSOR]}), JSON), {"turn"})
    return table


class Waits:
    """The deadline each instrumented wait was given, by wait name, for the current call."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, Any]] = []
        self.lock = threading.Lock()

    def record(self, name: str, deadline: Any) -> None:
        with self.lock:
            self.seen.append((name, deadline))


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> Waits:
    recorder = Waits()

    def wrap(owner: type, method: str, name: str, position: int) -> None:
        original: Callable[..., Any] = getattr(owner, method)

        def recorded(self: Any, *args: Any, **kwargs: Any) -> Any:
            given = kwargs.get("deadline", args[position] if len(args) > position else None)
            recorder.record(name, given)
            return original(self, *args, **kwargs)
        monkeypatch.setattr(owner, method, recorded)

    wrap(Fetcher, "fetch", "fetch", 1)
    wrap(DecodeBudget, "reserve", "reserve", 1)
    wrap(ModelGate, "turn", "turn", 0)
    wrap(Service, "_dispatch", "request", 0)
    return recorder


@pytest.fixture
def legs(classifier: Classifier, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Leg]]:
    service = Service(make_settings(), classifier=classifier)
    with front_ends(service, monkeypatch, lambda: Context(remaining_ms=30_000)) as legs:
        yield legs


def test_no_wait_in_the_core_runs_without_a_deadline(
        legs: dict[str, Leg], waits: Waits, image_server: HTTPServer,
        classifier: Classifier) -> None:
    table = calls(image_server.url_for("").rstrip("/"))
    routes = Service(make_settings(), classifier=classifier)._router.routes
    assert {match(call.path, routes)[0] for call, _ in table.values()} == set(routes)
    for leg_name, leg in legs.items():
        for case, (call, expected) in table.items():
            waits.seen.clear()
            answer = leg(call)
            assert answer.status == 200, (leg_name, case, answer.body[:200])
            requests = [d for name, d in waits.seen if name == "request"]
            assert len(requests) == 1, (leg_name, case)
            assert isinstance(requests[0].deadline, float), (leg_name, case)
            assert math.isfinite(requests[0].deadline), (leg_name, case)
            given = {name for name, _ in waits.seen} - {"request"}
            assert given == expected, (leg_name, case, given)
            for name, deadline in waits.seen:
                if name != "request":
                    assert isinstance(deadline, float) and math.isfinite(deadline), (
                        leg_name, case, name, deadline)
                    assert deadline == requests[0].deadline, (leg_name, case, name)


@pytest.fixture
def hurried(classifier: Classifier, monkeypatch: pytest.MonkeyPatch
            ) -> Iterator[tuple[dict[str, Leg], DecodeBudget]]:
    """Front ends whose requests have 0.5 s (Lambda: 1.5 s left less the 1 s margin), on a
    decode budget of their own."""
    settings = make_settings(request_deadline_seconds=0.5, azure_deadline_seconds=0.5,
                             decode_memory_mb=97)
    service = Service(settings, classifier=classifier)
    with front_ends(service, monkeypatch, lambda: Context(remaining_ms=1500)) as legs:
        yield legs, shared_budget(97 << 20)


@pytest.mark.parametrize("path", ["/predict", f"{BASES[0]}/infer"])
def test_waiting_for_decode_memory_ends_at_the_deadline(
        hurried: tuple[dict[str, Leg], DecodeBudget], path: str) -> None:
    legs, budget = hurried
    photo = base64.b64encode(images.jpeg()).decode()
    body = (as_json({"image": photo}) if path == "/predict" else as_json(
        {"inputs": [{"name": "image", "datatype": "BYTES", "shape": [1], "data": [photo]}]}))
    for name, leg in legs.items():
        answers: list[Any] = []

        def send(leg: Leg = leg, answers: list[Any] = answers) -> None:
            answers.append(leg(Call("POST", path, body, JSON)))
        # every decode waits for memory: both lanes of the budget held
        with budget.reserve(budget.total - budget.reserved), budget.reserve(budget.reserved):
            started = time.monotonic()
            worker = threading.Thread(target=send, daemon=True)
            worker.start()
            worker.join(timeout=10)
            took = time.monotonic() - started
        worker.join(timeout=30)
        assert took < 5, (name, path, took)  # a 0.5 s deadline, not the budget's release
        assert answers and answers[0].status == 504, (name, path)
        error = json.loads(answers[0].body)["error"]
        assert (error if isinstance(error, str) else error["code"]) in (
            "deadline_exceeded", "the time limit ran out waiting for memory to decode the image")
