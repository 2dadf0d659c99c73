"""Backbone activations of augmented train images at the cut point of the fine-tuned tail.

The int8 backbone runs once per (image, augmented copy); the activation entering the last
inverted-residual block (``CUT``, int8 [7, 7, 160]) and the pooled features (``POOL``) are cached
so the tail can be fine-tuned on them without running the frozen blocks again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ai_edge_litert.interpreter import Interpreter
from numpy.typing import NDArray
from PIL import Image

from models.build import CACHE_DIR, graph
from models.build.features import RESAMPLE, image_loader, input_mapper

CUT = 167  # input of block 16 (after the last residual ADD), int8 [1, 7, 7, 160]
POOL = 172  # global average pool, int8 [1, 1, 1, 1280]
SIZE = 224
LARGE = 288  # crops are taken from the image loaded at this size


@dataclass(frozen=True)
class Activations:
    """Per image and copy (copy 0: as served, 1: mirrored, 2+: random crops)."""

    cut: NDArray[np.int8]  # [images, copies, 7, 7, 160]
    pooled: NDArray[np.float32]  # [images, copies, 1280], dequantised
    cut_scale: float
    cut_zero_point: int


def crop_boxes(count: int, copies: int, seed: int) -> NDArray[np.float64]:
    """Fixed random crop boxes (left, top, right, bottom, flip) in ``LARGE`` pixels."""
    rng = np.random.default_rng(seed)
    area = rng.uniform(0.55, 1.0, (count, copies))
    ratio = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3), (count, copies)))
    width = np.minimum(np.sqrt(area * ratio), 1.0) * LARGE
    height = np.minimum(np.sqrt(area / ratio), 1.0) * LARGE
    left = rng.uniform(0.0, 1.0, (count, copies)) * (LARGE - width)
    top = rng.uniform(0.0, 1.0, (count, copies)) * (LARGE - height)
    flip = rng.random((count, copies)) < 0.5
    return np.stack([left, top, left + width, top + height, flip], axis=-1)


def augmented(data: bytes, boxes: NDArray[np.float64]) -> list[NDArray[np.uint8]]:
    """The served pixels, their mirror image, then one crop per box (resized to 224)."""
    load = image_loader()
    served = load(data, (SIZE, SIZE), RESAMPLE)
    images = [served, served[:, ::-1]]
    if len(boxes):
        large = Image.fromarray(load(data, (LARGE, LARGE), RESAMPLE))
        for left, top, right, bottom, flip in boxes:
            box = (float(left), float(top), float(right), float(bottom))
            crop = large.resize((SIZE, SIZE), Image.Resampling.BILINEAR, box=box)
            pixels = np.asarray(crop, dtype=np.uint8)
            images.append(pixels[:, ::-1] if flip else pixels)
    return images


def two_outputs(blob: bytes) -> bytes:
    """The backbone pruned after ``POOL``, with outputs ``CUT`` and ``POOL`` (in that order)."""
    model = graph.load(blob)
    name = model.subgraphs[0].tensors[CUT].name
    pool = graph.prune(model, POOL)
    tensors = model.subgraphs[0].tensors
    cut = next(index for index, tensor in enumerate(tensors) if tensor.name == name)
    model.subgraphs[0].outputs = [cut, pool]
    return graph.dump(model, "backbone cut and pooled features")


class Runner:
    """The int8 backbone returning the ``CUT`` activation and the ``POOL`` features."""

    def __init__(self, model: Path, threads: int = 2) -> None:
        self.interpreter = Interpreter(
            model_content=two_outputs(model.read_bytes()), num_threads=threads
        )
        self.interpreter.allocate_tensors()
        self.input = self.interpreter.get_input_details()[0]
        self.to_input = input_mapper(self.input)
        cut, pool = self.interpreter.get_output_details()
        self.cut_index, self.pool_index = cut["index"], pool["index"]
        self.cut_q, self.pool_q = cut["quantization"], pool["quantization"]

    def __call__(self, rgb: NDArray[np.uint8]) -> tuple[NDArray[np.int8], NDArray[np.float32]]:
        self.interpreter.set_tensor(self.input["index"], self.to_input(rgb))
        self.interpreter.invoke()
        cut = self.interpreter.get_tensor(self.cut_index)[0].copy()
        raw = self.interpreter.get_tensor(self.pool_index).reshape(-1).astype(np.float32)
        scale, zero_point = self.pool_q
        return cut, ((raw - np.float32(zero_point)) * np.float32(scale)).astype(np.float32)


def _key(model: Path, paths: Sequence[Path], copies: int, seed: int) -> str:
    digest = hashlib.sha256(f"{model.name}|{model.stat().st_size}|{copies}|{seed}".encode())
    for path in paths:
        digest.update(f"{path}|{path.stat().st_size}|{path.stat().st_mtime_ns}".encode())
    for module in ("core/images/decode.py", "core/images/resize.py", "core/images/rgb.py",
                   "core/inference/input_encoding.py", "core/inference/litert.py",
                   "models/build/activations.py"):
        digest.update((Path(__file__).resolve().parents[2] / module).read_bytes())
    return digest.hexdigest()[:16]


def compute(model: Path, paths: Sequence[Path], crops: int, seed: int) -> Activations:
    """Activations of every image: copies ``2 + crops`` per image."""
    from tqdm import tqdm

    runner = Runner(model)
    boxes = crop_boxes(len(paths), crops, seed)
    cuts: list[NDArray[np.int8]] = []
    pools: list[NDArray[np.float32]] = []
    for index, path in enumerate(tqdm(paths, desc="activations", unit="img", mininterval=30)):
        outputs = [runner(rgb) for rgb in augmented(path.read_bytes(), boxes[index])]
        cuts.append(np.stack([cut for cut, _ in outputs]))
        pools.append(np.stack([pool for _, pool in outputs]))
    scale, zero_point = runner.cut_q
    return Activations(np.stack(cuts), np.stack(pools), float(scale), int(zero_point))


def cached(model: Path, paths: Sequence[Path], crops: int, seed: int) -> Activations:
    """:func:`compute` with an on-disk cache under ``build/model-cache``."""
    path = CACHE_DIR / f"acts-{_key(model, paths, crops, seed)}.npz"
    if path.exists():
        with np.load(path) as data:
            return Activations(
                data["cut"], data["pooled"], float(data["scale"]), int(data["zero_point"])
            )
    acts = compute(model, paths, crops, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path, cut=acts.cut, pooled=acts.pooled, scale=acts.cut_scale, zero_point=acts.cut_zero_point
    )
    return acts
