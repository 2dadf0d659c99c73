"""The zip bundle: built, under Lambda's size limit, and working from a clean directory.

The bundle is built from this environment's installed runtime set (``--source local``), for
this machine's Python and architecture, so that it can be imported and run here, offline.
``make bundle-aws`` runs the same builder with ``--source pypi`` for Lambda's Python 3.12
manylinux wheels (x86_64 or arm64), which needs PyPI and so is not run by the tests.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests import images

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "bundle_aws.py"
LIMIT_BYTES = 250 * 1024 * 1024

CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
assert not [p for p in sys.path if "site-packages" in p or "dist-packages" in p], sys.path
try:
    import pytest  # noqa: F401
except ImportError:
    pass
else:
    raise SystemExit("a dev package is importable: the bundle is not isolated")
import lambda_function

class Context:
    aws_request_id = "bundle-test"
    def get_remaining_time_in_millis(self):
        return 30000

result = lambda_function.lambda_handler({"image": sys.stdin.read()}, Context())
print(json.dumps({"result": result, "numpy": sys.modules["numpy"].__file__}))
"""


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("bundle") / "aws_lambda.zip"
    subprocess.run([sys.executable, str(SCRIPT), "--source", "local", "--out", str(out)],
                   check=True, timeout=600)
    return out


def test_bundle_is_under_lambdas_unzipped_limit(bundle: Path) -> None:
    with zipfile.ZipFile(bundle) as archive:
        names = set(archive.namelist())
        size = sum(info.file_size for info in archive.infolist())
    assert size < LIMIT_BYTES, f"{size / 2**20:.1f} MiB unzipped"
    assert {"lambda_function.py", "core/api/service.py", "aws_lambda/handler.py",
            "aws_lambda/events/http_v2.py", "models/clothing/model.tflite",
            "models/clothing/model.json"} <= names
    assert not any(n.startswith(("tests/", "pytest", "_pytest", "tensorflow", "mypy"))
                   for n in names)
    # Built for this interpreter's version, so it carries bytecode (/var/task is read-only).
    tag = sys.implementation.cache_tag
    assert {f"core/api/__pycache__/service.{tag}.pyc", f"__pycache__/lambda_function.{tag}.pyc",
            f"numpy/__pycache__/__init__.{tag}.pyc"} <= names
    # The pruned parts of ai-edge-litert are gone (the prediction test shows they are unneeded).
    assert not any(n.startswith(("ai_edge_litert/tools/", "ai_edge_litert/vendors/"))
                   or n.endswith("libLiteRtWebGpuAccelerator.so") for n in names)
    assert not any(n.startswith(("onnxruntime/", "models/default.txt")) for n in names)


def test_bundle_answers_a_prediction_from_a_clean_directory(
        bundle: Path, tmp_path: Path) -> None:
    task = tmp_path / "task"
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(task)
    assert ROOT not in task.parents
    # -I: no environment variables, no user site, no script dir; -S: no site-packages at all.
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", CHILD, str(task)], cwd=task, capture_output=True,
        input=base64.b64encode(images.jpeg()).decode(), text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(answer["numpy"]).is_relative_to(task)
    scores = answer["result"]
    assert len(scores) == 10 and all(type(v) is float for v in scores.values())


@pytest.mark.parametrize(("arch", "machine"), [("x86_64", "x86_64"), ("arm64", "aarch64")])
def test_pypi_build_asks_for_the_target_architectures_wheels(arch: str, machine: str) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT), "--arch", arch, "--print-pip"],
                          capture_output=True, text=True, check=True, timeout=60)
    command = done.stdout.split()
    assert "--only-binary=:all:" in command and "cp" in command and "3.12" in command
    assert f"manylinux2014_{machine}" in command and f"manylinux_2_28_{machine}" in command


def test_lambda_requirements_are_the_projects_runtime_set() -> None:
    import tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = (ROOT / "docker" / "requirements-lambda.txt").read_text().splitlines()
    listed = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    assert sorted(listed) == sorted(declared)


def test_the_pypi_install_leaves_bytecode_to_the_builder() -> None:
    """pip byte-compiles for the Python running it (3.11 here), not for Lambda's 3.12: left to
    itself it put 17 MB of unusable cpython-311 .pyc files into a 3.12 bundle."""
    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import bundle_aws  # type: ignore[import-not-found, unused-ignore]
    finally:
        sys.path.remove(str(SCRIPT.parent))
    argv = bundle_aws.pip_command("arm64", "3.12", Path("staging"))
    assert "--no-compile" in argv
    assert argv[argv.index("--python-version") + 1] == "3.12"
    assert any(a.endswith("_aarch64") for a in argv)


def test_an_onnx_model_zip_runs_on_onnxruntime_alone(tmp_path: Path) -> None:
    """MODEL=model.onnx: onnxruntime (pruned) instead of ai-edge-litert, and the model it names."""
    from tests.onnx_graphs import COURSE_2025, build, externalise, write_manifest

    (tmp_path / "hair").mkdir()
    model = externalise(build(tmp_path / "hair" / "model.onnx"))  # + model.onnx.data
    write_manifest(model, **COURSE_2025)
    out = tmp_path / "onnx.zip"
    done = subprocess.run([sys.executable, str(SCRIPT), "--source", "local", "--out", str(out),
                           "--model", str(model)], check=True, timeout=600, capture_output=True,
                          text=True)
    weights = (tmp_path / "hair" / "model.onnx.data").stat().st_size + model.stat().st_size
    assert (f"model: models/hair/model.onnx + 1 external data file, {weights / 2**20:.1f} MiB"
            in done.stdout.splitlines())
    task = tmp_path / "task"
    with zipfile.ZipFile(out) as archive:
        names = set(archive.namelist())
        archive.extractall(task)
    assert {"models/hair/model.onnx", "models/hair/model.onnx.data", "models/hair/model.json",
            "models/default.txt"} <= names
    assert not any(n.startswith(("ai_edge_litert/", "models/clothing/")) for n in names)
    assert not any(n.startswith("onnxruntime/transformers/") or "libonnxruntime.so" in n
                   for n in names)
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", CHILD, str(task)], cwd=task, capture_output=True,
        input=base64.b64encode(images.jpeg()).decode(), text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    scores = json.loads(done.stdout.strip().splitlines()[-1])["result"]
    assert set(scores) == {"curly", "straight"}
    assert abs(sum(scores.values()) - 1) < 1e-5


def test_a_missing_sidecar_stops_the_zip_before_anything_is_installed(tmp_path: Path) -> None:
    from tests.onnx_graphs import build, externalise

    model = externalise(build(tmp_path / "model.onnx"))
    (tmp_path / "model.onnx.data").unlink()
    done = subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path / "x.zip"),
                           "--model", str(model)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and not (tmp_path / "x.zip").exists()
    assert done.stderr.startswith("error: model model.onnx keeps its weights in model.onnx.data")
    assert done.stderr.count("\n") == 1
