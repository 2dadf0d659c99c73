"""Frozen backbone features of the clothing images, computed with the served image pipeline."""

from __future__ import annotations

import hashlib
import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from ai_edge_litert.interpreter import Interpreter
from numpy.typing import NDArray

from models.build import CACHE_DIR, LABELS, require

F32 = NDArray[np.float32]
Loader = Callable[[bytes, tuple[int, int], str], NDArray[np.uint8]]
RESAMPLE = "bilinear"
NORMALIZATION = "mobilenet"


@dataclass(frozen=True)
class Backbone:
    """A pretrained TFLite model and the tensor holding its pooled image features."""

    name: str
    file: str
    feature_tensor: int
    size: int = 224


BACKBONES: dict[str, Backbone] = {
    "mobilenet_v2_tf2": Backbone("mobilenet_v2_tf2", "tf2_mobilenet_v2_1.0_224_ptq.tflite", 172),
    "mobilenet_v2": Backbone("mobilenet_v2", "mobilenet_v2_1.0_224_quant.tflite", 169),
    "mobilenet_v1": Backbone(
        "mobilenet_v1", "mobilenet_v1_1.0_224_quant_embedding_extractor.tflite", 82
    ),
}


def image_loader() -> Loader:
    """The server's decoder/resizer ``core.images.decode.load_rgb``."""
    from core.images.resize import load_rgb

    return load_rgb


def list_split(data_dir: Path, split: str) -> tuple[list[Path], NDArray[np.int64]]:
    """Sorted image paths of ``data_dir/split/<class>/*.jpg`` and their label indices."""
    paths: list[Path] = []
    labels: list[int] = []
    for index, label in enumerate(LABELS):
        files = sorted(require(data_dir / split / label).glob("*.jpg"))
        paths += files
        labels += [index] * len(files)
    return paths, np.asarray(labels, dtype=np.int64)


def input_mapper(detail: dict[str, Any]) -> Callable[[NDArray[np.uint8]], NDArray[Any]]:
    """Pixels -> input tensor exactly as the server maps them
    (``core.inference.input_encoding.input_table``)."""
    from core.inference.input_encoding import input_table
    from core.inference.manifest import Manifest
    from core.inference.tensor_info import TensorInfo

    scale, zero_point = detail["quantization"]
    info = TensorInfo(tuple(int(d) for d in detail["shape"]), detail["dtype"], scale, zero_point)
    table, order = input_table(Manifest(file="model.tflite", normalization=NORMALIZATION), info)

    def apply(rgb: NDArray[np.uint8]) -> NDArray[Any]:
        channels = [table[c][rgb[..., source]] for c, source in enumerate(order)]
        return np.stack(channels, axis=-1)[None]

    return apply


class Extractor:
    """Runs a backbone and returns its dequantised pooled features for one image."""

    def __init__(self, backbone: Backbone, model_dir: Path, threads: int = 2) -> None:
        path = require(model_dir / backbone.file)
        self.backbone = backbone
        self.interpreter = Interpreter(
            str(path), num_threads=threads, experimental_preserve_all_tensors=True
        )
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.to_input = input_mapper(self.input)
        feature = self.interpreter.get_tensor_details()[backbone.feature_tensor]
        self.scale, self.zero_point = feature["quantization"]

    def __call__(self, rgb: NDArray[np.uint8]) -> NDArray[np.float32]:
        self.interpreter.set_tensor(self.input["index"], self.to_input(rgb))
        self.interpreter.invoke()
        raw = self.interpreter.get_tensor(self.backbone.feature_tensor).reshape(-1)
        values: F32 = np.asarray(raw, dtype=np.float32)
        if self.scale:
            values = (values - np.float32(self.zero_point)) * np.float32(self.scale)
        return values


def _cache_key(backbone: Backbone, paths: Sequence[Path], loader: Loader) -> str:
    """Digest of everything the features depend on: backbone, pipeline code, image files."""
    digest = hashlib.sha256(f"{backbone}|{RESAMPLE}|{NORMALIZATION}".encode())
    for function in (loader, input_mapper):
        module = inspect.getmodule(function)
        digest.update(inspect.getsource(module if module else function).encode())
    digest.update(inspect.getsource(input_table_module()).encode())
    for path in paths:
        digest.update(f"{path}|{path.stat().st_size}|{path.stat().st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


def input_table_module() -> ModuleType:
    """The core module that maps pixels onto the input tensor (part of the cache key)."""
    import core.inference.input_encoding

    return core.inference.input_encoding


def compute(
    extractor: Extractor, paths: Sequence[Path], loader: Loader, flip: bool
) -> NDArray[np.float32]:
    """Features of every image (and of its mirror image when ``flip``), stacked row-wise."""
    from tqdm import tqdm

    size = (extractor.backbone.size, extractor.backbone.size)
    rows: list[NDArray[np.float32]] = []
    for path in tqdm(paths, desc=extractor.backbone.name, unit="img", leave=False):
        rgb = loader(path.read_bytes(), size, RESAMPLE)
        rows.append(extractor(rgb[:, ::-1] if flip else rgb))
    return np.stack(rows)


def cached_features(
    extractor: Extractor, paths: Sequence[Path], loader: Loader, flip: bool
) -> NDArray[np.float32]:
    """:func:`compute` with an on-disk cache under ``build/`` keyed by inputs and code."""
    key = _cache_key(extractor.backbone, paths, loader)
    path = CACHE_DIR / f"{extractor.backbone.name}-{key}-{'flip' if flip else 'orig'}.npy"
    if path.exists():
        cached: NDArray[np.float32] = np.load(path)
        return cached
    features = compute(extractor, paths, loader, flip)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, features)
    return features
