"""SnapStart's snapshot and restore in fresh processes: the warm-up inference before the
snapshot, and what a restored copy must still do for itself.

A fresh Python process stands in for the environment Lambda snapshots (the request counter
behind ``cold_start`` is per process, so it cannot be read in the test process), and
``os.fork`` for the restore: each child starts from the parent's memory, as every environment
restored from one snapshot does.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests.conftest import ROOT

SNAPSHOT_THEN_REQUEST = """
import base64, io, json, sys
from PIL import Image
from aws_lambda import snapstart
from core.api.service import default_service
from core.messages import Request

service = default_service()
service.warm()
classifier = service.pipeline.classifier
calls = []
real = classifier.predict
def counted(pixels, preprocessed=False):
    calls.append(list(pixels.shape))
    return real(pixels, preprocessed)
classifier.predict = counted
snapstart.before_snapshot(service)
warmed = list(calls)
photo = io.BytesIO()
Image.new("RGB", (300, 200), (200, 30, 30)).save(photo, "JPEG")
body = json.dumps({"image": base64.b64encode(photo.getvalue()).decode()}).encode()
response = service.handle(Request("POST", "/predict", body=body,
                                  headers={"content-type": "application/json"}))
print(json.dumps({"warm_up_calls": warmed, "status": response.status,
                  "input": list(classifier.input.shape)}))
"""

RESTORE_TWICE = """
import json, os, sys
from aws_lambda import snapstart
from core.api.service import default_service

service = default_service()
service.warm()
snapstart.before_snapshot(service)
print(json.dumps({"snapshot_has_numpy_random": "numpy.random" in sys.modules}), flush=True)
for _ in range(2):
    child = os.fork()
    if child == 0:
        snapstart.after_restore(service)
        imported = "numpy.random" in sys.modules
        import numpy as np
        print(json.dumps({"restore_imported_numpy_random": imported,
                          "draw": int(np.random.randint(2**62))}), flush=True)
        os._exit(0)
    os.waitpid(child, 0)
"""


def run(code: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The process's stdout lines and its log lines (stderr), parsed."""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "INFO",
                               "MODEL_THREADS": "1", "LANG": "C.UTF-8"})
    assert done.returncode == 0, done.stderr
    out = [json.loads(line) for line in done.stdout.splitlines()]
    logs = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    return out, logs


def test_the_warm_up_runs_one_inference_that_is_not_a_request() -> None:
    [report], logs = run(SNAPSHOT_THEN_REQUEST)
    # one invoke of one model-sized image before the snapshot, through the classifier
    assert report["warm_up_calls"] == [[1, *report["input"][1:]]]
    (before,) = [line for line in logs if line.get("event") == "before_snapshot"]
    assert before["warm_up_ms"] > 0
    # the warm-up writes no request line: the one request line is the real request's, after
    # the snapshot, and it is still the process's cold start (with its one init line)
    requests = [i for i, line in enumerate(logs) if "route" in line]
    assert len(requests) == 1 and requests[0] > logs.index(before)
    assert logs[requests[0]]["cold_start"] is True and report["status"] == 200
    assert [line.get("event") for line in logs].count("cold_start") == 1


def test_a_restore_does_not_import_numpy_random_and_copies_draw_apart() -> None:
    [snapshot, first, second], _ = run(RESTORE_TWICE)
    assert snapshot["snapshot_has_numpy_random"] is False
    # importing it in the hook would cost every restore; a later import seeds from the OS
    assert first["restore_imported_numpy_random"] is False
    assert second["restore_imported_numpy_random"] is False
    assert first["draw"] != second["draw"]
