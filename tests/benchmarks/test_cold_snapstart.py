"""The SnapStart bench: its snapshot process forks restored copies that answer, and its table.

The harness runs here on the repository's own task root (the Lambda handler's folder with the
repository and .venv's packages on the path) instead of the unzipped bundle ``make
bench-snapstart`` builds; no timing is judged, only that each restore answered and reported
its phases.
"""

from __future__ import annotations

import base64
import json
import shutil
import sys
import sysconfig
from pathlib import Path
from typing import Any

import pytest
import snapshot_restore_py

from benchmarks.cold_snapstart import (
    BARE_RESTORE,
    FRESH,
    RESTORE,
    SNAPSHOT,
    Snapshot,
    document,
    markdown,
    substitute,
)
from tests import images
from tests.conftest import ROOT


def snapshot_code(tmp_path: Path, warm_up: bool) -> str:
    runtime = tmp_path / "runtime"
    runtime.mkdir(exist_ok=True)
    shutil.copy(str(snapshot_restore_py.__file__), runtime)
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"image": base64.b64encode(images.jpeg()).decode()}))
    paths = [str(ROOT), sysconfig.get_paths()["purelib"]]
    head = f"import sys; sys.path[:0] = {paths!r}\n"
    return head + substitute(SNAPSHOT, {
        "ROOT": repr(str(ROOT / "aws_lambda")), "EVENT": repr(str(event)),
        "RUNTIME": repr(str(runtime)), "WARM_UP": str(warm_up)})


@pytest.mark.parametrize("warm_up", [True, False])
def test_each_restore_answers_from_the_snapshot(tmp_path: Path, warm_up: bool) -> None:
    snapshot = Snapshot(sys.executable, snapshot_code(tmp_path, warm_up), ROOT)
    try:
        assert snapshot.ready["threads"] == 1  # fork copies one thread only: nothing left out
        assert snapshot.ready["init"] > 0 and snapshot.ready["before_snapshot"] > 0
        restores = [snapshot.restore(), snapshot.restore()]
    finally:
        snapshot.close()
    assert snapshot.process.returncode == 0
    for restore in restores:
        assert set(restore) == {"fork", "after_restore", "answer", "cpu"}
        assert restore["answer"] >= restore["fork"] + restore["after_restore"] - 0.2


def record(saves: float) -> dict[str, Any]:
    return {"date": "2026-01-01 00:00 UTC", "cpus": 2, "load": [1.5, 1.0, 1.0], "runs": 9,
            "model": "m (tflite)",
            "warm_up_saves_ms": {"answer": saves, "cpu": saves / 2},
            "medians_ms": {FRESH: {"init": 150.0, "answer": 170.0, "whole": 180.0},
                           RESTORE: {"fork": 2.0, "after_restore": 0.2, "answer": 15.0,
                                     "cpu": 12.0},
                           BARE_RESTORE: {"fork": 2.0, "after_restore": 0.2, "answer": 18.0,
                                          "cpu": 14.0}}}


def test_the_table_states_the_saving_and_the_warm_ups_effect() -> None:
    helps = markdown(record(3.0))
    assert f"| {FRESH} (exec, imports, model load, answer) | 180.0 ms |" in helps
    assert f"| {RESTORE} | 15.0 ms | 2.0 ms | 0.2 ms | 12.0 ms |" in helps
    assert "165.0 ms sooner than a fresh process (12.0x faster)" in helps
    assert "makes the first answer 3.0 ms faster, with 1.5 ms less CPU time" in helps
    assert ("does not make the first answer faster (1.5 ms slower), with 0.75 ms more CPU"
            in markdown(record(-1.5)))


def test_the_block_adds_every_other_model_in_brief(tmp_path: Path) -> None:
    assert document(tmp_path) == "Not measured yet: run `make bench-snapstart`."
    (tmp_path / "cold_snapstart.json").write_text(json.dumps(record(3.0)))
    assert document(tmp_path) == markdown(record(3.0))  # one model: no summary
    other = {**record(-1.5), "model": "big (onnx)"}
    (tmp_path / "cold_snapstart_big.json").write_text(json.dumps(other))
    block = document(tmp_path)
    assert block.startswith(markdown(record(3.0)))
    assert ("| big (onnx) (2026-01-01 00:00 UTC, load 1.5) | 180.0 ms | 15.0 ms | 165.0 ms "
            "| -1.5 ms, -0.75 ms |") in block
