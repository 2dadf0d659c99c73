"""The bundles and the image carry the SDK of the store MODEL_URI names, and only that one."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
EXTRAS = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
STORES = [("s3://bucket/hair/model.onnx", EXTRAS["s3"]),
          ("gs://bucket/model.onnx", EXTRAS["gcs"]),
          ("https://acct.blob.core.windows.net/models/model.onnx", EXTRAS["azure-blob"]),
          ("https://example.com/model.onnx?sig=1", [])]
SDK_NAMES = ("boto3", "google-cloud-storage", "azure-storage-blob", "azure-identity")


def store_line(uri: str) -> list[str]:
    done = subprocess.run([sys.executable, "scripts/model_set.py", "store", uri], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return done.stdout.split()


@pytest.mark.parametrize("uri,wanted", STORES)
def test_the_image_gets_the_stores_extra(uri: str, wanted: list[str]) -> None:
    assert store_line(uri) == wanted


@pytest.mark.parametrize("target", ["gcp", "azure"])
@pytest.mark.parametrize("uri,wanted", STORES)
def test_a_function_bundle_requires_its_stores_sdk_alone(
        tmp_path: Path, target: str, uri: str, wanted: list[str]) -> None:
    subprocess.run([sys.executable, "scripts/bundle.py", target, "--out", str(tmp_path / "b"),
                    "--model-uri", uri], cwd=ROOT, check=True, capture_output=True)
    lines = (tmp_path / "b" / "requirements.txt").read_text().splitlines()
    sdks = [line for line in lines if line.startswith(SDK_NAMES)]
    assert sdks == wanted


def test_without_a_uri_no_bundle_carries_an_sdk(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import bundle_aws
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    plain = bundle_aws.requirements_for(None, "auto", tmp_path)
    assert plain == bundle_aws.REQUIREMENTS
    with_s3 = bundle_aws.requirements_for(None, "auto", tmp_path, "s3://b/m.tflite")
    assert with_s3.read_text().splitlines()[-1] == EXTRAS["s3"][0]
    assert not [line for line in plain.read_text().splitlines() if line.startswith(SDK_NAMES)]


def test_a_bad_uri_stops_the_bundle(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "scripts/bundle.py", "gcp", "--out",
                           str(tmp_path / "b"), "--model-uri", "ftp://x/m.onnx"],
                          cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "error: MODEL_URI must start with s3://, gs:// or https://, got 'ftp://x/m.onnx'"]


def test_the_image_build_passes_the_store_requirements_to_pip() -> None:
    dockerfile = (ROOT / "docker" / "Dockerfile").read_text()
    assert "ARG STORE_REQUIREMENTS=" in dockerfile
    assert "${STORE_REQUIREMENTS} >> /tmp/requirements.txt" in dockerfile
    script = (ROOT / "docker" / "build.sh").read_text()
    assert 'scripts/model_set.py store "$MODEL_URI"' in script
