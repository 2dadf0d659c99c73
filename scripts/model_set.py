"""The model a bundle ships, and the runtime package that model needs.

``--model PATH`` (``make bundle-aws MODEL=PATH``) ships that model with its manifest and labels
under ``models/<its folder>/`` and writes ``models/default.txt`` so the bundle serves it without
MODEL_PATH. A TFLite model (``TFL3`` at bytes 4..8) needs ai-edge-litert; an ONNX model needs
onnxruntime *instead*; ``--runtimes both`` ships the two. Without ``--model`` nothing changes:
the default model and ai-edge-litert, as before.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT / "models" / "clothing" / "model.tflite"
DEFAULT_FILES = ("model.tflite", "model.json", "LICENSE-backbone", "NOTICE")
POINTER = "models/default.txt"  # read by core.config when a bundle ships another model
LITERT = "ai-edge-litert"
ONNXRUNTIME = "onnxruntime>=1.20"
# Parts of onnxruntime a CPU InferenceSession never loads: the C library for C/C++ callers
# (the Python binding links its own copy, 34 MB), the transformers optimiser, the model tools
# and the quantiser (convert/ uses those at build time). A bundle test runs a model without them.
ORT_PRUNE = ("onnxruntime/transformers", "onnxruntime/tools", "onnxruntime/quantization",
             "onnxruntime/datasets", "onnxruntime/capi/libonnxruntime.so.*")


def model_format(path: Path) -> str:
    """``tflite`` when the file carries the TFLite identifier, else ``onnx``."""
    with path.open("rb") as handle:
        return "tflite" if handle.read(8)[4:8] == b"TFL3" else "onnx"


def is_default(model: Path | None) -> bool:
    """True when no model or the committed default model is asked for."""
    return model is None or model.resolve() == DEFAULT_MODEL.resolve()


def requirements(lines: list[str], model: Path | None, runtimes: str = "auto") -> list[str]:
    """``lines`` (a requirements file) with the runtime the model needs."""
    fmt = "tflite" if model is None else model_format(model)
    if runtimes == "both" or fmt == "tflite":
        return [*lines, ONNXRUNTIME] if runtimes == "both" else lines
    return [ONNXRUNTIME if _name(line) == LITERT else line for line in lines]


def _name(line: str) -> str:
    return re.split(r"[\s<>=!~;\[]", line.split("#", 1)[0].strip(), maxsplit=1)[0].lower()


def model_files(model: Path | None) -> list[Path]:
    """The files to ship: the model, its manifest and labels (or the default model's set)."""
    if is_default(model):
        return [DEFAULT_MODEL.parent / n for n in DEFAULT_FILES
                if (DEFAULT_MODEL.parent / n).exists()]
    assert model is not None
    if not model.is_file():
        raise FileNotFoundError(f"MODEL {model} does not exist")
    beside = [model.with_suffix(".json"), model.with_suffix(".labels.txt"),
              model.parent / "labels.txt"]
    shared = model.parent / "model.json"
    if shared.is_file() and json.loads(shared.read_text()).get("file") == model.name:
        beside.append(shared)
    return [model, *dict.fromkeys(p for p in beside if p.is_file())]


def ship(model: Path | None, root: Path) -> list[str]:
    """Copy the model's files into the bundle at ``root``; return their bundle paths."""
    folder = "clothing" if is_default(model) else (model or DEFAULT_MODEL).parent.name
    files = model_files(model)
    if is_default(model) and not DEFAULT_MODEL.exists():
        raise FileNotFoundError(f"{DEFAULT_MODEL} is missing: run `make model` first")
    target = root / "models" / folder
    target.mkdir(parents=True, exist_ok=True)
    shipped = []
    for path in files:
        shutil.copy2(path, target / path.name)
        shipped.append(f"models/{folder}/{path.name}")
    if not is_default(model):
        (root / POINTER).write_text(shipped[0] + "\n", encoding="utf-8")
        shipped.append(POINTER)
    return shipped


def prune_onnxruntime(staging: Path) -> None:
    """Remove what ORT_PRUNE names (nothing when onnxruntime is not in the bundle)."""
    for pattern in ORT_PRUNE:
        for path in staging.glob(pattern):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
