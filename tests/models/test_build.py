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


def test_missing_shared_dir_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "no-shared"
    monkeypatch.setenv("SHARED_DIR", str(missing))
    assert main(["--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(missing) in err
    assert not (tmp_path / "out").exists()
