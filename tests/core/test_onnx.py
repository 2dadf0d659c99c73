"""ONNX models through the real ONNX Runtime, on graphs the tests build (tests/onnx_graphs.py)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from core import cli, config, errors
from core.api.service import Service
from core.images.resize import load_rgb
from core.inference.loader import load_classifier
from core.messages import Request
from tests import images
from tests.conftest import make_settings
from tests.onnx_graphs import COURSE_2025, Graph, build, write_manifest

DEFAULT_MODEL = Path(config.DEFAULT_MODEL)  # the setting's default (text), as a Path here

ort = pytest.importorskip("onnxruntime", reason="never skipped: dev installs onnxruntime")
MEAN = np.array([0.485, 0.456, 0.406], np.float32)
STD = np.array([0.229, 0.224, 0.225], np.float32)


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The course-2025 homework shape: NCHW 200x200, ImageNet mean/std, one sigmoid output."""
    model = build(tmp_path_factory.mktemp("course") / "hair.onnx")
    write_manifest(model, **COURSE_2025)
    return model


def torch_reference(model: Path, pixels: np.ndarray) -> float:
    """What a course user computes: (x/255 - mean)/std, channels first, session.run."""
    x = ((pixels.astype(np.float32) / 255.0 - MEAN) / STD).transpose(2, 0, 1)[None]
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    return float(session.run(None, {"input": x})[0][0, 0])


def predict(service: Service, body: bytes) -> dict[str, float]:
    response = service.handle(Request("POST", "/predict", {"content-type": "image/jpeg"}, {},
                                      body))
    assert response.status == 200, response.body
    answer: dict[str, float] = response.json()
    return answer


def test_course_model_answers_as_onnxruntime_computes(course: Path) -> None:
    service = Service(make_settings(model_path=course))
    photo = images.jpeg(seed=4)
    expected = torch_reference(course, load_rgb(photo, (200, 200)))
    answer = predict(service, photo)
    assert list(answer) == ["curly", "straight"] or list(answer) == ["straight", "curly"]
    assert answer["straight"] == pytest.approx(expected, abs=2e-6)
    assert answer["curly"] == pytest.approx(1 - expected, abs=2e-6)
    health = service.handle(Request("GET", "/health", {}, {}, b"")).json()
    assert health["runtime"] == "onnxruntime"


def test_metadata_names_format_layout_opset_and_producer(
        course: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["--model", str(course), "info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["format"], info["layout"], info["output_kind"]) == ("onnx", "NCHW", "sigmoid")
    assert info["runtime"]["name"] == "onnxruntime" and info["runtime"]["version"][0].isdigit()
    assert info["input"]["name"] == "input" and info["input"]["shape"] == [-1, 3, 200, 200]
    assert info["output"]["name"] == "output"
    assert info["onnx"]["opset"] == 17 and info["onnx"]["producer"] == "tests.onnx_graphs"


@pytest.mark.parametrize("dtype", ["float32", "float16", "uint8"])
@pytest.mark.parametrize("layout", ["NHWC", "NCHW"])
def test_layouts_and_dtypes_feed_what_the_graph_expects(layout: str, dtype: str,
                                                        tmp_path: Path) -> None:
    model = build(tmp_path / "m.onnx", Graph(layout=layout, size=(40, 30), dtype=dtype,
                                             classes=3, head="softmax"))
    family = "none" if dtype == "uint8" else "mobilenet"
    clf = load_classifier(model, normalization=family)
    assert clf.layout == layout and clf.input_size == (30, 40)
    pixels = np.random.default_rng(1).integers(0, 256, (2, 40, 30, 3), dtype=np.uint8)
    x = pixels if dtype == "uint8" else (pixels.astype(np.float32) / 127.5 - 1).astype(dtype)
    x = x.transpose(0, 3, 1, 2) if layout == "NCHW" else x
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    expected = session.run(None, {"input": x})[0]
    tolerance = 2e-3 if dtype == "float16" else 1e-6
    np.testing.assert_allclose(clf.predict(pixels), expected, atol=tolerance)


def test_symbolic_size_needs_the_manifest_or_model_input_size(tmp_path: Path) -> None:
    model = build(tmp_path / "free.onnx", Graph(size=None))
    with pytest.raises(errors.ConfigError, match=r"symbolic height or width.*MODEL_INPUT_SIZE"):
        load_classifier(model)
    service = Service(make_settings(model_path=model, model_input_size=(60, 80)))
    assert service.pipeline.classifier.input_size == (80, 60)
    assert list(predict(service, images.jpeg())) == ["0"]  # one output, no labels


def test_ambiguous_layout_needs_the_manifest_or_model_layout(tmp_path: Path) -> None:
    model = build(tmp_path / "tiny.onnx", Graph(layout="NHWC", size=(3, 3), kernel=3))
    with pytest.raises(errors.ConfigError, match=r"NHWC or NCHW.*MODEL_LAYOUT"):
        load_classifier(model)
    assert load_classifier(model, layout="NHWC").layout == "NHWC"


def test_several_outputs_need_output_name(tmp_path: Path) -> None:
    model = build(tmp_path / "two.onnx", Graph(outputs=2, classes=3, head="none"))
    with pytest.raises(errors.ConfigError, match=r"2 outputs \(output, extra1\).*output.name"):
        load_classifier(model)
    write_manifest(model, output={"kind": "logits", "name": "extra1"})
    assert load_classifier(model).output.name == "extra1"


def test_concurrent_predictions_equal_serial_ones(course: Path) -> None:
    clf = load_classifier(course, threads=1)
    batches = [load_rgb(images.jpeg(seed=s), (200, 200))[None] for s in range(8)]
    serial = [clf.predict(b) for b in batches]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            parallel = list(pool.map(clf.predict, batches))
            for one, other in zip(serial, parallel, strict=True):
                np.testing.assert_array_equal(one, other)


def test_softmax_option_turns_logits_into_probabilities(tmp_path: Path) -> None:
    model = build(tmp_path / "logits.onnx", Graph(classes=3, head="none"))
    pixels = np.full((1, 200, 200, 3), 90, np.uint8)
    raw = load_classifier(model, output="logits").predict(pixels)
    soft = load_classifier(model, output="logits", softmax=True).predict(pixels)
    expected = np.exp(raw - raw.max()) / np.exp(raw - raw.max()).sum()
    np.testing.assert_allclose(soft, expected, rtol=1e-6)
    one = build(tmp_path / "one.onnx", Graph(classes=1, head="none"))
    logit = load_classifier(one, output="logits").predict(pixels)[0, 0]
    binary = load_classifier(one, output="logits", softmax=True, labels=["no", "yes"])
    np.testing.assert_allclose(binary.predict(pixels)[0], [1 - 1 / (1 + np.exp(-logit)),
                                                           1 / (1 + np.exp(-logit))], rtol=1e-6)


def test_one_label_sigmoid_and_multi_label(tmp_path: Path) -> None:
    single = load_classifier(build(tmp_path / "s.onnx"), labels=["curly"], output="sigmoid")
    assert single.labels == ("curly",)
    multi = load_classifier(build(tmp_path / "m.onnx", Graph(classes=3)), output="sigmoid",
                            labels=["a", "b", "c"])
    scores = multi.predict(np.zeros((1, 200, 200, 3), np.uint8))[0]
    assert scores.shape == (3,) and abs(float(scores.sum()) - 1) > 1e-3  # independent


def bad_models(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = build(tmp_path / "good.onnx").read_bytes()
    files = {"truncated.onnx": good[: len(good) // 2],
             "random.onnx": np.random.default_rng(0).bytes(4096),
             "renamed.onnx": DEFAULT_MODEL.read_bytes()}
    paths = {}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        paths[name] = tmp_path / name
    paths["two-inputs.onnx"] = build(tmp_path / "two-inputs.onnx", Graph(inputs=2))
    return {name: (path, "") for name, path in paths.items()}


def test_bad_model_files_stop_the_start_with_one_line(tmp_path: Path) -> None:
    expected = {"truncated.onnx": "cannot load model truncated.onnx",
                "random.onnx": "cannot load model random.onnx",
                "renamed.onnx": "the name says ONNX but the file is a TFLite flatbuffer",
                "two-inputs.onnx": r"2 inputs \(input, image1\).*input.name"}
    for name, (path, _) in bad_models(tmp_path).items():
        with pytest.raises(errors.ConfigError, match=expected[name]) as caught:
            Service(make_settings(model_path=path)).warm()
        assert "\n" not in str(caught.value), name


def test_two_image_inputs_are_refused_even_when_one_is_named(tmp_path: Path) -> None:
    model = build(tmp_path / "two.onnx", Graph(inputs=2))
    write_manifest(model, input={"name": "image1"})
    with pytest.raises(errors.ConfigError, match=r"also needs input.*input besides image1"):
        load_classifier(model)


def test_runtime_that_cannot_load_the_format_names_both(course: Path) -> None:
    with pytest.raises(errors.ConfigError, match=r"MODEL_RUNTIME=litert.*hair.onnx.*ONNX"):
        load_classifier(course, runtime="litert")
    with pytest.raises(errors.ConfigError, match=r"MODEL_RUNTIME=onnxruntime.*TFLite"):
        load_classifier(DEFAULT_MODEL, runtime="onnxruntime")


def test_resize_shorter_from_the_manifest_and_its_floor(course: Path, tmp_path: Path) -> None:
    crop = load_classifier(course, resize_shorter=230)
    assert crop.describe()["preprocessing"]["resize_shorter"] == 230
    service = Service(make_settings(model_path=course, model_resize_shorter=230))
    photo = images.jpeg(seed=6)
    expected = torch_reference(course, load_rgb(photo, (200, 200), shorter=230))
    assert predict(service, photo)["straight"] == pytest.approx(expected, abs=2e-6)
    with pytest.raises(errors.ConfigError, match="resize_shorter 150 is smaller than the 200x200"):
        load_classifier(course, resize_shorter=150)
