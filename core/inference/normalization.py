"""Normalisation families: how a model expects its RGB pixels scaled before the first layer.

Each family is a per-channel affine map (value = pixel * scale + offset, in RGB or BGR order), so
the input encoder folds it into one lookup table with the tensor's quantisation
(``core.inference.input_encoding``); ``normalize`` applies it to an array for callers that need
the float tensor itself (convert, parity checks, the model build).
"""

from __future__ import annotations

import numpy as np

from core import errors

# Normalisation families as (channel order, scale, offset): value = pixel * scale + offset.
_IMAGENET_MEAN = np.array([0.485, 0.456, 0.406]) * 255.0
_IMAGENET_STD = np.array([0.229, 0.224, 0.225]) * 255.0
_CAFFE_MEAN_BGR = np.array([103.939, 116.779, 123.68])
FAMILIES: dict[str, tuple[str, np.ndarray, np.ndarray]] = {
    "none": ("RGB", np.ones(3), np.zeros(3)),
    "efficientnet": ("RGB", np.ones(3), np.zeros(3)),
    "mobilenet": ("RGB", np.full(3, 1 / 127.5), np.full(3, -1.0)),
    "torch": ("RGB", 1.0 / _IMAGENET_STD, -_IMAGENET_MEAN / _IMAGENET_STD),
    "caffe": ("BGR", np.ones(3), -_CAFFE_MEAN_BGR),
}
ALIASES = {"xception": "mobilenet", "inception": "mobilenet", "resnet50": "caffe",
           "vgg16": "caffe"}


def affine(family: str) -> tuple[str, np.ndarray, np.ndarray]:
    """(channel order, per-channel scale, per-channel offset) of a normalisation family."""
    name = ALIASES.get(family, family)
    if name not in FAMILIES:
        raise errors.ConfigError(f"unknown normalisation {family!r}")
    return FAMILIES[name]


def normalize(pixels: np.ndarray, family: str) -> np.ndarray:
    """Apply a Keras-style normalisation to uint8 RGB pixels (..., H, W, 3): float32."""
    order, scale, offset = affine(family)
    data = pixels[..., ::-1] if order == "BGR" else pixels
    return (data.astype(np.float32) * scale.astype(np.float32)) + offset.astype(np.float32)
