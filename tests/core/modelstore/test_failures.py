"""Every way MODEL_URI can fail stops the start with one line, before any request."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.api.model_loading import classifier_from_settings
from core.api.service import Service
from core.errors import ConfigError
from tests import storage_servers as servers
from tests.conftest import make_settings
from tests.core.modelstore.conftest import Store

ROOT = Path(__file__).resolve().parents[3]


def start(uri: str, tmp_path: Path, **more: object) -> str:
    """The one-line error of a service's start on ``uri``."""
    with pytest.raises(ConfigError) as caught:
        Service(make_settings(model_uri=uri, model_cache_dir=tmp_path / "cache",
                              model_download_timeout=2.0, **more)).warm()
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("variable,uri", [
    ("AWS_ENDPOINT_URL_S3", "s3://models/m.onnx"),
    ("STORAGE_EMULATOR_HOST", "gs://models/m.onnx"),
])
def test_an_unreachable_store_stops_the_start_quickly(
        offline: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
        variable: str, uri: str) -> None:
    monkeypatch.setenv(variable, servers.CLOSED)
    started = time.monotonic()
    message = start(uri, tmp_path)
    assert f"MODEL_URI {uri}: downloading m.onnx failed" in message
    assert time.monotonic() - started < 20


def test_an_unreachable_azure_account_stops_the_start(
        offline: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", (
        f"DefaultEndpointsProtocol=http;AccountName={servers.AZURITE_ACCOUNT};AccountKey="
        f"{servers.AZURITE_KEY};BlobEndpoint={servers.CLOSED}/{servers.AZURITE_ACCOUNT};"))
    uri = f"https://{servers.AZURITE_ACCOUNT}.blob.core.windows.net/models/m.onnx"
    started = time.monotonic()
    assert "downloading m.onnx failed" in start(uri, tmp_path)
    assert time.monotonic() - started < 20


def test_no_permission_is_a_failure_not_an_absence(
        azure: Store, azurite_connection: str, monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path) -> None:
    azure.put("m.onnx", b"model")
    wrong = azurite_connection.replace(servers.AZURITE_KEY, "d3Jvbmcga2V5" * 8)
    monkeypatch.setenv("AZURE_STORAGE_CONNECTION_STRING", wrong)
    message = start(azure.uri("m.onnx"), tmp_path)
    assert "downloading m.onnx failed (HttpResponseError: Server failed to authenticate" in message


def test_a_connection_string_for_another_account_is_refused(
        azure: Store, tmp_path: Path) -> None:
    uri = azure.uri("m.onnx").replace(servers.AZURITE_ACCOUNT, "otheraccount")
    assert "is in account otheraccount, but AZURE_STORAGE_CONNECTION_STRING is for " \
        f"{servers.AZURITE_ACCOUNT}" in start(uri, tmp_path)


def test_a_file_that_is_not_a_model_stops_the_start(s3: Store, tmp_path: Path) -> None:
    s3.put("m.onnx", b"this is not a model at all")
    assert "m.onnx" in start(s3.uri("m.onnx"), tmp_path)


@pytest.mark.parametrize("module,extra", [("boto3", "s3"), ("google.cloud", "gcs"),
                                          ("azure.storage.blob", "azure-blob")])
def test_a_missing_sdk_names_its_extra(offline: None, monkeypatch: pytest.MonkeyPatch,
                                       tmp_path: Path, module: str, extra: str) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # import raises ImportError
    uri = {"s3": "s3://b/m.onnx", "gcs": "gs://b/m.onnx",
           "azure-blob": "https://acct.blob.core.windows.net/c/m.onnx"}[extra]
    assert f"pip install '.[{extra}]'" in start(uri, tmp_path)


@pytest.mark.parametrize("uri,message", [
    ("ftp://host/m.onnx", "MODEL_URI must start with s3://, gs:// or https://"),
    ("s3://bucket/folder/", "does not name a model file"),
    ("s3:///m.onnx", "has no bucket"),
    ("https://acct.blob.core.windows.net/container", "names no blob"),
])
def test_a_bad_uri_is_refused(tmp_path: Path, uri: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        classifier_from_settings(make_settings(model_uri=uri, model_cache_dir=tmp_path))


def test_the_settings_check_the_uri_and_the_sha256() -> None:
    with pytest.raises(ConfigError, match="MODEL_URI must start with"):
        make_settings(model_uri="file:///m.onnx")
    with pytest.raises(ConfigError, match="MODEL_SHA256 must be 64 hex digits, got 'abc'"):
        make_settings(model_sha256="abc")
    with pytest.raises(ConfigError, match="MODEL_DOWNLOAD_TIMEOUT must be a number above 0"):
        make_settings(model_download_timeout=0.0)
    from core.config import Settings

    parsed = Settings.from_env({"MODEL_SHA256": "AB" * 32, "MODEL_CACHE_DIR": "/x"})
    assert (parsed.model_sha256, parsed.model_cache_dir) == ("ab" * 32, "/x")


def test_an_unwritable_cache_folder_is_named(s3: Store, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match=r"MODEL_CACHE_DIR .* is not writable"):
        classifier_from_settings(make_settings(model_uri=s3.uri("m.onnx"),
                                               model_cache_dir=blocker / "cache"))


def test_on_lambda_a_failed_download_is_an_init_error(s3: Store, tmp_path: Path) -> None:
    """Importing lambda_function is Lambda's init phase: it fails there, with one line."""
    env = {**os.environ, "MODEL_URI": s3.uri("missing/model.onnx"),
           "MODEL_CACHE_DIR": str(tmp_path), "PYTHONPATH": f"{ROOT}:{ROOT / 'aws_lambda'}"}
    done = subprocess.run([sys.executable, "-c", "import lambda_function"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("core.errors.ConfigError: MODEL_URI s3://")
    assert "downloading model.onnx does not exist or may not be read" in last


def test_the_clis_model_option_wins_over_model_uri(
        s3: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from core import cli
    from core.config import DEFAULT_MODEL

    monkeypatch.setenv("MODEL_URI", s3.uri("missing.onnx"))
    assert cli.main(["info"]) == 2
    assert "downloading missing.onnx does not exist" in capsys.readouterr().err
    assert cli.main(["--model", str(DEFAULT_MODEL), "info"]) == 0
