"""The progress display: tqdm's bar when installed, plain lines without it, nothing unless
shown (stderr not a terminal and not asked for)."""

from __future__ import annotations

import io

import pytest

from core.batch import progress


def test_without_tqdm_plain_lines_count_images_and_failures(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(progress, "has_tqdm", lambda: False)
    monkeypatch.setattr(progress, "PLAIN_EVERY", 0.0)
    stream = io.StringIO()
    shown = progress.make_progress(3, True, stream)
    assert isinstance(shown, progress.Plain)
    for failed in (False, True, False):
        shown.update(failed)
    shown.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 3 and lines[-1].startswith("3/3 images, ")
    assert lines[-1].endswith("img/s, 1 failed")


@pytest.mark.parametrize("tqdm", [True, False])
def test_nothing_is_shown_on_a_stream_that_is_not_a_terminal(
        monkeypatch: pytest.MonkeyPatch, tqdm: bool) -> None:
    monkeypatch.setattr(progress, "has_tqdm", lambda: tqdm)
    monkeypatch.setattr(progress, "PLAIN_EVERY", 0.0)
    stream = io.StringIO()
    shown = progress.make_progress(2, None, stream)
    shown.update(False)
    shown.update(True)
    shown.close()
    assert stream.getvalue() == ""


def test_the_bar_reports_images_per_second_and_failures() -> None:
    stream = io.StringIO()
    shown = progress.make_progress(2, True, stream)
    assert isinstance(shown, progress.Bar)
    shown.update(False)
    shown.update(True)
    shown.close()
    text = stream.getvalue()
    assert "img/s" in text and "failed=1" in text and "2/2" in text
