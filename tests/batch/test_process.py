"""The command as a real process: ``python -m core batch`` and the ``classifier batch`` script
write the same lines, and Ctrl-C or SIGTERM mid-run leaves whole lines that a second run
completes without a duplicate."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests import images
from tests.batch.conftest import ROOT, by_key, child_env, command, photo_set, records, run

COPIES = 150


def without_time(path: Path) -> list[dict[str, object]]:
    return [{k: v for k, v in line.items() if k != "time"} for line in records(path)]


def test_both_entry_points_write_the_same_lines(photos: Path, tmp_path: Path) -> None:
    (photos / "notes.txt").write_text("not a photo")
    module, script = tmp_path / "module.jsonl", tmp_path / "script.jsonl"
    done = [run("module", str(photos), "--out", str(module)),
            run("script", str(photos), "--out", str(script))]
    for result in done:
        assert result.returncode == 1, result.stderr  # notes.txt is an error line
        assert result.stdout == ""
        assert "Traceback" not in result.stderr
        lines = result.stderr.splitlines()  # quiet: the summary line alone, no log lines
        assert len(lines) == 1 and lines[0].startswith(
            f"batch: {len(photo_set()) + 1} images in {photos}; 0 already in"), result.stderr
    assert without_time(module) == without_time(script)
    assert len(records(module)) == len(photo_set()) + 1


def test_verbose_logs_a_line_per_image_and_the_bar_shows_images_per_second(
        photos: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    result = run("module", str(photos), "--out", str(out), "-v", "--progress")
    assert result.returncode == 0, result.stderr
    # the bar redraws with carriage returns: a log line may follow its text on one line
    logged = [json.loads(line[line.index('{"ts"'):]) for line in result.stderr.splitlines()
              if '"event":"batch_image"' in line]
    assert sorted(line["source"] for line in logged) == sorted(
        line["source"]["uri"] for line in records(out))
    assert "img/s" in result.stderr and "classifying" in result.stderr  # tqdm's bar
    quiet = run("module", str(photos), "--out", str(tmp_path / "quiet.jsonl"), "--no-progress")
    assert "classifying" not in quiet.stderr and "batch_image" not in quiet.stderr


def test_out_dash_writes_the_lines_to_standard_output(photos: Path, tmp_path: Path) -> None:
    result = run("module", str(photos), "--out", "-")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == len(photo_set()) and all("scores" in line for line in lines)
    assert "classified now (0 failed)" in result.stderr


@pytest.fixture
def many(tmp_path: Path) -> Path:
    """COPIES large PNGs (no draft decoding: each takes a while), to stop a run midway."""
    folder = tmp_path / "many"
    folder.mkdir()
    data = images.encode(images.pattern(1600, 1200), "PNG")
    for index in range(COPIES):
        (folder / f"photo-{index:03d}.png").write_bytes(data)
    return folder


def wait_for_lines(path: Path, count: int, process: subprocess.Popen[str],
                   seconds: float = 120) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end and process.poll() is None:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.02)
    raise AssertionError(f"the run wrote fewer than {count} lines (exit {process.poll()})")


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_mid_run_leaves_whole_lines_and_a_resumed_run_completes_the_set(
        many: Path, tmp_path: Path, sent: signal.Signals) -> None:
    out = tmp_path / "results.jsonl"
    process = subprocess.Popen([*command("module"), "batch", str(many), "--out", str(out),
                                "--workers", "1"], cwd=ROOT, env=child_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_lines(out, 5, process)
        process.send_signal(sent)
        _, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 128 + sent, err
    assert f"stopped by {sent.name}" in err and "Traceback" not in err
    first = records(out)  # every line whole JSON
    assert 5 <= len(first) < COPIES
    assert len(by_key(first)) == len(first)
    again = run("module", str(many), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert f"{len(first)} already in" in again.stderr
    final = records(out)
    assert len(final) == COPIES and len(by_key(final)) == COPIES
    assert final[:len(first)] == first
    assert all("scores" in line for line in final)
