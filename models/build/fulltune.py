"""Fine-tuning the whole backbone (all but its first blocks) on augmented train images.

The int8 MobileNetV2 is dequantised into Keras (:mod:`models.build.backbone`); a linear or MLP
head is first trained on the frozen int8 features, then backbone and head are trained together
on random resized crops and mirror images of the train photos, and the backbone is quantised
to int8 again with calibration images. Every random choice comes from ``seed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from convert import backend
from models.build import backbone as backbones
from models.build import tail as tails
from models.build.finetune import setup

F32 = NDArray[np.float32]
U8 = NDArray[np.uint8]


@dataclass(frozen=True)
class FullTuneConfig:
    """Hyperparameters; operators of the backbone before ``freeze`` keep their weights."""

    epochs: int = 8
    lr: float = 2e-4
    decay: float = 1e-4
    batch: int = 32
    freeze: int = 22  # operator 22 starts block 6 (28x28 -> 14x14): blocks 6-16 are trained
    smoothing: float = 0.1
    min_area: float = 0.35
    hidden: int = 0
    dropout: float = 0.2
    head_epochs: int = 30


def to_float(pixels: U8) -> F32:
    """uint8 pixels -> the float input of the Keras backbone ([-1, 1], as the int8 model maps)."""
    return (pixels.astype(np.float32) / np.float32(127.5) - np.float32(1.0)).astype(np.float32)


def boxes(count: int, cfg: FullTuneConfig, rng: np.random.Generator) -> F32:
    """Random resized crop boxes (y1, x1, y2, x2 in [0, 1]) with area in [min_area, 1]."""
    area = rng.uniform(cfg.min_area, 1.0, count)
    ratio = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3), count))
    width = np.minimum(np.sqrt(area * ratio), 1.0)
    height = np.minimum(np.sqrt(area / ratio), 1.0)
    left = rng.uniform(0.0, 1.0, count) * (1.0 - width)
    top = rng.uniform(0.0, 1.0, count) * (1.0 - height)
    flip = rng.random(count) < 0.5
    x1 = np.where(flip, left + width, left)  # a box with x2 < x1 is sampled mirrored
    x2 = np.where(flip, left, left + width)
    return np.stack([top, x1, top + height, x2], axis=1).astype(np.float32)


def augment(images: U8, rows: NDArray[np.intp], cfg: FullTuneConfig, size: int,
            rng: np.random.Generator) -> F32:
    """Random resized crops (mirrored half of the time) of ``images[rows]``, as float input."""
    tf = backend.tensorflow()
    crops = tf.image.crop_and_resize(
        images[rows].astype(np.float32), boxes(len(rows), cfg, rng),
        np.arange(len(rows), dtype=np.int32), (size, size), method="bilinear",
    )
    return to_float(np.clip(np.rint(crops.numpy()), 0, 255).astype(np.uint8))


def head(keras: Any, cfg: FullTuneConfig, classes: int, seed: int) -> Any:
    """Dropout + (optional ReLU layer) + dense logits, with layer names ``head0``/``head1``."""
    layers: list[Any] = [keras.layers.Dropout(cfg.dropout, seed=seed)]
    if cfg.hidden:
        layers += [keras.layers.Dense(cfg.hidden, activation="relu", name="head0"),
                   keras.layers.Dropout(cfg.dropout, seed=seed + 1)]
    layers.append(keras.layers.Dense(classes, name="head1"))
    return keras.Sequential(layers, name="head")


def _loss(keras: Any, cfg: FullTuneConfig) -> Any:
    return keras.losses.CategoricalCrossentropy(from_logits=True, label_smoothing=cfg.smoothing)


def train_head(keras: Any, model: Any, features: F32, labels: NDArray[np.int64],
               cfg: FullTuneConfig, seed: int) -> None:
    """Warm-up: the head alone on frozen pooled features."""
    steps = cfg.head_epochs * -(-len(labels) // 128)
    model.compile(
        optimizer=keras.optimizers.AdamW(
            keras.optimizers.schedules.CosineDecay(1e-3, steps), weight_decay=1e-2),
        loss=_loss(keras, cfg),
    )
    order = np.random.default_rng(seed).permutation(len(labels))
    onehot = np.eye(int(model.output_shape[-1]), dtype=np.float32)[labels[order]]
    model.fit(features[order], onehot, batch_size=128, epochs=cfg.head_epochs, verbose=0)


def train(blob: bytes, large: U8, labels: NDArray[np.int64], features: F32,
          feature_labels: NDArray[np.int64], cfg: FullTuneConfig, seed: int,
          log: Any = print) -> tuple[Any, Any]:
    """(backbone, head) Keras models fine-tuned on ``large`` (uint8 images, one per label)."""
    keras = setup(seed)
    classes = int(labels.max()) + 1
    net = backbones.keras_backbone(blob)
    top = head(keras, cfg, classes, seed)
    top.build((None, features.shape[-1]))
    train_head(keras, top, features, feature_labels, cfg, seed)
    log(f"  head trained ({cfg.head_epochs} epochs on frozen int8 features)")
    if cfg.epochs == 0:
        return net, top
    for layer in net.layers:
        if layer.name.startswith("op") and int(layer.name[2:]) < cfg.freeze:
            layer.trainable = False
    model = keras.Sequential([net, top])
    steps = cfg.epochs * -(-len(labels) // cfg.batch)
    model.compile(
        optimizer=keras.optimizers.AdamW(
            keras.optimizers.schedules.CosineDecay(cfg.lr, steps), weight_decay=cfg.decay),
        loss=_loss(keras, cfg), metrics=["accuracy"],
    )
    rng = np.random.default_rng(seed + 11)
    size = int(net.input_shape[1])
    eye = np.eye(classes, dtype=np.float32)
    for epoch in range(cfg.epochs):
        order = rng.permutation(len(labels))
        loss, acc = [], []
        for start in range(0, len(order), cfg.batch):
            rows = order[start : start + cfg.batch]
            x = augment(large, rows, cfg, size, rng)
            result = model.train_on_batch(x, eye[labels[rows]], return_dict=True)
            loss.append(result["loss"])
            acc.append(result["accuracy"])
        log(f"  epoch {epoch + 1}/{cfg.epochs}: loss {np.mean(loss):.4f} acc {np.mean(acc):.4f}")
    return net, top


def predict(net: Any, top: Any, pixels: U8) -> F32:
    """Float (Keras) class probabilities of served uint8 pixels."""
    logits = top.predict(net.predict(to_float(pixels), batch_size=32, verbose=0), verbose=0)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    out: F32 = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    return out


def quantise(net: Any, calibration: U8) -> bytes:
    """Full-integer ``.tflite`` of the backbone: uint8 pixels in, int8 pooled features out."""
    return tails.quantise(net, to_float(calibration), io=("uint8", "int8"))
