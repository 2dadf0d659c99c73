"""``classifier batch urls.txt``: each line is fetched under the URL policy of ``/predict`` (from
an HTTP server on 127.0.0.1) and its line holds what ``/predict`` answers for ``{"url": LINE}``;
a bad line is that line's error, never the end of the run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from core.api.service import Service
from core.batch.command import Options, run_batch
from core.inference.classifier import Classifier
from core.messages import Request
from tests.batch.conftest import photo_set, records
from tests.conftest import make_settings


def predict_url(service: Service, url: str) -> dict[str, object]:
    body = json.dumps({"url": url}).encode()
    answer = service.handle(Request("POST", "/predict", {"content-type": "application/json"},
                                    {}, body))
    result: dict[str, object] = answer.json()
    return result


@pytest.fixture
def url_list(httpserver: HTTPServer, tmp_path: Path) -> tuple[Path, list[str]]:
    """A list of served photos, a missing one, a text file, bad lines, a comment, a repeat."""
    for name, data in photo_set().items():
        httpserver.expect_request(f"/{name}").respond_with_data(data,
                                                               content_type="image/jpeg")
    httpserver.expect_request("/notes.txt").respond_with_data("hello", content_type="text/plain")
    httpserver.expect_request("/gone.jpg").respond_with_data("nope", status=404)
    lines = [httpserver.url_for(f"/{name}") for name in photo_set()]
    lines += [httpserver.url_for("/gone.jpg"), httpserver.url_for("/notes.txt"),
              "not a url", "ftp://127.0.0.1/photo.jpg", "http://169.254.169.254/latest/",
              "file:///etc/passwd", "https://user:secret@127.0.0.1/a.jpg"]
    path = tmp_path / "urls.txt"
    path.write_text("# photos to classify\n\n" + "\n".join(lines) + "\n" + lines[0] + "\n")
    return path, lines


def test_each_line_gets_what_predict_answers_for_its_url(
        service: Service, url_list: tuple[Path, list[str]], tmp_path: Path) -> None:
    path, lines = url_list
    out = tmp_path / "results.jsonl"
    assert run_batch(service.pipeline, Options(str(path), out, progress=False)) == 1
    written = records(out)
    assert [line["source"]["uri"] for line in written] == lines  # the repeat once
    assert [line["source"]["line"] for line in written] == list(range(3, 3 + len(lines)))
    for line in written:
        answer = predict_url(service, line["source"]["uri"])
        if "scores" in line:
            assert line["scores"] == answer, line["source"]
        else:
            assert {k: line["error"][k] for k in ("code", "message")} == answer["error"]
    assert sum("scores" in line for line in written) == len(photo_set())
    codes = {line["source"]["uri"]: line["error"]["code"] for line in written
             if "error" in line}
    assert codes["not a url"] == codes["http://169.254.169.254/latest/"] == "url_not_allowed"
    assert codes[lines[len(photo_set())]] == "url_status"


def test_loopback_urls_are_refused_unless_the_settings_allow_them(
        classifier: Classifier, url_list: tuple[Path, list[str]], tmp_path: Path) -> None:
    strict = Service(make_settings(allow_private_urls=False), classifier=classifier)
    path, lines = url_list
    out = tmp_path / "results.jsonl"
    assert run_batch(strict.pipeline, Options(str(path), out, progress=False)) == 1
    written = records(out)
    assert len(written) == len(lines)
    assert all(line["error"]["code"] == "url_not_allowed" for line in written)
