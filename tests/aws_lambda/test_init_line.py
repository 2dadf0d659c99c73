"""Each cold start writes one ``cold_start`` line with its phases, and EMF metrics on Lambda."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.init_imports import PHOTO, ROOT

SCRIPT = f"""
import base64, sys
sys.path.insert(0, {str(ROOT / "aws_lambda")!r})
import lambda_function
event = {{"image": base64.b64encode(open({str(PHOTO)!r}, "rb").read()).decode()}}
for _ in range(2):
    lambda_function.lambda_handler(event, None)
# the hash starts after the first answer and logs its own line when it ends
lambda_function.SERVICE.pipeline.classifier.join_hash()
"""


def lines(env: dict[str, str]) -> list[dict[str, object]]:
    """The JSON log lines of a fresh process: lambda_function imported, two uploads answered."""
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env})
    return [json.loads(line) for line in (done.stdout + done.stderr).splitlines()
            if line.startswith("{")]


def test_one_init_line_with_every_phase() -> None:
    logged = lines({"LOG_FORMAT": "json"})
    [line] = [x for x in logged if x.get("event") == "cold_start"]
    assert line["source"] == "package"
    for phase in ("imports_ms", "load_ms", "create_ms", "init_ms",
                  "first_request_ms", "first_inference_ms"):
        assert isinstance(line[phase], float), phase
    # the sha256 runs in the background: its ms are in the init line when it ended before the
    # first answer, else in the model_hash line written when it ends
    if "hash_ms" not in line:
        assert line["hash_pending"] is True
        [line] = [x for x in logged if x.get("event") == "model_hash"]
    assert isinstance(line["hash_ms"], float)
    assert "_aws" not in line  # EMF only in Lambda's log shape


def test_on_lambda_the_phases_are_emf_metrics() -> None:
    [line] = [x for x in lines({"LOG_FORMAT": "lambda"}) if x.get("event") == "cold_start"]
    aws = line["_aws"]
    assert isinstance(aws, dict)
    [directive] = aws["CloudWatchMetrics"]
    names = {metric["Name"] for metric in directive["Metrics"]}
    assert {"InitImports", "InitModelLoad", "FirstInference"} <= names
    assert all(isinstance(line[name], float) for name in names)
    assert directive["Dimensions"] == [["service"]] and line["service"] == "classifier"
