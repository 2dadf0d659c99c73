"""The Azure function app loads its model at import, once per worker process.

The Functions host and its Python worker cannot run here; a fresh Python process plays the
worker: it imports ``function_app`` (the worker's indexing import), indexes the app, then calls
the predict function with ``azure.functions.HttpRequest`` objects, several times, as the worker
does for one instance's invocations.
"""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from tests import images
from tests.conftest import ROOT

WORKER = """
import json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import function_app
import azure.functions as func
print(json.dumps({"event": "imported"}), file=sys.stderr, flush=True)
functions = {f.get_function_name(): f for f in function_app.app.get_functions()}
body = sys.stdin.buffer.read()
for _ in range(4):
    request = func.HttpRequest("POST", "http://localhost:7071/api/predict", params={},
                               headers={"content-type": "image/jpeg"}, body=body)
    print(functions["predict"].get_user_function()(request, None).status_code, flush=True)
"""


def worker_lines() -> tuple[list[str], list[dict[str, Any]]]:
    """The statuses the fake worker printed and its log lines, in order."""
    done = subprocess.run([sys.executable, "-I", "-c", WORKER, str(ROOT / "azure_function"),
                           str(ROOT)], input=images.jpeg(), capture_output=True, timeout=120,
                          check=False, env={"PATH": "/usr/bin:/bin", "LOG_LEVEL": "INFO",
                                            "MODEL_THREADS": "1", "LANG": "C.UTF-8"})
    assert done.returncode == 0, done.stderr.decode()
    logs = [json.loads(line) for line in done.stderr.decode().splitlines()
            if line.startswith("{")]
    return done.stdout.decode().split(), logs


def test_the_model_loads_at_import_once_for_every_invocation() -> None:
    statuses, logs = worker_lines()
    assert statuses == ["200"] * 4
    events = [line.get("event") for line in logs]
    assert events.count("model_loaded") == 1
    assert events.index("model_loaded") < events.index("imported")  # before any invocation
    requests = [line for line in logs if line.get("route") == "/predict"]
    assert [line["cold_start"] for line in requests] == [True, False, False, False]
    assert events.count("cold_start") == 1


def test_the_cold_start_line_has_every_phase_of_the_lambda_one() -> None:
    _, logs = worker_lines()
    [line] = [x for x in logs if x.get("event") == "cold_start"]
    assert line["source"] == "package"
    for phase in ("imports_ms", "load_ms", "create_ms", "init_ms", "first_request_ms",
                  "first_inference_ms"):
        assert isinstance(line[phase], float) and line[phase] > 0, phase
    # the imports end before the model loads: model_loaded carries them too
    [loaded] = [x for x in logs if x.get("event") == "model_loaded"]
    assert loaded["imports_ms"] == line["imports_ms"]
