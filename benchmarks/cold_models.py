"""The ONNX model of the cold-start benchmark: MobileNetV2's topology in NCHW, seeded weights.

The course's 2025 handler serves an NCHW ONNX classifier (200x200, torch mean/std, one sigmoid
output). A cold start's session creation grows with the graph's nodes and weights, so the
benchmark needs a model of realistic size, not a test graph of five nodes: this one is
MobileNetV2 (inverted residual blocks, depthwise 3x3 convolutions, ReLU6, 1280 features, batch
norm folded into the convolutions' biases), 2.2 M parameters, 8.9 MB, built with onnx.helper
(no download, no PyTorch), with the manifest a user of that handler would write.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

# MobileNetV2's blocks: expansion t, channels c, repeats n, first stride s.
BLOCKS = ((1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
          (6, 160, 3, 2), (6, 320, 1, 1))
SIZE = 200
MANIFEST = {"format": 1, "name": "hair-mobilenet-v2", "version": "bench", "labels": ["curly"],
            "output": "sigmoid", "input": {"height": SIZE, "width": SIZE, "layout": "NCHW"},
            "preprocessing": {"resize": "bilinear", "normalization": "torch"}}


class _Graph:
    """Nodes and initialisers, added one layer at a time."""

    def __init__(self, seed: int) -> None:
        from onnx import helper, numpy_helper

        self.helper, self.numpy_helper = helper, numpy_helper
        self.rng = np.random.default_rng(seed)
        self.nodes: list[Any] = []
        self.weights = [numpy_helper.from_array(np.array(0, np.float32), "zero"),
                        numpy_helper.from_array(np.array(6, np.float32), "six")]

    def add(self, op: str, inputs: list[str], **attrs: Any) -> str:
        name = f"n{len(self.nodes)}"
        self.nodes.append(self.helper.make_node(op, inputs, [name], **attrs))
        return name

    def conv(self, x: str, cin: int, cout: int, k: int, stride: int = 1, group: int = 1,
             relu6: bool = True) -> str:
        fan_in = cin // group * k * k
        w = self.rng.normal(0, (2 / fan_in) ** 0.5, (cout, cin // group, k, k))
        b = self.rng.normal(0, 0.01, cout)
        name = f"w{len(self.weights)}"
        self.weights += [self.numpy_helper.from_array(w.astype(np.float32), name),
                         self.numpy_helper.from_array(b.astype(np.float32), name + "b")]
        y = self.add("Conv", [x, name, name + "b"], kernel_shape=[k, k], strides=[stride] * 2,
                     pads=[k // 2] * 4, group=group)
        return self.add("Clip", [y, "zero", "six"]) if relu6 else y


def _backbone(g: _Graph) -> str:
    x, cin = g.conv("input", 3, 32, 3, stride=2), 32
    for t, c, n, s in BLOCKS:
        for i in range(n):
            stride, wide = (s if i == 0 else 1), cin * t
            h = g.conv(x, cin, wide, 1) if t != 1 else x
            h = g.conv(h, wide, wide, 3, stride=stride, group=wide)
            h = g.conv(h, wide, c, 1, relu6=False)
            x, cin = (g.add("Add", [x, h]) if stride == 1 and cin == c else h), c
    return g.conv(x, cin, 1280, 1)


def build(path: Path, seed: int = 0) -> Path:
    """Write the model to ``path`` and its manifest beside it (``<stem>.json``)."""
    import onnx
    from onnx import helper

    g = _Graph(seed)
    pooled = g.add("Flatten", [g.add("GlobalAveragePool", [_backbone(g)])])
    g.weights += [g.numpy_helper.from_array(
        g.rng.normal(0, 0.05, (1280, 1)).astype(np.float32), "dense"),
        g.numpy_helper.from_array(np.zeros(1, np.float32), "dense_b")]
    logits = g.add("Gemm", [pooled, "dense", "dense_b"])
    g.nodes.append(helper.make_node("Sigmoid", [logits], ["output"]))
    body = helper.make_graph(
        g.nodes, "mobilenet_v2",
        [helper.make_tensor_value_info("input", 1, ["batch", 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("output", 1, ["batch", 1])], g.weights)
    model = helper.make_model(body, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="benchmarks.cold_models", producer_version="1")
    model.ir_version = 8
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    path.with_suffix(".json").write_text(json.dumps({**MANIFEST, "file": path.name}, indent=2))
    return path


def ensure(path: Path) -> Path:
    """The model at ``path``, built when missing."""
    return path if path.is_file() and path.with_suffix(".json").is_file() else build(path)


if __name__ == "__main__":
    print(build(Path("build/bench/cold-zip/mobilenet_v2.onnx")))
