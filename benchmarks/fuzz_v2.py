"""Fuzz the Open Inference Protocol for a bounded time: every answer a JSON 4xx or a 200.

    python -m benchmarks.fuzz_v2 --seconds 60

Hypothesis builds inference requests from valid pieces and hostile ones (names, ids and data
with lone surrogates, huge and empty shapes, every datatype, binary sections whose declared
sizes lie, header lengths of thousands of digits) and sends them through ``Service.handle`` on
the embedded model. A 5xx, an exception or a body that is not UTF-8 JSON fails the run with the
shrunk request.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.fuzz_decode import run_for
from core.api.openinference.codec import HEADER, NUMERIC
from core.api.service import Service
from core.config import Settings
from core.messages import Request

INFER = "/v2/models/clothing-mobilenet-v2/infer"
SERVICE = Service(Settings.from_env(env={}, model_threads=1, log_level="CRITICAL"))
TEXT = st.text(st.characters(blacklist_categories=()), max_size=12) | st.sampled_from(
    ["image", "input", "scores", "label", "\ud800", "a\udfffb"])
DIMS = st.integers(0, 4) | st.sampled_from([2**31, 2**62, 2**63, 2**70, -1, 0])
VALUES = st.recursive(st.integers(-300, 300) | st.floats() | TEXT | st.booleans() | st.none(),
                      lambda inner: st.lists(inner, max_size=4), max_leaves=12)


@st.composite
def tensor(draw: st.DrawFn) -> tuple[dict[str, Any], bytes]:
    """One input: JSON data or a binary section (whose declared size may lie)."""
    item: dict[str, Any] = {
        "name": draw(TEXT), "datatype": draw(st.sampled_from(["BYTES", *NUMERIC]) | TEXT),
        "shape": draw(st.lists(DIMS, max_size=5))}
    if draw(st.booleans()):
        item["data"] = draw(VALUES)
        return item, b""
    payload = draw(st.binary(max_size=64) | st.builds(
        lambda n: struct.pack("<I", n) * n, st.integers(0, 64)))
    item["parameters"] = {"binary_data_size": draw(st.integers(0, 80) | st.just(len(payload)))}
    return item, payload


@st.composite
def request(draw: st.DrawFn) -> Request:
    inputs = draw(st.lists(tensor(), min_size=0, max_size=3))
    doc: dict[str, Any] = {"inputs": [item for item, _ in inputs]}
    if draw(st.booleans()):
        doc["id"] = draw(TEXT)
    if draw(st.booleans()):
        doc["outputs"] = [{"name": draw(TEXT)}]
    header = json.dumps(doc).encode()
    binary = b"".join(part for _, part in inputs)
    length = draw(st.just(str(len(header))) | st.sampled_from(["9" * 5000, "0", "x", ""]))
    headers = {HEADER.lower(): length} if binary or draw(st.booleans()) else {}
    return Request("POST", INFER, headers, body=header + binary)


def check(req: Request) -> None:
    """The property: a 2xx or 4xx, JSON in UTF-8, never an exception."""
    response = SERVICE.handle(req)
    assert response.status < 500, (response.status, response.body[:200])
    if response.headers.get("Content-Type") == "application/json":
        json.loads(response.body.decode("utf-8"))


@settings(max_examples=200, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(req=request())
def fuzz_batch(req: Request) -> None:
    """One batch of examples."""
    check(req)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    SERVICE.warm()
    batches = run_for(args.seconds, fuzz_batch)
    print(f"fuzz_v2: {batches} batches x 200 requests, every answer below 500")
    return 0


if __name__ == "__main__":
    sys.exit(main())
