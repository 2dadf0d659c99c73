"""Checks ``python -m convert`` makes before converting: the embedded model, missing labels."""

from __future__ import annotations

from pathlib import Path

from core.config import DEFAULT_MODEL

EMBEDDED_DIR = DEFAULT_MODEL.parent


def overwrites_embedded(out: Path) -> bool:
    """True when ``out`` (or the manifest written beside it) lands in models/clothing/."""
    return out.resolve().parent == EMBEDDED_DIR.resolve()


def embedded_refusal(out: Path) -> str:
    """The one-line refusal naming the way out."""
    return (f"{out} is inside {EMBEDDED_DIR.name}/, the embedded default model (its manifest "
            "and licence files describe that model); write elsewhere, e.g. "
            "build/mine/model.tflite, or pass --force to replace it")


def labels_warning() -> str:
    """Said when the manifest will have no labels."""
    return ("convert: warning: no --labels: the manifest gets \"labels\": [] and the served "
            "model will answer with class indices (\"0\", \"1\", ...); pass --labels FILE or "
            "--labels a,b,c (or set MODEL_LABELS when serving)")
