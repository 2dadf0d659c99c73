"""`scripts/bundle.py gcp`: exactly the expected files, and it answers from a clean directory."""

from __future__ import annotations

from pathlib import Path

from tests.bundles import (
    answer_from_clean_directory,
    listing,
    load_bundler,
    requirement_lines,
    run_in_bundle,
)
from tests.conftest import ROOT

# Runs inside the bundle: sys.path is the bundle plus the venv's third-party packages, never
# the repository; the image path arrives as argv[1].
CHILD = """
import json, sys
bundle, site = sys.argv[2], sys.argv[3]
sys.path[:] = [bundle, site] + [p for p in sys.path if p.startswith(sys.base_prefix)]
import functions_framework
app = functions_framework.create_app(target="predict", source="main.py")
import core
client = app.test_client()
image = open(sys.argv[1], "rb").read()
response = client.post("/predict", data=image, content_type="image/jpeg")
print(json.dumps({"core": core.__file__, "status": response.status_code,
                  "body": response.get_json(),
                  "health": client.get("/health").status_code}))
"""


def test_bundle_holds_exactly_the_deployable_files(tmp_path: Path) -> None:
    bundler = load_bundler()
    out = bundler.build("gcp", tmp_path / "gcp_function")
    files = listing(out)
    assert files == bundler.expected_files("gcp")
    assert {"main.py", "requirements.txt", "core/api/service.py", "models/clothing/model.tflite",
            "models/clothing/model.json", "models/clothing/NOTICE"} <= set(files)
    sources = {p.relative_to(ROOT / "core").as_posix() for p in (ROOT / "core").rglob("*.py")}
    assert sources <= {f.removeprefix("core/") for f in files if f.startswith("core/")}
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]
    assert not [f for f in files if f.startswith(("tests/", "gcp_function/", "scripts/"))]
    assert (out / "models/clothing/model.tflite").read_bytes() == (
        ROOT / "models/clothing/model.tflite").read_bytes()


def test_requirements_carry_the_floors() -> None:
    text = (ROOT / "gcp_function" / "requirements.txt").read_text()
    for floor in ("pillow>=12.3.0", "certifi>=2024.7.4", "urllib3>=2.7.0", "ai-edge-litert",
                  "numpy", "functions-framework"):
        assert floor in text


def test_bundle_answers_from_a_clean_directory(tmp_path: Path) -> None:
    out = load_bundler().build("gcp", tmp_path / "gcp_function")
    answer_from_clean_directory(out, CHILD, tmp_path)


def test_an_onnx_model_bundle_carries_onnxruntime_instead_of_litert(tmp_path: Path) -> None:
    """The course's pair, graph and external data file: both shipped, and it answers."""
    from tests.onnx_graphs import COURSE_2025, build, externalise, write_manifest

    (tmp_path / "hair").mkdir()
    model = externalise(build(tmp_path / "hair" / "model.onnx"))
    write_manifest(model, **COURSE_2025)
    (tmp_path / "hair" / "unrelated.bin").write_bytes(b"not shipped")
    bundler = load_bundler()
    out = bundler.build("gcp", tmp_path / "gcp_function", model)
    files = listing(out)
    assert files == bundler.expected_files("gcp", model)
    assert {"models/hair/model.onnx", "models/hair/model.onnx.data", "models/hair/model.json",
            "models/default.txt"} <= set(files)
    assert "models/hair/unrelated.bin" not in files
    # onnx writes the data file as 0600; the function's user must read it
    assert (out / "models/hair/model.onnx.data").stat().st_mode & 0o777 == 0o644
    assert not [f for f in files if f.startswith("models/clothing/")]
    requirements = (out / "requirements.txt").read_text()
    assert "onnxruntime>=" in requirements and "ai-edge-litert" not in requirements
    assert "functions-framework" in requirements and "pillow>=12.3.0" in requirements
    answer_from_clean_directory(out, CHILD, tmp_path)


# The event target from the bundle: an event of a type it does not handle is logged and
# acknowledged, without opening a store (so no storage SDK is imported to do it).
EVENT_CHILD = """
import json, sys
bundle, site = sys.argv[2], sys.argv[3]
sys.path[:] = [bundle, site] + [p for p in sys.path if p.startswith(sys.base_prefix)]
import functions_framework
app = functions_framework.create_app(target="classify_event", source="main.py",
                                     signature_type="cloudevent")
import core
headers = {"ce-id": "1", "ce-specversion": "1.0", "ce-source": "//storage.googleapis.com/x",
           "ce-type": "google.cloud.storage.object.v1.deleted"}
response = app.test_client().post("/", json={"bucket": "b", "name": "n"}, headers=headers)
print(json.dumps({"core": core.__file__, "status": response.status_code,
                  "sdk": "google.cloud.storage" in sys.modules}))
"""


def test_google_cloud_storage_ships_only_with_the_event_function(tmp_path: Path) -> None:
    bundler = load_bundler()
    http = bundler.build("gcp", tmp_path / "http")
    assert not [line for line in requirement_lines(http) if "google-cloud" in line]
    events = bundler.build("gcp", tmp_path / "events", events=True)
    assert requirement_lines(events) == [*requirement_lines(http), "google-cloud-storage>=2.16"]
    assert listing(events) == bundler.expected_files("gcp")
    answer = run_in_bundle(events, EVENT_CHILD, {"RESULTS_URI": "gs://results/out/"})
    assert Path(answer["core"]).is_relative_to(events)
    assert answer == {**answer, "status": 200, "sdk": False}
