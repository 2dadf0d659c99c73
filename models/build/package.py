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
from models.build.head import HeadConfig

NAME = "clothing-mobilenet-v2"
VERSION = "1.0.0"
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


def description(backbone: Backbone, cfg: HeadConfig | TuneConfig) -> str:
    """Human-readable description stored in the manifest and in the flatbuffer."""
    if isinstance(cfg, HeadConfig):
        head = f"MLP {cfg.hidden} ReLU" if cfg.hidden else "softmax regression"
        return (
            f"Clothing classifier ({len(LABELS)} classes): int8 {backbone.name} ImageNet backbone "
            f"({backbone.file}) with a float32 {head} head trained on clothing-dataset-small."
        )
    tuned = " (last block fine-tuned, requantised)" if cfg.epochs else ""
    averaged = ", flip-averaged at the last block" if cfg.flip_average else ""
    return (
        f"Clothing classifier ({len(LABELS)} classes): int8 {backbone.name} ImageNet backbone "
        f"({backbone.file}){tuned}{averaged} with a float32 MLP {cfg.hidden} ReLU head "
        "trained on clothing-dataset-small."
    )


def manifest(blob: bytes, backbone: Backbone, cfg: HeadConfig | TuneConfig) -> dict[str, Any]:
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
        "license": "Apache-2.0 (backbone, see LICENSE-backbone and NOTICE); head trained on "
        "CC0 data",
        "source": f"{UPSTREAM}/{backbone.file} + head from `python -m models.build`",
    }


def write(out: Path, blob: bytes, backbone: Backbone, cfg: HeadConfig | TuneConfig) -> None:
    """Write model.tflite, model.json, LICENSE-backbone and NOTICE into ``out``."""
    licence = require(shared_dir() / "models" / "LICENSE")
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.tflite").write_bytes(blob)
    document = json.dumps(manifest(blob, backbone, cfg), indent=2) + "\n"
    (out / "model.json").write_text(document, encoding="utf-8")
    shutil.copyfile(licence, out / "LICENSE-backbone")
    text = NOTICE_FROZEN if isinstance(cfg, HeadConfig) else NOTICE
    notice = text.format(file=backbone.file, upstream=UPSTREAM)
    (out / "NOTICE").write_text(notice, encoding="utf-8")
