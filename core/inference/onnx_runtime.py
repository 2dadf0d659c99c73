"""ONNX models on ONNX Runtime (the optional ``onnx`` extra), behind the Classifier interface.

The session options and the lock choice below were measured with ``benchmarks/onnx_runtime.py``
(``make bench-onnx``) on the lesson's Xception (299x299, float32, from tf2onnx), MODEL_THREADS=2,
on this 2-core machine while other work shared it (load average 2 to 10: an Xception run took
0.2-3 s); two runs are given, and the ratios, measured interleaved, are what carry over.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from typing import Any

import numpy as np

from core import errors
from core.inference.classifier import Classifier
from core.inference.manifest import Manifest
from core.inference.onnx_header import OnnxHeader, read_header
from core.inference.runtimes import Runtime
from core.inference.tensor_info import TensorInfo
from core.paths import name

_DTYPES: dict[str, Any] = {"tensor(float)": np.float32, "tensor(float16)": np.float16,
                           "tensor(uint8)": np.uint8, "tensor(double)": np.float64}
_INPUT_DTYPES = ("tensor(float)", "tensor(float16)", "tensor(uint8)")
# Graph optimisation level: fresh session per level, 8 photos, medians of interleaved rounds.
#                 quieter run (load ~2)               loaded run (load ~10)
#   level         create   first    steady            create   first    steady
#   DISABLE_ALL   0.19 s   539 ms   416 ms            0.99 s   2162 ms  2169 ms
#   BASIC         0.19 s   437 ms   417 ms            0.84 s   2584 ms  2025 ms
#   EXTENDED      0.15 s   417 ms   408 ms            0.43 s   1147 ms  1889 ms
#   ALL           0.21 s   368 ms   389 ms   <- kept  1.51 s   1323 ms  1460 ms
# ALL has the fastest steady run in both (5% and 23% under EXTENDED) and the fastest first
# run when quiet; its extra creation time (the NCHWc layout pass) is paid once, at start-up.
OPTIMIZATION = "ORT_ENABLE_ALL"
# One shared session, no lock: InferenceSession.run is thread-safe. Images per second (median
# ms per call), MODEL_THREADS=2; answers equal to the serial ones in every case:
#              quieter run                          loaded run
#   clients    no lock          lock                no lock          lock
#   1          5.09 (238 ms)    4.69 (270 ms)       0.20 (4905 ms)   0.32 (3099 ms)
#   2          4.92 (460 ms)    4.64 (301 ms)       0.54 (3596 ms)   0.37 (2961 ms)
#   4          4.01 (987 ms)    3.56 (533 ms)       0.74 (5166 ms)   0.43 (4565 ms)
#   8          3.66 (2243 ms)   7.13 (1018 ms)      0.86 (8757 ms)   0.56 (6546 ms)
# At 1 client both run the same path (the spread is the machine's noise); at 2 and 4 clients
# no lock wins in both runs (6-70% more images per second); at 8 the runs disagree (the load
# fell during the quiet run's lock rows: 7.13/s is above any 1-client rate). No lock also lets
# one request's decode overlap another's inference. Kept: no lock.
LOCKED = False


def session_options(ort: Any, threads: int) -> Any:
    """CPU session options: MODEL_THREADS intra-op threads, one inter-op thread."""
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = getattr(ort.GraphOptimizationLevel, OPTIMIZATION)
    options.log_severity_level = 3  # errors only: no warnings on stderr at start-up
    return options


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else exc.__class__.__name__)[:300]


def _shape(dims: Any) -> tuple[int, ...]:
    return tuple(d if isinstance(d, int) and d > 0 else -1 for d in (dims or ()))


def _pick(args: list[Any], wanted: str, what: str) -> Any:
    names = ", ".join(arg.name for arg in args)
    if wanted:
        for arg in args:
            if arg.name == wanted:
                return arg
        raise errors.ConfigError(f"manifest {what}.name {wanted!r} is not one of the model's "
                                 f"{what}s: {names}")
    if len(args) != 1:
        raise errors.ConfigError(f"the model has {len(args)} {what}s ({names}); name the one to "
                                 f"use with {what}.name in the manifest")
    return args[0]


def _input(session: Any, manifest: Manifest) -> TensorInfo:
    args = session.get_inputs()
    arg = _pick(args, manifest.input_name, "input")
    others = [a.name for a in args if a.name != arg.name]
    if others:
        raise errors.ConfigError(f"the model also needs input(s) {', '.join(others)} besides "
                                 f"{arg.name}; only models with one image input can be served")
    if arg.type not in _INPUT_DTYPES:
        raise errors.ConfigError(f"model input {arg.name} is {arg.type}; float32, float16 and "
                                 "uint8 inputs are supported")
    return TensorInfo(_shape(arg.shape), _DTYPES[arg.type], 0.0, 0, arg.name)


def _output(session: Any, manifest: Manifest) -> TensorInfo:
    arg = _pick(session.get_outputs(), manifest.output_name, "output")
    if arg.type not in _DTYPES:
        raise errors.ConfigError(f"model output {arg.name} is {arg.type}, not a float tensor")
    return TensorInfo(_shape(arg.shape), _DTYPES[arg.type], 0.0, 0, arg.name)


class OnnxClassifier(Classifier):
    """An ONNX model on one shared ONNX Runtime CPU session."""

    format = "onnx"
    serial = LOCKED  # the shared session runs requests side by side unless LOCKED

    def __init__(self, session: Any, runtime: Runtime, manifest: Manifest, model_path: str,
                 header: OnnxHeader) -> None:
        super().__init__(runtime, manifest, model_path, _input(session, manifest),
                         _output(session, manifest))
        self._session = session
        self._header = header
        self._fetch = [self.output.name]
        self._feed = self.input.name
        self._batchable = self.input.shape[0] != 1
        self._lock: Any = threading.Lock() if LOCKED else contextlib.nullcontext()
        if -1 in self.output.shape[1:] or len(self.output.shape) < 2:
            self._warm_up()

    @classmethod
    def open(cls, path: str, rt: Runtime, manifest: Manifest, threads: int) -> OnnxClassifier:
        """A CPU session on ``path``; a file ONNX Runtime cannot load is a ConfigError."""
        header = read_header(path)
        ort = importlib.import_module("onnxruntime")
        try:
            session = rt.interpreter_class(path, sess_options=session_options(ort, threads),
                                           providers=["CPUExecutionProvider"])
        except Exception as exc:  # ONNX Runtime's own exception types vary by version
            raise errors.ConfigError(f"cannot load model {name(path)}: ONNX Runtime says "
                                     f"{_first_line(exc)}") from exc
        return cls(session, rt, manifest, path, header)

    def _warm_up(self) -> None:
        """Run one blank image at start-up to learn a symbolic output size (a model that cannot
        run then fails here). A model whose output size is fixed skips it: the cold start then
        holds one run, the request's, as the bare session's does (one Xception run is
        ~0.1 s idle, over a second on a loaded machine)."""
        width, height = self.input_size
        try:
            raw = self._run(np.zeros((1, height, width, 3), np.uint8))
        except errors.ModelError as exc:
            raise errors.ConfigError(f"model {name(self.model_path)} fails on a blank image: "
                                     f"{exc.__cause__ or exc}") from exc
        out = self.output
        self.output = TensorInfo((-1, raw.shape[1]), out.dtype, 0.0, 0, out.name)

    def _infer(self, pixels: np.ndarray, as_is: bool = False) -> np.ndarray:
        if self._batchable or len(pixels) == 1:
            return self._run(pixels, as_is)
        return np.concatenate([self._run(pixels[i:i + 1], as_is) for i in range(len(pixels))])

    def _run(self, pixels: np.ndarray, as_is: bool = False) -> np.ndarray:
        feed = {self._feed: pixels if as_is else self._encoder(pixels)}
        try:
            with self._lock:
                raw = self._session.run(self._fetch, feed)[0]
        except Exception as exc:  # ONNX Runtime raises its own pybind exception types
            raise errors.ModelError("the ONNX Runtime session failed") from exc
        return np.asarray(raw).reshape(len(pixels), -1).astype(np.float32, copy=False)

    def describe(self) -> dict[str, Any]:
        """The common metadata plus the ONNX opset and producer."""
        h = self._header
        return {**super().describe(), "onnx": {
            "opset": h.opset, "opsets": h.opsets, "ir_version": h.ir_version,
            "producer": h.producer_name, "producer_version": h.producer_version,
            "external_data": list(self.sidecars)}}
