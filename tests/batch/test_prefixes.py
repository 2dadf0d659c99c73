"""``classifier batch s3://BUCKET/PREFIX`` and ``gs://BUCKET/PREFIX`` against real servers on
127.0.0.1 (moto in server mode, the GCS emulator), reached through each SDK's own endpoint
setting: every object under the prefix gets the line ``/predict`` answers for its bytes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from core.api.service import Service
from core.batch.command import Options, run_batch
from core.cli import main
from core.messages import Request
from tests.batch.conftest import photo_set, records
from tests.core.modelstore.conftest import (  # noqa: F401 - fixtures used by the tests here
    Store,
    gcs,
    gcs_host,
    offline,
    s3,
    s3_endpoint,
)


@pytest.fixture(params=["s3", "gcs"])
def bucket(request: pytest.FixtureRequest) -> Store:
    """A new bucket on moto's S3, then on the GCS emulator, holding the photos under
    ``uploads/``, a text file, an event's result, a folder marker and an object elsewhere."""
    store: Store = request.getfixturevalue(request.param)
    for name, data in photo_set().items():
        store.put(f"uploads/{name}", data)
    store.put("uploads/notes.txt", b"not a photo")
    store.put("uploads/samples/coat.jpg.abc.result.json", b"{}")
    store.put("uploads/empty-folder/", b"")
    store.put("elsewhere/photo.jpg", photo_set()["gen/pattern-0.jpg"])
    return store


def upload(service: Service, data: bytes) -> tuple[int, dict[str, Any]]:
    answer = service.handle(Request("POST", "/predict",
                                    {"content-type": "application/octet-stream"}, {}, data))
    body: dict[str, Any] = answer.json()
    return answer.status, body


def test_every_object_under_the_prefix_gets_what_predict_answers(
        service: Service, bucket: Store, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    source = bucket.uri("uploads/")
    assert run_batch(service.pipeline, Options(source, out, progress=False)) == 1
    lines = {line["source"]["key"]: line for line in records(out)}
    assert set(lines) == {f"uploads/{name}" for name in photo_set()} | {"uploads/notes.txt"}
    for name, data in photo_set().items():
        line = lines[f"uploads/{name}"]
        assert line["source"]["uri"] == bucket.uri(f"uploads/{name}")
        assert line["source"]["store"] == bucket.name and line["source"]["etag"]
        status, answer = upload(service, data)
        assert status == 200 and line["scores"] == answer, name
    status, answer = upload(service, b"not a photo")
    assert lines["uploads/notes.txt"]["error"] == {**answer["error"], "status": status}
    # a second run finds everything done
    assert run_batch(service.pipeline, Options(source, out, progress=False)) == 0
    assert len(records(out)) == len(lines)


def test_a_prefix_that_cannot_be_listed_or_holds_nothing_is_one_line_and_exit_2(
        bucket: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scheme = bucket.uri("").split("://")[0]
    for source, expected in ((bucket.uri("nothing-here/"), "holds no objects"),
                             (f"{scheme}://no-such-bucket-for-batch/x/", "cannot be listed")):
        assert main(["batch", source, "--out", str(tmp_path / "results.jsonl")]) == 2
        err = capsys.readouterr().err.splitlines()
        assert len(err) == 1 and err[0].startswith(f"error: SOURCE {source}"), err
        assert expected in err[0]
    assert not (tmp_path / "results.jsonl").exists()


def test_a_gs_prefix_without_credentials_is_one_line_and_exit_2(
        offline: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,  # noqa: F811
        capsys: pytest.CaptureFixture[str]) -> None:
    """No emulator and nowhere google-auth finds credentials (no key file, an empty gcloud
    folder, the metadata server on a closed port): the store says so, no trace."""
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "gcloud"))
    assert main(["batch", "gs://some-bucket/photos/", "--out", str(tmp_path / "r.jsonl")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("error: Cloud Storage needs credentials"), err
