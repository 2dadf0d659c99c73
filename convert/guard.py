"""Checks ``python -m convert`` makes before converting: the embedded model, another model's
manifest, missing labels."""

from __future__ import annotations

import json
from pathlib import Path

from core.config import DEFAULT_MODEL

EMBEDDED_DIR = Path(DEFAULT_MODEL).parent


def overwrites_embedded(out: Path) -> bool:
    """True when ``out`` (or the manifest written beside it) lands in models/clothing/."""
    return out.resolve().parent == EMBEDDED_DIR.resolve()


def embedded_refusal(out: Path) -> str:
    """The one-line refusal naming the way out."""
    return (f"{out} is inside {EMBEDDED_DIR.name}/, the embedded default model (its manifest "
            "and licence files describe that model); write elsewhere, e.g. "
            "build/mine/model.tflite, or pass --force to replace it")


def manifest_clash(out: Path) -> str | None:
    """The one-line refusal when writing ``out`` would overwrite the manifest and parity report
    of another model file in the same folder (``model.tflite`` and ``model.onnx`` share
    ``model.json``); None when ``OUT.json`` is absent or describes ``out`` itself."""
    manifest = out.with_suffix(".json")
    try:
        named = json.loads(manifest.read_text(encoding="utf-8")).get("file")
    except (OSError, ValueError, AttributeError):
        return None
    if not isinstance(named, str) or named == out.name or not (out.parent / named).is_file():
        return None
    other = out.with_name(f"{out.stem}-{out.suffix.lstrip('.')}{out.suffix}")
    return (f"{manifest} and {out.with_suffix('.parity.json').name} belong to {named}, "
            f"which the conversion to {out.name} would break (they share the name); write "
            f"to another name, e.g. {other} (manifest {other.with_suffix('.json').name})")


def labels_warning() -> str:
    """Said when the manifest will have no labels."""
    return ("convert: warning: no --labels: the manifest gets \"labels\": [] and the served "
            "model will answer with class indices (\"0\", \"1\", ...); pass --labels FILE or "
            "--labels a,b,c (or set MODEL_LABELS when serving)")
