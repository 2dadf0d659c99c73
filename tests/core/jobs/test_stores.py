"""Each store lists, reads and writes on its real server (and local files), with the
identity of what it read, and refuses what is too large before reading it all."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from core import errors
from core.jobs.objects import ObjectRef, parse_object_uri
from core.jobs.stores import open_store
from tests.conftest import make_settings
from tests.core.jobs.conftest import Place


def test_list_read_and_write(anywhere: Place) -> None:
    store = open_store(anywhere.ref("x").store, make_settings())
    anywhere.store.put("batch/a.jpg", b"first")
    anywhere.store.put("batch/sub/b.jpg", b"second")
    anywhere.store.put("other/c.jpg", b"third")
    listed = sorted(store.list(anywhere.ref("batch/")), key=lambda ref: ref.key)
    assert [ref.key for ref in listed] == ["batch/a.jpg", "batch/sub/b.jpg"]
    blob = store.read(listed[1], 100, time.monotonic() + 10)
    assert blob.data == b"second" and blob.ref.key == "batch/sub/b.jpg" and blob.ref.tag
    store.write(anywhere.ref("out/r.json"), b'{"a": 1}', "application/json")
    assert anywhere.get("out/r.json") == b'{"a": 1}'
    with pytest.raises(errors.ImageTooLarge):
        store.read(listed[1], 3, time.monotonic() + 10)


def test_local_files(tmp_path: Path) -> None:
    (tmp_path / "in" / "sub").mkdir(parents=True)
    (tmp_path / "in" / "a.jpg").write_bytes(b"one")
    (tmp_path / "in" / "sub" / "b.jpg").write_bytes(b"two")
    store = open_store("file", make_settings())
    prefix = parse_object_uri(str(tmp_path / "in") + "/")
    listed = [ref.key for ref in store.list(prefix)]
    assert listed == [str(tmp_path / "in" / "a.jpg"), str(tmp_path / "in" / "sub" / "b.jpg")]
    assert store.read(ObjectRef("file", "", listed[0]), 10, time.monotonic() + 5).data == b"one"
    store.write(ObjectRef("file", "", str(tmp_path / "out" / "r.json")), b"{}", "x")
    assert (tmp_path / "out" / "r.json").read_bytes() == b"{}"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["r.json"]  # no temporary left
    with pytest.raises(errors.ObjectNotFound):
        store.read(ObjectRef("file", "", str(tmp_path / "nope")), 10, time.monotonic() + 5)


@pytest.mark.parametrize(("text", "expected"), [
    ("s3://b/k/x.jpg", ObjectRef("s3", "b", "k/x.jpg")),
    ("gs://b/p/", ObjectRef("gs", "b", "p/")),
    ("https://acct.blob.core.windows.net/c/a%20b.jpg", ObjectRef("azure", "c", "a b.jpg",
                                                                 account="acct")),
    ("https://example.com/a.jpg?sig=1", ObjectRef("url", "example.com",
                                                  "https://example.com/a.jpg?sig=1")),
    ("photos/", ObjectRef("file", "", "photos/")),
])
def test_uris(text: str, expected: ObjectRef) -> None:
    assert parse_object_uri(text) == expected


@pytest.mark.parametrize("text", ["s3:///k", "ftp://h/x", "https://acct.blob.core.windows.net/"])
def test_bad_uris_name_the_value(text: str) -> None:
    with pytest.raises(errors.BadRequest, match="the object URI"):
        parse_object_uri(text)


@pytest.mark.parametrize("uri", ["http://example.com/results/", "ftp://b/r/", "s3://"])
def test_a_bad_results_uri_names_the_variable(uri: str) -> None:
    from core.config import Settings

    with pytest.raises(errors.ConfigError, match="RESULTS_URI"):
        Settings.from_env(env={"RESULTS_URI": uri})


def test_results_need_a_results_uri_and_end_in_a_folder() -> None:
    from core.jobs.results import Results

    with pytest.raises(errors.ConfigError, match="RESULTS_URI is not set"):
        Results.from_settings(make_settings())
    base = Results.from_settings(make_settings(results_uri="s3://bucket/out")).base
    assert (base.store, base.bucket, base.key) == ("s3", "bucket", "out/")
    long = ObjectRef("s3", "b", "k" * 1000, etag="e")
    key = Results(base).result_ref(long).key
    assert key.startswith("out/long/") and len(key) < 100
