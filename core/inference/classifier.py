"""The Classifier interface: one model per process, loaded once, shared by every request.

A classifier takes uint8 RGB pixels (N, H, W, 3) at its input size and answers float32 scores
(``core.inference.scores``). The runtimes implement ``_infer``: LiteRT for TFLite files
(``core.inference.litert``), ONNX Runtime for ONNX files (``core.inference.onnx_runtime``);
``core.inference.loader.load_classifier`` picks one by the file's first bytes.

The input is encoded through a per-channel lookup table that folds the normalisation and the
tensor's quantisation into one gather (``core.inference.input_encoding``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from core import errors
from core.inference import scores
from core.inference.external_data import identity, total_bytes
from core.inference.input_encoding import Encoder, input_table
from core.inference.input_shape import find_layout, find_size
from core.inference.manifest import Manifest
from core.inference.runtimes import Runtime
from core.inference.tensor_info import TensorInfo

if TYPE_CHECKING:
    from core.inference.background import Background

MISMATCH = ("the model file is not the one its manifest names (sha256 mismatch; the model_hash "
            "log line has the details)")


class Classifier:
    """A loaded image classifier: ``predict(uint8 NHWC) -> float32 scores``."""

    format = "tflite"

    def __init__(self, runtime: Runtime, manifest: Manifest, model_path: str,
                 inp: TensorInfo, out: TensorInfo) -> None:
        self.runtime = runtime
        self.manifest = manifest
        self.model_path = model_path
        self._hashing: Background[str] | None = None
        self._sha256 = ""
        self.sidecars: tuple[str, ...] = ()  # external data files, relative to the model's folder
        self.manifest_file: str | None = None  # the manifest read, if any (set by the loader)
        self.given: frozenset[str] = frozenset()  # manifest fields a setting or argument gave
        # the load's parts in ms: create (the runtime reads the file and builds its
        # interpreter or session), hash (sha256 on its own thread, overlapping create)
        self.load_ms: dict[str, float] = {}
        self.input, self.output = inp, out
        self.layout = find_layout(inp.shape, manifest.layout)
        self._size = find_size(inp.shape, self.layout, manifest.height, manifest.width)
        table, order = input_table(manifest, inp)
        self._encoder = Encoder(table, order, self.layout)

    @property
    def sha256(self) -> str:
        """The model's hex identity: the file's sha256, with its sidecars when it has any
        (``core.inference.external_data``)."""
        if not self._sha256:
            if self._hashing is None:
                self._sha256 = identity(self.model_path, self.sidecars)
            else:
                try:
                    self._sha256 = self._hashing.result()  # waits for the background hash
                except errors.ConfigError as exc:
                    raise errors.ModelError(MISMATCH) from exc
        return self._sha256

    @property
    def size_bytes(self) -> int:
        """The bytes of the model file and its sidecars."""
        return total_bytes(self.model_path, self.sidecars)

    def check(self) -> None:
        """Fail at start-up when the model, the manifest and the labels disagree."""
        m = self.manifest
        scores.check_labels(m.output, m.softmax, self.output.values, len(m.labels))
        if m.resize_shorter and m.resize_shorter < max(self._size):
            raise errors.ConfigError(f"preprocessing.resize_shorter {m.resize_shorter} is "
                                     f"smaller than the {self._size[0]}x{self._size[1]} crop")
        # the manifest's sha256 is checked by the hashing thread (core.inference.loader)

    def start_hash(self, then: Callable[[], None] | None = None, delay: float = 0.0) -> None:
        """Start the background sha256 (after ``delay`` seconds) if it has not started;
        ``then`` runs on its thread when it ends (at once if it has)."""
        if self._hashing is not None:
            self._hashing.start(delay)
            if then is not None:
                self._hashing.then(then)
        elif then is not None:
            then()

    def join_hash(self) -> None:
        """Wait for the background sha256 (starting it) and what runs when it ends."""
        if self._hashing is not None:
            self._hashing.settle()

    @property
    def hashed(self) -> bool:
        """Whether the background sha256 has ended, either way (never waits)."""
        return self._hashing is None or self._hashing.done()

    @property
    def hash_ms(self) -> float | None:
        """How long the background sha256 took, once it has ended."""
        return round(self._hashing.seconds * 1000, 1) if self._hashing and self.hashed else None

    def hash_failure(self) -> str | None:
        """Why the file is not the manifest's, once the background sha256 has shown it."""
        if self._hashing is None or not self._hashing.failed():
            return None
        try:
            self._hashing.result()
        except Exception as exc:  # the mismatch (ConfigError) or the file's read failing
            return str(exc)
        return None

    @property
    def labels(self) -> tuple[str, ...]:
        """Class names in output order (indices as strings when the model has none)."""
        m = self.manifest
        count = scores.score_count(m.output, m.softmax, self.output.values)
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
        if self._hashing is not None and self._hashing.failed():
            raise errors.ModelError(MISMATCH)
        if not self._fits(pixels, preprocessed):
            raise errors.ModelError(f"pixels of shape {pixels.shape} do not fit the model")
        m = self.manifest
        return scores.finish(self._infer(pixels, preprocessed), m.output, m.softmax,
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
