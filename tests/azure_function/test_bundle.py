"""`scripts/bundle.py azure`: exactly the expected files, and it answers from a clean directory."""

from __future__ import annotations

import json
import subprocess
import sys
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
import azure.functions as func
import core
import function_app
functions = {f.get_function_name(): f for f in function_app.app.get_functions()}
image = open(sys.argv[1], "rb").read()
request = func.HttpRequest("POST", "https://app.azurewebsites.net/api/predict",
                           headers={"Content-Type": "image/jpeg"}, body=image)
# The worker's func.Context is not importable here (tests/ is off the path): None stands for it.
response = functions["predict"].get_user_function()(request, None)
health = functions["health"].get_user_function()(
    func.HttpRequest("GET", "https://app.azurewebsites.net/api/health", body=b""), None)
print(json.dumps({"core": core.__file__, "status": response.status_code,
                  "body": json.loads(response.get_body()), "health": health.status_code}))
"""


def test_bundle_holds_exactly_the_deployable_files(tmp_path: Path) -> None:
    bundler = load_bundler()
    out = bundler.build("azure", tmp_path / "azure_function")
    files = listing(out)
    assert files == bundler.expected_files("azure")
    assert {"function_app.py", "host.json", ".funcignore", "requirements.txt",
            "core/api/service.py", "models/clothing/model.tflite",
            "models/clothing/model.json"} <= set(files)
    sources = {p.relative_to(ROOT / "core").as_posix() for p in (ROOT / "core").rglob("*.py")}
    assert sources <= {f.removeprefix("core/") for f in files if f.startswith("core/")}
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]
    assert not [f for f in files if f.startswith(("tests/", "azure_function/", "scripts/"))]


def test_host_json_and_requirements() -> None:
    host = json.loads((ROOT / "azure_function" / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["extensionBundle"] == {"id": "Microsoft.Azure.Functions.ExtensionBundle",
                                       "version": "[4.*, 5.0.0)"}
    text = (ROOT / "azure_function" / "requirements.txt").read_text()
    assert "azure-functions>=1.21,<2; python_version < '3.13'" in text
    for floor in ("pillow>=12.3.0", "certifi>=2024.7.4", "urllib3>=2.7.0", "ai-edge-litert",
                  "numpy"):
        assert floor in text


def test_bundle_answers_from_a_clean_directory(tmp_path: Path) -> None:
    out = load_bundler().build("azure", tmp_path / "azure_function")
    answer_from_clean_directory(out, CHILD, tmp_path)


def test_runtimes_both_ships_both(tmp_path: Path) -> None:
    from tests.onnx_graphs import build

    (tmp_path / "m").mkdir()
    model = build(tmp_path / "m" / "model.onnx")
    out = load_bundler().build("azure", tmp_path / "azure_function", model, "both")
    requirements = (out / "requirements.txt").read_text()
    assert "onnxruntime>=" in requirements and "ai-edge-litert>=" in requirements
    assert (out / "models" / "default.txt").read_text().strip() == "models/m/model.onnx"


def test_sidecars_in_a_subfolder_ship_and_a_missing_one_stops_the_build(tmp_path: Path) -> None:
    from tests.onnx_graphs import build, externalise

    (tmp_path / "m").mkdir()
    model = externalise(build(tmp_path / "m" / "model.onnx"),
                        {"conv_w": "weights/conv.bin", "dense_w": "dense.bin"})
    bundler = load_bundler()
    out = bundler.build("azure", tmp_path / "azure_function", model)
    shipped = {"models/m/model.onnx", "models/m/dense.bin", "models/m/weights/conv.bin"}
    assert shipped <= set(listing(out))
    assert listing(out) == bundler.expected_files("azure", model)
    (tmp_path / "m" / "weights" / "conv.bin").unlink()
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "bundle.py"), "azure",
                           "--out", str(tmp_path / "again"), "--model", str(model)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("error: model model.onnx keeps its weights in weights/conv.bin")
    assert done.stderr.count("\n") == 1 and not (tmp_path / "again").exists()


# The Event Grid function from the bundle: indexed beside the HTTP functions, and an event of
# another type is logged and dropped without opening a store (no storage SDK is imported).
EVENT_CHILD = """
import json, sys
bundle, site = sys.argv[2], sys.argv[3]
sys.path[:] = [bundle, site] + [p for p in sys.path if p.startswith(sys.base_prefix)]
import azure.functions as func
import core
import function_app

class Context:  # the worker's func.Context: only what the function reads
    invocation_id = "inv-1"

functions = {f.get_function_name(): f for f in function_app.app.get_functions()}
event = func.EventGridEvent(id="1", data={}, topic="", subject="/x", data_version="",
                            event_type="Microsoft.Storage.BlobDeleted", event_time=None)
functions["classify_blob"].get_user_function()(event, Context())
print(json.dumps({"core": core.__file__, "functions": sorted(functions),
                  "sdk": "azure.storage.blob" in sys.modules}))
"""


def test_the_blob_sdk_ships_only_with_the_event_function(tmp_path: Path) -> None:
    bundler = load_bundler()
    http = bundler.build("azure", tmp_path / "http")
    assert not [line for line in requirement_lines(http) if "azure-storage" in line]
    events = bundler.build("azure", tmp_path / "events", events=True)
    assert requirement_lines(events) == [*requirement_lines(http), "azure-storage-blob>=12.19",
                                         "azure-identity>=1.15"]
    answer = run_in_bundle(events, EVENT_CHILD, {
        "RESULTS_URI": "https://account.blob.core.windows.net/results/out/"})
    assert Path(answer["core"]).is_relative_to(events)
    assert answer["functions"] == ["classify_blob", "fallback", "health", "model", "predict"]
    assert answer["sdk"] is False
