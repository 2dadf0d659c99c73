"""TFLite models on LiteRT (or tflite-runtime, or tensorflow.lite), behind the Classifier interface.

Concurrency: one interpreter guarded by a lock. A TFLite interpreter is not safe to invoke from
two threads at once; one interpreter per thread would multiply the tensor arena and oversubscribe
the CPUs (each invoke already uses ``MODEL_THREADS`` threads), so serial invokes are as fast in
total on a small function and cost one arena. Fetching and decoding still run concurrently.

The input is written straight into the interpreter's tensor through the lookup table (or its
shortcuts: identity, one line for every channel, one shared table); outputs are dequantised with
the tensor's own scale and zero point.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from core import errors
from core.inference.classifier import Classifier
from core.inference.input_encoding import identity_table, uniform_linear
from core.inference.manifest import Manifest
from core.inference.runtimes import Runtime
from core.inference.tensor_info import TensorInfo


def _tensor_info(detail: dict[str, Any]) -> TensorInfo:
    scale, zero = detail.get("quantization", (0.0, 0))
    return TensorInfo(tuple(int(x) for x in detail["shape"]), detail["dtype"], float(scale),
                      int(zero), str(detail.get("name", "")))


class TFLiteClassifier(Classifier):
    """A TFLite flatbuffer on LiteRT (or tflite-runtime, or tensorflow.lite)."""

    def __init__(self, interpreter: Any, runtime: Runtime, manifest: Manifest,
                 model_path: str) -> None:
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
    def open(cls, path: str, rt: Runtime, manifest: Manifest, threads: int) -> TFLiteClassifier:
        """The interpreter on ``path``; a file it cannot load is a ConfigError."""
        try:
            interpreter = rt.create(path, threads)
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
            _write_levels(view, pixels)
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


def _write_levels(view: np.ndarray, pixels: np.ndarray) -> None:
    """Pixel levels into the tensor as ``identity_table`` maps them: as they are, or shifted by
    -128 for int8 (flipping the top bit of each byte is exactly ``level - 128``)."""
    if view.dtype == np.int8:
        np.bitwise_xor(pixels, np.uint8(0x80), out=view.view(np.uint8))
    else:
        np.copyto(view, pixels)  # uint8 or float: every level is exact, nothing can wrap
