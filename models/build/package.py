"""Writing the shipped artefacts: model.tflite, model.json, the backbone licence and NOTICE."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

from models.build import LABELS, require, shared_dir
from models.build.features import NORMALIZATION, RESAMPLE, Backbone
from models.build.finetune import TuneConfig
from models.build.fulltune import FullTuneConfig
from models.build.head import HeadConfig

NAME = "clothing-mobilenet-v2"
VERSION = "1.2.0"
UPSTREAM = "google-coral/test_data@104342d2d3480b3e66203073dac24f4e2dbb4c41"
NOTICE_FROZEN = (
    "models/clothing/model.tflite is a derivative of {file} from {upstream} "
    "(Copyright Google LLC, Apache License 2.0, see LICENSE-backbone): its ImageNet classifier "
    "was removed and a clothing classifier head trained on clothing-dataset-small (CC0) was "
    "appended.\n"
)
NOTICE = (
    "models/clothing/model.tflite is a derivative of {file} from {upstream} "
    "(Copyright Google LLC, Apache License 2.0, see LICENSE-backbone): its ImageNet classifier "
    "was removed; its last inverted-residual block and final 1x1 convolution were dequantised, "
    "fine-tuned on clothing-dataset-small (CC0) and quantised to int8 again; and a clothing "
    "classifier head trained on the same data was appended.\n"
)
NOTICE_FULL = (
    "models/clothing/model.tflite is a derivative of {file} from {upstream} "
    "(Copyright Google LLC, Apache License 2.0, see LICENSE-backbone): its ImageNet classifier "
    "was removed; its weights were dequantised, all but its first blocks fine-tuned on "
    "clothing-dataset-small (CC0), and the whole backbone quantised to int8 again; and a "
    "clothing classifier head trained on the same data was appended.\n"
)
Config = HeadConfig | TuneConfig | FullTuneConfig
RECIPES = {HeadConfig: "frozen", TuneConfig: "finetune", FullTuneConfig: "full"}


def description(backbone: Backbone, cfg: Config) -> str:
    """Human-readable description stored in the manifest and in the flatbuffer."""
    if isinstance(cfg, HeadConfig):
        head = f"MLP {cfg.hidden} ReLU" if cfg.hidden else "softmax regression"
        return (
            f"Clothing classifier ({len(LABELS)} classes): int8 {backbone.name} ImageNet backbone "
            f"({backbone.file}) with a float32 {head} head trained on clothing-dataset-small."
        )
    if isinstance(cfg, FullTuneConfig):
        head = f"MLP {cfg.hidden} ReLU" if cfg.hidden else "linear"
        return (
            f"Clothing classifier ({len(LABELS)} classes): {backbone.name} ImageNet backbone "
            f"({backbone.file}) fine-tuned on clothing-dataset-small and requantised to int8, "
            f"with a float32 {head} head."
        )
    tuned = " (last block fine-tuned, requantised)" if cfg.epochs else ""
    averaged = ", flip-averaged at the last block" if cfg.flip_average else ""
    return (
        f"Clothing classifier ({len(LABELS)} classes): int8 {backbone.name} ImageNet backbone "
        f"({backbone.file}){tuned}{averaged} with a float32 MLP {cfg.hidden} ReLU head "
        "trained on clothing-dataset-small."
    )


def manifest(blob: bytes, backbone: Backbone, cfg: Config) -> dict[str, Any]:
    """The manifest document (format 1) for the built model."""
    return {
        "format": 1,
        "name": NAME,
        "version": VERSION,
        "file": "model.tflite",
        "sha256": hashlib.sha256(blob).hexdigest(),
        "labels": list(LABELS),
        "input": {
            "height": backbone.size,
            "width": backbone.size,
            "color": "RGB",
            "layout": "NHWC",
        },
        "preprocessing": {"resize": RESAMPLE, "normalization": NORMALIZATION},
        "output": "probabilities",
        "description": description(backbone, cfg),
        "license": "Apache-2.0 (backbone, see LICENSE-backbone and NOTICE); trained on CC0 data",
        "source": f"{UPSTREAM}/{backbone.file}, trained by `python -m models.build "
        f"--recipe {RECIPES[type(cfg)]}`",
    }


def write(out: Path, blob: bytes, backbone: Backbone, cfg: Config) -> None:
    """Write model.tflite, model.json, LICENSE-backbone and NOTICE into ``out``."""
    licence = require(shared_dir() / "models" / "LICENSE")
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.tflite").write_bytes(blob)
    document = json.dumps(manifest(blob, backbone, cfg), indent=2) + "\n"
    (out / "model.json").write_text(document, encoding="utf-8")
    shutil.copyfile(licence, out / "LICENSE-backbone")
    text = {HeadConfig: NOTICE_FROZEN, TuneConfig: NOTICE, FullTuneConfig: NOTICE_FULL}[type(cfg)]
    notice = text.format(file=backbone.file, upstream=UPSTREAM)
    (out / "NOTICE").write_text(notice, encoding="utf-8")
