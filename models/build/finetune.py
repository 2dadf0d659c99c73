"""Fine-tuning the backbone's last block and the head on cached, augmented activations.

Phase 1 trains the head alone on the cached pooled features of every copy (the frozen tail).
Phase 2 trains tail and head together: each epoch sees one randomly chosen copy of every image
(served, mirrored or one of the fixed random crops), optionally mirrored again at the cut.
All randomness comes from ``seed``; TensorFlow runs with deterministic ops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from convert import backend
from models.build import tail as tails
from models.build.activations import Activations

F32 = NDArray[np.float32]
CALIBRATION_STEP = 8  # every 8th train image (served copy) calibrates the requantised tail


@dataclass(frozen=True)
class TuneConfig:
    """Hyperparameters of the fine-tuning (``epochs == 0``: head only, tail frozen)."""

    hidden: int = 256
    dropout: float = 0.5
    head_epochs: int = 30
    epochs: int = 8
    lr: float = 1e-4
    decay: float = 1e-4
    batch: int = 32
    cut_flip: bool = True
    flip_average: bool = False


def setup(seed: int) -> Any:
    """Keras with seeded, deterministic, two-thread TensorFlow."""
    tf = backend.tensorflow()
    keras = backend.keras3()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(2)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # TensorFlow already started in this process (the test suite)
        pass
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    return keras


def dequantise(acts: Activations, rows: NDArray[np.intp], copies: NDArray[np.intp]) -> F32:
    """Float cut activations of ``(rows[i], copies[i])``."""
    raw = acts.cut[rows, copies].astype(np.float32)
    return ((raw - np.float32(acts.cut_zero_point)) * np.float32(acts.cut_scale)).astype(np.float32)


def _head(keras: Any, cfg: TuneConfig, classes: int, seed: int) -> Any:
    return keras.Sequential(
        [
            keras.layers.Dropout(cfg.dropout, seed=seed),
            keras.layers.Dense(cfg.hidden, activation="relu", name="head0"),
            keras.layers.Dropout(cfg.dropout, seed=seed + 1),
            keras.layers.Dense(classes, name="head1"),
        ],
        name="head",
    )


def _schedule(keras: Any, lr: float, steps: int) -> Any:
    return keras.optimizers.schedules.CosineDecay(lr, max(steps, 1))


def _train_head(keras: Any, head: Any, acts: Activations, rows: Any, labels: Any, cfg: TuneConfig,
                seed: int) -> None:
    copies = acts.pooled.shape[1]
    x = acts.pooled[rows].reshape(-1, acts.pooled.shape[-1])
    y = np.repeat(labels[rows], copies)
    steps = cfg.head_epochs * -(-len(y) // 128)
    head.compile(
        optimizer=keras.optimizers.AdamW(_schedule(keras, 1e-3, steps), weight_decay=1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    head.fit(x[order], y[order], batch_size=128, epochs=cfg.head_epochs, verbose=0, shuffle=True)


def _epoch_batches(
    acts: Activations, rows: NDArray[np.intp], labels: Any, cfg: TuneConfig,
    rng: np.random.Generator,
) -> tuple[F32, NDArray[np.int64]]:
    order = rng.permutation(rows)
    copies = rng.integers(0, acts.cut.shape[1], len(order))
    x = dequantise(acts, order, copies)
    if cfg.cut_flip:
        mirror = rng.random(len(order)) < 0.5
        x[mirror] = x[mirror][:, :, ::-1, :]
    return x, labels[order]


def train(
    acts: Activations, labels: NDArray[np.int64], rows: NDArray[np.intp], layers: list[Any],
    cfg: TuneConfig, seed: int, log: Any = print,
) -> tuple[Any, Any]:
    """(tail, head) Keras models trained on ``rows``; the tail starts from ``layers``."""
    keras = setup(seed)
    classes = int(labels.max()) + 1
    tail = tails.keras_tail(layers, acts.cut.shape[2:], cfg.flip_average)
    head = _head(keras, cfg, classes, seed)
    head.build((None, acts.pooled.shape[-1]))
    _train_head(keras, head, acts, rows, labels, cfg, seed)
    log(f"  head trained ({cfg.head_epochs} epochs on pooled features)")
    if cfg.epochs == 0:
        return tail, head
    inputs = keras.Input(acts.cut.shape[2:])
    model = keras.Model(inputs, head(tail(inputs)))
    steps = cfg.epochs * -(-len(rows) // cfg.batch)
    model.compile(
        optimizer=keras.optimizers.AdamW(_schedule(keras, cfg.lr, steps), weight_decay=cfg.decay),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    rng = np.random.default_rng(seed + 7)
    for epoch in range(cfg.epochs):
        x, y = _epoch_batches(acts, rows, labels, cfg, rng)
        hist = model.fit(x, y, batch_size=cfg.batch, epochs=1, verbose=0, shuffle=False)
        log(f"  epoch {epoch + 1}/{cfg.epochs}: loss {hist.history['loss'][-1]:.4f} "
            f"acc {hist.history['accuracy'][-1]:.4f}")
    return tail, head


def probabilities(tail: Any, head: Any, x: F32) -> F32:
    """Float (Keras) class probabilities of cut activations ``x``."""
    logits = head.predict(tail.predict(x, batch_size=64, verbose=0), batch_size=256, verbose=0)
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    out: F32 = (exp / exp.sum(axis=1, keepdims=True)).astype(np.float32)
    return out
