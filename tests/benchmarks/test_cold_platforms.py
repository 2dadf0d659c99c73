"""The GCP and Azure cold-start bench: each kind answers from a real bundle, and its table.

No timing is judged: the harness's runs must answer (a failed answer raises) and leave no
server behind.
"""

from __future__ import annotations

import base64
import json
import socket
from pathlib import Path

from benchmarks.cold_platforms import (
    AZURE,
    AZURE_CODE,
    AZURE_FLOOR,
    FLOOR,
    GCP,
    GCP_FLOOR,
    document,
    free_port,
    markdown,
    script,
    server,
)
from tests import images
from tests.bundles import load_bundler


def test_the_gcp_server_and_the_azure_app_answer_from_their_bundles(tmp_path: Path) -> None:
    bundler = load_bundler()
    gcp = bundler.build("gcp", tmp_path / "gcp_function")
    azure = bundler.build("azure", tmp_path / "azure_function")
    body = json.dumps({"image": base64.b64encode(images.jpeg()).decode()}).encode()
    event = tmp_path / "event.json"
    event.write_bytes(body)
    port = free_port()
    assert server(gcp, body, port) > 0
    with socket.socket() as probe:  # the server and its worker are gone
        assert probe.connect_ex(("127.0.0.1", port)) != 0
    code = AZURE_CODE.replace("ROOT", repr(str(azure))).replace("EVENT", repr(str(event)))
    assert script(code, azure) > 0


def test_the_table_puts_each_platform_over_bare_and_over_its_own_floor() -> None:
    record = {"date": "2026-01-01 00:00 UTC", "cpus": 2, "load": [1.5, 1.0, 1.0], "runs": 9,
              "python": "3.11",
              "medians_ms": {GCP: 500.0, GCP_FLOOR: 400.0, AZURE: 330.0, AZURE_FLOOR: 300.0,
                             FLOOR: 200.0}}
    table = markdown(record)
    assert f"| {GCP} | 500.0 ms | +300.0 ms (2.50x) | +100.0 ms (1.25x) |" in table
    assert f"| {AZURE} | 330.0 ms | +130.0 ms (1.65x) | +30.0 ms (1.10x) |" in table
    assert f"| {FLOOR} | 200.0 ms | +0.0 ms (1.00x) |  |" in table


def test_the_block_says_when_nothing_was_measured(tmp_path: Path) -> None:
    assert document(tmp_path) == "Not measured yet: run `make bench-platforms`."
