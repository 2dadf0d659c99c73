"""Small ONNX models the tests build with onnx.helper (no downloads, no PyTorch).

Each is a real image classifier graph: a strided convolution, ReLU, global average pooling and
a dense head, with seeded weights, in the layout, dtype and head asked for.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

DIMS = {"float32": 1, "float16": 10, "uint8": 2}  # onnx.TensorProto element types


@dataclass(frozen=True)
class Graph:
    """What to build: layout, size (None: symbolic), input dtype, classes and head."""

    layout: str = "NCHW"
    size: tuple[int, int] | None = (200, 200)  # (height, width)
    dtype: str = "float32"
    classes: int = 1
    head: str = "sigmoid"  # sigmoid, softmax or none (logits)
    inputs: int = 1
    outputs: int = 1
    batch: int | str = "batch"
    seed: int = 0
    kernel: int = 5


def _input_shape(graph: Graph) -> list[Any]:
    h, w = graph.size or ("height", "width")
    return [graph.batch, 3, h, w] if graph.layout == "NCHW" else [graph.batch, h, w, 3]


def _nodes(helper: Any, graph: Graph, name: str, tag: str) -> list[Any]:
    """Nodes from input ``name`` to the float32 NCHW tensor ``tag``."""
    nodes, current = [], name
    if graph.dtype != "float32":
        nodes.append(helper.make_node("Cast", [current], [f"{tag}_f"], to=1))
        current = f"{tag}_f"
    if graph.layout == "NHWC":
        nodes.append(helper.make_node("Transpose", [current], [tag], perm=[0, 3, 1, 2]))
    else:
        nodes.append(helper.make_node("Identity", [current], [tag]))
    return nodes


def build(path: Path, graph: Graph = Graph()) -> Path:
    """Write the model to ``path`` (opset 17) and return the path."""
    from onnx import helper, numpy_helper

    rng = np.random.default_rng(graph.seed)
    weights = {
        "conv_w": rng.normal(0, 0.2, (4, 3, graph.kernel, graph.kernel)).astype(np.float32),
        "conv_b": rng.normal(0, 0.1, 4).astype(np.float32),
        "dense_w": rng.normal(0, 1.0, (4, graph.classes)).astype(np.float32),
        "dense_b": rng.normal(0, 0.1, graph.classes).astype(np.float32),
    }
    inputs = [helper.make_tensor_value_info(f"image{i}" if i else "input", DIMS[graph.dtype],
                                            _input_shape(graph)) for i in range(graph.inputs)]
    nodes: list[Any] = []
    for i, value in enumerate(inputs):
        nodes += _nodes(helper, graph, value.name, f"x{i}")
    if graph.inputs > 1:
        nodes.append(helper.make_node("Sum", [f"x{i}" for i in range(graph.inputs)], ["x"]))
    else:
        nodes.append(helper.make_node("Identity", ["x0"], ["x"]))
    nodes += [
        helper.make_node("Conv", ["x", "conv_w", "conv_b"], ["c"], strides=[graph.kernel] * 2),
        helper.make_node("Relu", ["c"], ["r"]),
        helper.make_node("GlobalAveragePool", ["r"], ["p"]),
        helper.make_node("Flatten", ["p"], ["f"]),
        helper.make_node("Gemm", ["f", "dense_w", "dense_b"], ["logits"]),
    ]
    head = {"sigmoid": "Sigmoid", "softmax": "Softmax", "none": "Identity"}[graph.head]
    outputs = []
    for i in range(graph.outputs):
        name = "output" if i == 0 else f"extra{i}"
        nodes.append(helper.make_node(head, ["logits"], [name]))
        outputs.append(helper.make_tensor_value_info(name, 1, [graph.batch, graph.classes]))
    body = helper.make_graph(nodes, "tiny", inputs, outputs,
                             [numpy_helper.from_array(v, k) for k, v in weights.items()])
    return _save(body, path)


def externalise(path: Path, locations: dict[str, str] | str = "") -> Path:
    """Move the ONNX model at ``path``'s weights out of the graph, as torch.onnx.export does:
    into ``<name>.data`` (the default), one named file for all, or ``{initializer: location}``
    (initializers not named stay inside). The files are written relative to the model's
    folder; a location that leaves it is only recorded in the graph, not written."""
    import onnx
    from onnx.external_data_helper import set_external_data, write_external_data_tensors

    model = onnx.load(str(path))
    chosen = locations if isinstance(locations, dict) else {
        t.name: locations or f"{path.name}.data" for t in model.graph.initializer}
    for tensor in model.graph.initializer:
        if tensor.name in chosen:
            set_external_data(tensor, chosen[tensor.name])
    inside = {k: v for k, v in chosen.items() if ".." not in v and not v.startswith("/")}
    if inside == chosen:
        for location in inside.values():
            (path.parent / location).parent.mkdir(parents=True, exist_ok=True)
        write_external_data_tensors(model, str(path.parent))
    else:  # a refused location: the graph says it, no file is written
        for tensor in model.graph.initializer:
            if tensor.name in chosen:
                tensor.ClearField("raw_data")
    onnx.save(model, str(path))
    return path


def write_manifest(path: Path, **fields: Any) -> Path:
    """A manifest ``<model>.json`` beside the model with the given JSON fields."""
    import json

    manifest = path.with_suffix(".json")
    manifest.write_text(json.dumps({"file": path.name, **fields}))
    return manifest


COURSE_2025 = {"name": "hair", "labels": ["curly", "straight"], "output": "sigmoid",
               "input": {"height": 200, "width": 200, "layout": "NCHW"},
               "preprocessing": {"resize": "bilinear", "normalization": "torch"}}


def echo(path: Path, layout: str, dtype: str, size: tuple[int, int] = (16, 16)) -> Path:
    """A graph whose output is its own input, cast to float32 and flattened: the tensor the
    runtime was fed, in the model's layout, read back as the scores."""
    from onnx import helper

    graph = Graph(layout=layout, size=size, dtype=dtype)
    values = 3 * size[0] * size[1]
    nodes = [helper.make_node("Cast", ["input"], ["cast"], to=1),
             helper.make_node("Flatten", ["cast"], ["output"], axis=1)]
    body = helper.make_graph(
        nodes, "echo", [helper.make_tensor_value_info("input", DIMS[dtype], _input_shape(graph))],
        [helper.make_tensor_value_info("output", 1, [graph.batch, values])])
    return _save(body, path)


def _save(body: Any, path: Path) -> Path:
    """A checked opset-17 model of ``body`` written to ``path``."""
    import onnx
    from onnx import helper

    model = helper.make_model(body, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="tests.onnx_graphs", producer_version="1")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path
