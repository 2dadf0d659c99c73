"""``classifier batch FOLDER``: every photo's line holds what ``/predict`` answers for it, and
what the interpreter gives on independently prepared pixels; bad sources are one clear line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageOps

from core.api.service import Service
from core.batch.command import Options, run_batch
from core.cli import main
from core.config import DEFAULT_MODEL
from core.inference.classifier import Classifier
from core.messages import Request
from tests.batch.conftest import by_key, photo_set, records
from tests.conftest import make_settings

# Photos the reference below prepares exactly as the service does (no alpha, no box reduction).
PLAIN_JPEGS = ("samples/astronaut.jpg", "samples/coat.jpg", "gen/pattern-0.jpg",
               "gen/pattern-1.jpg", "gen/rotated.jpg")


def predict(service: Service, data: bytes) -> dict[str, object]:
    answer = service.handle(Request("POST", "/predict",
                                    {"content-type": "application/octet-stream"}, {}, data))
    assert answer.status == 200, answer.body
    result: dict[str, object] = answer.json()
    return result


def interpreter_scores(data: bytes) -> np.ndarray:
    """The LiteRT interpreter on pixels prepared with Pillow alone: EXIF orientation, RGB,
    bilinear 224 x 224, MobileNet scaling quantised by the input tensor's own parameters."""
    import io

    from ai_edge_litert.interpreter import Interpreter

    image = ImageOps.exif_transpose(Image.open(io.BytesIO(data))).convert("RGB")
    pixels = np.asarray(image.resize((224, 224), Image.Resampling.BILINEAR), dtype=np.float64)
    interpreter = Interpreter(model_path=str(DEFAULT_MODEL), num_threads=1)
    interpreter.allocate_tensors()
    inp, out = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
    scale, zero = inp["quantization"]
    limits = np.iinfo(inp["dtype"])
    quantised = np.clip(np.round((pixels / 127.5 - 1.0) / scale + zero), limits.min, limits.max)
    interpreter.set_tensor(inp["index"], quantised.astype(inp["dtype"])[np.newaxis])
    interpreter.invoke()
    scores: np.ndarray = interpreter.get_tensor(out["index"])[0].astype(np.float64)
    return scores


def test_every_photo_gets_the_scores_predict_answers(
        service: Service, photos: Path, tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    assert run_batch(service.pipeline, Options(str(photos), out, progress=False)) == 0
    lines = by_key(records(out), photos)
    assert set(lines) == set(photo_set())
    model = service.pipeline.classifier
    for name, data in photo_set().items():
        line = lines[name]
        path = str((photos / name).resolve())
        assert {k: line["source"][k] for k in ("uri", "store", "bucket", "key")} == {
            "uri": path, "store": "file", "bucket": "", "key": path}
        assert line["source"]["etag"]  # the file as read: its modification time and size
        assert line["model"]["name"] == model.manifest.name
        assert line["model"]["sha256"] == model.sha256
        expected = predict(service, data)
        assert line["scores"] == expected, name
        assert list(line["scores"]) == list(expected), name  # best first, as /predict
        assert line["time"].endswith("Z")


@pytest.mark.parametrize("name", PLAIN_JPEGS)
def test_scores_agree_with_the_interpreter_on_pillow_pixels(
        service: Service, photos: Path, tmp_path: Path, name: str) -> None:
    out = tmp_path / "results.jsonl"
    run_batch(service.pipeline, Options(str(photos), out, progress=False))
    scores = by_key(records(out), photos)[name]["scores"]
    got = np.array([scores[label] for label in service.pipeline.classifier.labels])
    expected = interpreter_scores(photo_set()[name])
    np.testing.assert_allclose(got, expected, atol=1e-5)  # /predict rounds to 6 places
    assert int(np.argmax(got)) == int(np.argmax(expected))


def test_a_file_that_is_not_an_image_is_an_error_line(
        service: Service, photos: Path, tmp_path: Path) -> None:
    (photos / "notes.txt").write_text("not a photo")
    (photos / "empty.jpg").write_bytes(b"")
    (photos / "cut.jpg").write_bytes(photo_set()["gen/pattern-0.jpg"][:300])
    (photos / ".hidden.jpg").write_bytes(b"never listed")
    out = tmp_path / "results.jsonl"
    assert run_batch(service.pipeline, Options(str(photos), out, progress=False)) == 1
    lines = by_key(records(out), photos)
    assert ".hidden.jpg" not in lines
    # /predict refuses an empty body before decoding (400 invalid_field); an empty file is
    # simply not an image
    assert lines["empty.jpg"]["error"]["code"] == "invalid_image"
    for name in ("notes.txt", "cut.jpg"):
        data = (photos / name).read_bytes()
        answer = service.handle(Request("POST", "/predict",
                                        {"content-type": "application/octet-stream"}, {}, data))
        assert answer.status in (400, 415, 422), name
        assert lines[name]["error"] == {**answer.json()["error"], "status": answer.status}
        assert "scores" not in lines[name]
    assert sum("scores" in line for line in lines.values()) == len(photo_set())


def test_a_results_file_inside_the_folder_is_never_classified(
        service: Service, photos: Path) -> None:
    out = photos / "results.jsonl"
    run_batch(service.pipeline, Options(str(photos), out, progress=False))
    assert run_batch(service.pipeline, Options(str(photos), out, progress=False)) == 0
    assert set(by_key(records(out), photos)) == set(photo_set())


@pytest.mark.parametrize(("source", "out", "expected"), [
    ("missing", "results.jsonl", "error: SOURCE {tmp}/missing does not exist"),
    ("photos/samples/coat.jpg", "results.jsonl",
     "error: SOURCE {tmp}/photos/samples/coat.jpg is an image, not a list of URLs"),
    ("http://127.0.0.1:9/a.jpg", "results.jsonl",
     "error: SOURCE http://127.0.0.1:9/a.jpg is one URL"),
    ("photos", "nowhere/results.jsonl", "error: --out {tmp}/nowhere/results.jsonl: the folder"),
    ("photos", "photos", "error: --out {tmp}/photos is a folder"),
    ("binary.dat", "results.jsonl", "error: SOURCE {tmp}/binary.dat is not a text file of URLs"),
    ("empty.txt", "results.jsonl", "error: SOURCE {tmp}/empty.txt holds no URL"),
    ("nothing", "results.jsonl", "error: SOURCE {tmp}/nothing holds no files"),
])
def test_a_source_or_output_that_cannot_be_used_is_one_line_and_exit_2(
        photos: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        source: str, out: str, expected: str) -> None:
    (tmp_path / "binary.dat").write_bytes(b"\x00\x01\x02 not text")
    (tmp_path / "empty.txt").write_text("# nothing here\n\n")
    (tmp_path / "nothing" / ".hidden").mkdir(parents=True)
    target = source if "://" in source else str(tmp_path / source)
    assert main(["batch", target, "--out", str(tmp_path / out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(expected.format(tmp=tmp_path)), captured.err
    assert not (tmp_path / "results.jsonl").exists()


@pytest.mark.parametrize("limit", [{"max_image_bytes": 9000}, {"max_image_pixels": 70_000},
                                   {"max_request_pixels": 60_000}])
def test_the_limits_of_predict_refuse_the_same_photos(
        classifier: Classifier, photos: Path, tmp_path: Path, limit: dict[str, int]) -> None:
    """Smaller limits than the defaults: each photo is refused or scored as /predict does
    with the same settings (a URL download for the byte limit, an upload for the others)."""
    strict = Service(make_settings(**limit), classifier=classifier)
    out = tmp_path / "results.jsonl"
    assert run_batch(strict.pipeline, Options(str(photos), out, progress=False)) == 1
    lines = by_key(records(out), photos)
    refused = {name for name, line in lines.items() if "error" in line}
    assert refused and refused != set(lines)
    for name, data in photo_set().items():
        if "max_image_bytes" in limit:
            expected = len(data) > limit["max_image_bytes"]
            assert (name in refused) is expected, name
            if expected:
                assert lines[name]["error"]["code"] == "image_too_large"
            continue
        answer = strict.handle(Request("POST", "/predict",
                                       {"content-type": "application/octet-stream"}, {}, data))
        if answer.status == 200:
            assert lines[name]["scores"] == answer.json(), name
        else:
            assert lines[name]["error"] == {**answer.json()["error"], "status": answer.status}
