"""The build's pieces on tiny inputs (no ../shared needed): head training and graph surgery."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from ai_edge_litert import schema_py_generated as schema
from ai_edge_litert.interpreter import Interpreter

from models.build import graph
from models.build.__main__ import main
from models.build.activations import LARGE, crop_boxes
from models.build.evaluate import calibration_error
from models.build.head import HeadConfig, Layer, fold_standardizer, forward, train


def tiny_model() -> Any:
    """int8 [1,1,1,4] input feeding a DEQUANTIZE 'classifier' that the surgery must drop."""
    model = schema.ModelT()
    model.version, model.buffers, model.operatorCodes = 3, [schema.BufferT()], []
    subgraph = schema.SubGraphT()
    subgraph.tensors, subgraph.operators = [], []
    model.subgraphs = [subgraph]
    features = graph.add_tensor(model, "features", [1, 1, 1, 4])
    tensor = subgraph.tensors[features]
    tensor.type = schema.TensorType.INT8
    tensor.quantization = schema.QuantizationParametersT()
    tensor.quantization.scale, tensor.quantization.zeroPoint = [0.25], [-3]
    old = graph.add_tensor(model, "old_output", [1, 1, 1, 4])
    graph.add_op(model, schema.BuiltinOperator.DEQUANTIZE, [features], [old])
    subgraph.inputs, subgraph.outputs = [features], [old]
    return model


def random_layers(sizes: list[int], seed: int) -> list[Layer]:
    rng = np.random.default_rng(seed)
    return [
        (rng.standard_normal((a, b)).astype(np.float32), rng.standard_normal(b).astype(np.float32))
        for a, b in itertools.pairwise(sizes)
    ]


@pytest.mark.parametrize("sizes", [[4, 3], [4, 5, 3]])
def test_append_head_matches_numpy(sizes: list[int]) -> None:
    layers = random_layers(sizes, seed=1)
    model = tiny_model()
    graph.append_head(model, 0, layers)
    interpreter = Interpreter(model_content=graph.dump(model, "tiny"))
    interpreter.allocate_tensors()
    assert len(interpreter.get_input_details()) == 1
    assert "old_output" not in {t["name"] for t in interpreter.get_tensor_details()}
    (out,) = interpreter.get_output_details()
    quantized = np.array([[[[-128, -3, 17, 127]]]], dtype=np.int8)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], quantized)
    interpreter.invoke()
    features = ((quantized.astype(np.float32) + 3.0) * 0.25).reshape(1, 4)
    expected = forward(layers, features)
    np.testing.assert_allclose(interpreter.get_tensor(out["index"]), expected, atol=1e-6)


def test_training_is_deterministic_and_folding_exact() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 8)).astype(np.float32) * 3 + 1
    y = (x[:, 0] > 1).astype(np.int64)
    cfg = HeadConfig(hidden=6, dropout=0.5, epochs=5, batch=16)
    mean, std = x.mean(axis=0), x.std(axis=0)
    first = train((x - mean) / std, y, 2, cfg, seed=3)
    second = train((x - mean) / std, y, 2, cfg, seed=3)
    for (w1, b1), (w2, b2) in zip(first, second, strict=True):
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(b1, b2)
    folded = fold_standardizer(first, mean.astype(np.float32), std.astype(np.float32))
    np.testing.assert_allclose(forward(folded, x), forward(first, (x - mean) / std), atol=1e-5)


@pytest.mark.parametrize("recipe", ["full", "frozen", "finetune"])
def test_missing_shared_dir_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    recipe: str,
) -> None:
    missing = tmp_path / "no-shared"
    monkeypatch.setenv("SHARED_DIR", str(missing))
    assert main(["--out", str(tmp_path / "out"), "--recipe", recipe]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(missing) in err
    assert not (tmp_path / "out").exists()


def float_part() -> Any:
    """A float model [1, 4] -> RELU -> [1, 4], standing in for the requantised tail."""
    model = schema.ModelT()
    model.version, model.buffers, model.operatorCodes = 3, [schema.BufferT()], []
    subgraph = schema.SubGraphT()
    subgraph.tensors, subgraph.operators = [], []
    model.subgraphs = [subgraph]
    source = graph.add_tensor(model, "part/in", [1, 1, 1, 4])
    target = graph.add_tensor(model, "part/out", [1, 1, 1, 4])
    graph.add_op(model, schema.BuiltinOperator.RELU, [source], [target])
    subgraph.inputs, subgraph.outputs = [source], [target]
    return model


def test_splice_feeds_the_cut_into_the_part_and_drops_the_rest() -> None:
    model = tiny_model()
    end = graph.splice(model, 0, float_part())
    layers = random_layers([4, 3], seed=2)
    graph.append_head(model, end, layers)
    interpreter = Interpreter(model_content=graph.dump(model, "spliced"))
    interpreter.allocate_tensors()
    names = {t["name"] for t in interpreter.get_tensor_details()}
    assert "old_output" not in names and "part/out" in names
    quantized = np.array([[[[-128, -3, 17, 127]]]], dtype=np.int8)
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], quantized)
    interpreter.invoke()
    features = np.maximum((quantized.astype(np.float32) + 3.0) * 0.25, 0.0).reshape(1, 4)
    out = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(out, forward(layers, features), atol=1e-6)


def test_calibration_error() -> None:
    truth = np.array([0, 1, 0, 1], dtype=np.int64)
    sure = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    assert calibration_error(sure, truth) == pytest.approx(0.0)
    hedged = np.array([[0.8, 0.2], [0.2, 0.8], [0.8, 0.2], [0.8, 0.2]], dtype=np.float32)
    # one bin (0.8): accuracy 3/4, confidence 0.8
    assert calibration_error(hedged, truth) == pytest.approx(0.05)


def test_crop_boxes_are_seeded_and_inside_the_image() -> None:
    boxes = crop_boxes(50, 4, seed=5)
    np.testing.assert_array_equal(boxes, crop_boxes(50, 4, seed=5))
    assert not np.array_equal(boxes, crop_boxes(50, 4, seed=6))
    left, top, right, bottom, flip = np.moveaxis(boxes, -1, 0)
    assert np.all(left >= 0) and np.all(top >= 0)
    assert np.all(right <= LARGE + 1e-9) and np.all(bottom <= LARGE + 1e-9)
    assert np.all(right - left > 0.5 * LARGE) and set(np.unique(flip)) == {0.0, 1.0}
