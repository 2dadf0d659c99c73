"""The model runtime: one model per process, loaded once, shared by every request.

``Classifier.load`` reads the file's first bytes: a TFLite flatbuffer runs here on LiteRT
(``TFLiteClassifier``), an ONNX model on ONNX Runtime (``core.onnx.OnnxClassifier``). Both take
uint8 RGB pixels (N, H, W, 3) and answer float32 scores through ``core.outputs``.

TFLite concurrency: one interpreter guarded by a lock. A TFLite interpreter is not safe to
invoke from two threads at once; one interpreter per thread would multiply the tensor arena and
oversubscribe the CPUs (each invoke already uses ``MODEL_THREADS`` threads), so serial invokes
are as fast in total on a small function and cost one arena. Fetching and decoding still run
concurrently.

The input is written straight into the interpreter's tensor through a per-channel lookup table
that folds the normalisation and the tensor's quantisation into one gather (uint8 pixels in,
no float64 intermediates); outputs are dequantised with the tensor's own scale and zero point.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from core import errors, outputs
from core.layout import Encoder, find_layout, find_size
from core.manifest import Manifest, sha256_of
from core.runtime import ONNX, Runtime, find_runtime, model_format
from core.spec import resolve_spec
from core.tensors import TensorInfo, identity_table, input_table, uniform_linear

__all__ = ["Classifier", "TFLiteClassifier", "TensorInfo", "input_table"]


class Classifier:
    """A loaded image classifier: ``predict(uint8 NHWC) -> float32 scores``."""

    format = "tflite"

    def __init__(self, runtime: Runtime, manifest: Manifest, model_path: Path,
                 inp: TensorInfo, out: TensorInfo) -> None:
        self.runtime = runtime
        self.manifest = manifest
        self.model_path = model_path
        self._hashing: Future[str] | None = None
        self._sha256 = ""
        self.size_bytes = model_path.stat().st_size
        self.input, self.output = inp, out
        self.layout = find_layout(inp.shape, manifest.layout)
        self._size = find_size(inp.shape, self.layout, manifest.height, manifest.width)
        table, order = input_table(manifest, inp)
        self._encoder = Encoder(table, order, self.layout)

    @classmethod
    def load(cls, model_path: str | Path, *, manifest_path: str | Path | None = None,
             labels: tuple[str, ...] | list[str] | None = None, threads: int | None = None,
             runtime: str = "auto", **overrides: Any) -> Classifier:
        """Load a model, its manifest (or labels) and check that they agree."""
        path, manifest = resolve_spec(Path(model_path), manifest_path, labels, overrides)
        fmt = model_format(path)
        rt = find_runtime(runtime, fmt, path.name)
        # The file's sha256 is read on a second thread while the runtime loads it: 0.33 s for
        # the 84 MB Xception here, which the cold start then does not wait for.
        with ThreadPoolExecutor(1, thread_name_prefix="sha256") as pool:
            hashing = pool.submit(sha256_of, path)
            if fmt == ONNX:
                from core.onnx import OnnxClassifier

                classifier: Classifier = OnnxClassifier.open(path, rt, manifest, threads or 1)
            else:
                classifier = TFLiteClassifier.open(path, rt, manifest, threads or 1)
            classifier._hashing = hashing
            classifier.check()
        return classifier

    @property
    def sha256(self) -> str:
        """The model file's hex sha256."""
        if not self._sha256:
            self._sha256 = self._hashing.result() if self._hashing else sha256_of(self.model_path)
        return self._sha256

    def check(self) -> None:
        """Fail at start-up when the model, the manifest and the labels disagree."""
        m = self.manifest
        outputs.check_labels(m.output, m.softmax, self.output.values, len(m.labels))
        if m.resize_shorter and m.resize_shorter < max(self._size):
            raise errors.ConfigError(f"preprocessing.resize_shorter {m.resize_shorter} is "
                                     f"smaller than the {self._size[0]}x{self._size[1]} crop")
        if m.sha256 and m.sha256 != self.sha256:
            raise errors.ConfigError(f"model file {self.model_path} sha256 {self.sha256} does not "
                                     f"match its manifest ({m.sha256})")

    @property
    def labels(self) -> tuple[str, ...]:
        """Class names in output order (indices as strings when the model has none)."""
        m = self.manifest
        count = outputs.score_count(m.output, m.softmax, self.output.values)
        return m.labels or tuple(str(i) for i in range(count))

    @property
    def input_size(self) -> tuple[int, int]:
        """(width, height) the model takes."""
        return self._size

    @property
    def input_dtype(self) -> Any:
        """The input tensor's NumPy dtype."""
        return self.input.dtype

    def predict(self, pixels: np.ndarray, preprocessed: bool = False) -> np.ndarray:
        """Scores (N, labels) float32 for uint8 pixels (N, H, W, 3) at the input size;
        ``preprocessed``: the model's input tensor itself (normalised, in the model's layout
        and dtype), passed as is."""
        if not self._fits(pixels, preprocessed):
            raise errors.ModelError(f"pixels of shape {pixels.shape} do not fit the model")
        m = self.manifest
        return outputs.finish(self._infer(pixels, preprocessed), m.output, m.softmax,
                              len(self.labels))

    def _fits(self, pixels: np.ndarray, preprocessed: bool) -> bool:
        if not preprocessed:
            width, height = self._size
            return pixels.ndim == 4 and pixels.shape[1:] == (height, width, 3)
        dims = self.input.shape[1:]
        return (pixels.ndim == len(self.input.shape) and pixels.dtype == self.input.dtype
                and all(want in (-1, got) for want, got in zip(dims, pixels.shape[1:],
                                                                strict=True)))

    def _infer(self, pixels: np.ndarray, as_is: bool = False) -> np.ndarray:
        """Raw outputs (N, values) float32 (``as_is``: ``pixels`` is the input tensor)."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:
        """Metadata for ``GET /model`` and ``python -m core info``."""
        m = self.manifest
        return {
            "name": m.name, "version": m.version, "labels": list(self.labels),
            "format": self.format, "layout": self.layout,
            "input": self.input.to_json(), "output": self.output.to_json(),
            "output_kind": m.output, "softmax": m.softmax,
            "preprocessing": {"resize": m.resize, "normalization": m.normalization,
                              "draft": m.draft, "color": m.color,
                              "resize_shorter": m.resize_shorter},
            "sha256": self.sha256, "size_bytes": self.size_bytes,
            "runtime": {"name": self.runtime.name, "version": self.runtime.version},
        }


def _tensor_info(detail: dict[str, Any]) -> TensorInfo:
    scale, zero = detail.get("quantization", (0.0, 0))
    return TensorInfo(tuple(int(x) for x in detail["shape"]), detail["dtype"], float(scale),
                      int(zero), str(detail.get("name", "")))


class TFLiteClassifier(Classifier):
    """A TFLite flatbuffer on LiteRT (or tflite-runtime, or tensorflow.lite)."""

    def __init__(self, interpreter: Any, runtime: Runtime, manifest: Manifest,
                 model_path: Path) -> None:
        inp = interpreter.get_input_details()[0]
        out = interpreter.get_output_details()[0]
        super().__init__(runtime, manifest, model_path, _tensor_info(inp), _tensor_info(out))
        self._interpreter = interpreter
        self._lock = threading.Lock()
        self._input_index, self._output_index = int(inp["index"]), int(out["index"])
        self._batch = self.input.shape[0]
        self._batchable = True
        self._table, self._order = self._encoder.table, self._encoder.order
        self._identity = bool(np.array_equal(self._table, identity_table(self._table.dtype))
                              and self._order == (0, 1, 2))
        self._linear = uniform_linear(self._table)
        self._shared_table = bool((self._table == self._table[0]).all())

    @classmethod
    def open(cls, path: Path, rt: Runtime, manifest: Manifest, threads: int) -> TFLiteClassifier:
        """The interpreter on ``path``; a file it cannot load is a ConfigError."""
        try:
            interpreter = rt.create(str(path), threads)
        except (ValueError, RuntimeError, OSError) as exc:
            raise errors.ConfigError(f"cannot load model {path}: {exc}") from exc
        return cls(interpreter, rt, manifest, path)

    def _infer(self, pixels: np.ndarray, as_is: bool = False) -> np.ndarray:
        """A batch resizes the input tensor once; a model whose graph fixes the batch (a
        reshape to [1, ...]) is run image by image instead."""
        with self._lock:
            if self._ensure_batch(pixels.shape[0]):
                return self._run(pixels, as_is)
            return np.concatenate([self._run(pixels[i:i + 1], as_is)
                                   for i in range(len(pixels))])

    def _run(self, pixels: np.ndarray, as_is: bool = False) -> np.ndarray:
        self._write_input(pixels, as_is)
        try:
            self._interpreter.invoke()
        except (RuntimeError, ValueError) as exc:
            raise errors.ModelError("the interpreter failed") from exc
        raw = self._interpreter.get_tensor(self._output_index)
        return self._dequantize(raw.reshape(raw.shape[0], -1))

    def _ensure_batch(self, batch: int) -> bool:
        """Make the input tensor take ``batch`` images; False when the model cannot."""
        if batch == self._batch:
            return True
        if not self._batchable and batch != 1:
            return self._ensure_batch(1) and False
        try:
            self._resize(batch)
        except (RuntimeError, ValueError):
            self._batchable = False
            self._resize(1)
            return batch == 1
        return True

    def _resize(self, batch: int) -> None:
        self._interpreter.resize_tensor_input(self._input_index, [batch, *self.input.shape[1:]])
        self._interpreter.allocate_tensors()
        self._batch = batch

    def _write_input(self, pixels: np.ndarray, as_is: bool = False) -> None:
        view = self._interpreter.tensor(self._input_index)()
        if as_is:
            np.copyto(view, pixels)
        elif self.layout == "NCHW":
            view[...] = self._encoder(pixels)
        elif self._identity:
            np.copyto(view, pixels, casting="unsafe")
        elif self._linear is not None:
            scale, offset = self._linear
            np.multiply(pixels if self._order == (0, 1, 2) else pixels[..., ::-1], scale, out=view)
            np.add(view, offset, out=view)
        elif self._shared_table:  # one gather over all channels (0.2 -> 0.07 ms at 224x224)
            ordered = pixels if self._order == (0, 1, 2) else pixels[..., ::-1]
            np.take(self._table[0], ordered, out=view, mode="clip")
        else:
            for channel, source in enumerate(self._order):
                view[..., channel] = self._table[channel][pixels[..., source]]
        del view  # the interpreter refuses to invoke while a view is alive

    def _dequantize(self, raw: np.ndarray) -> np.ndarray:
        if self.output.scale > 0 and raw.dtype.kind in "iu":
            result = raw.astype(np.float32)
            result -= np.float32(self.output.zero_point)
            result *= np.float32(self.output.scale)
            return result
        return raw.astype(np.float32, copy=False)
