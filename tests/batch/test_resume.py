"""A second run over the same source classifies only what the results file lacks: cut lines
and transient failures are dropped and redone, permanent failures and scores are kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.api.service import Service
from core.batch.command import Options, run_batch
from core.batch.results_file import is_transient, read_kept
from core.pipeline.timings import Timings
from tests.batch.conftest import by_key, photo_set, records


def counting_infer(service: Service, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the model's invocations through the pipeline from now on."""
    calls: list[int] = []
    real = service.pipeline.infer

    def infer(pixels: np.ndarray, timings: Timings, deadline: float,
              preprocessed: bool = False) -> np.ndarray:
        calls.append(1)
        return real(pixels, timings, deadline, preprocessed)

    monkeypatch.setattr(service.pipeline, "infer", infer)
    return calls


def batch_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(r.getMessage()) for r in caplog.records
            if '"event":"batch_image"' in r.getMessage()]


def test_a_second_run_classifies_only_the_missing_images(
        service: Service, photos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]) -> None:
    full = tmp_path / "full.jsonl"
    assert run_batch(service.pipeline, Options(str(photos), full, progress=False)) == 0
    first = records(full)
    total = len(photo_set())
    assert len(first) == total
    # a run that stopped after four images, with a transient failure and a line cut short
    out = tmp_path / "results.jsonl"
    busy = {**first[4], "error": {"code": "decode_busy", "message": "retry shortly"}}
    del busy["scores"]
    cut = json.dumps(first[5]).encode()[:40]
    out.write_bytes(b"".join(json.dumps(line).encode() + b"\n" for line in first[:4])
                    + json.dumps(busy).encode() + b"\n" + cut)
    calls = counting_infer(service, monkeypatch)
    caplog.clear()
    caplog.set_level("INFO", logger="classifier")
    capsys.readouterr()
    assert run_batch(service.pipeline, Options(str(photos), out, progress=False)) == 0
    assert len(calls) == total - 4
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"batch: 2 lines of {out} dropped to be done again (cut short, or a " \
        "transient failure)"
    assert f"; 4 already in {out}, {total - 4} classified now (0 failed)" in err[1]
    logged = {line["source"] for line in batch_lines(caplog)}
    assert len(logged) == total - 4
    assert logged.isdisjoint(line["source"]["uri"] for line in first[:4])
    final = records(out)
    assert len(final) == total and len(by_key(final)) == total  # each source once
    assert {k: v["scores"] for k, v in by_key(final).items()} == \
        {k: v["scores"] for k, v in by_key(first).items()}
    calls.clear()
    assert run_batch(service.pipeline, Options(str(photos), out, progress=False)) == 0
    assert calls == [] and len(records(out)) == total


def test_permanent_errors_are_kept_and_not_retried(
        service: Service, photos: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (photos / "notes.txt").write_text("not a photo")
    out = tmp_path / "results.jsonl"
    assert run_batch(service.pipeline, Options(str(photos), out, progress=False)) == 1
    before = out.read_bytes()
    calls = counting_infer(service, monkeypatch)
    assert run_batch(service.pipeline, Options(str(photos), out, progress=False)) == 0
    assert calls == [] and out.read_bytes() == before


@pytest.mark.parametrize(("code", "transient"), [
    ("decode_busy", True), ("deadline_exceeded", True), ("internal_error", True),
    ("model_error", True), ("invalid_image", False), ("image_too_large", False),
    ("url_not_allowed", False), ("url_status", False), ("no_such_code", False),
])
def test_which_error_codes_a_resumed_run_retries(code: str, transient: bool) -> None:
    assert is_transient(code) is transient


def test_lines_that_are_not_records_are_dropped() -> None:
    good = b'{"source":{"uri":"a"},"scores":{"x":1.0}}\n'
    kept = read_kept(good + b"garbage\n" + b'{"source":{}}\n' + b"[1]\n" + good + b'{"sou')
    assert kept.lines == [good] and kept.done == {"a"} and kept.dropped == 5
