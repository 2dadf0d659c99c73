"""``python -m models.build.calibration_reach``: how far any temperature gets on validation.

Adds ``validation.any_temperature`` to docs/data/calibration.json for the model already
shipped, without retraining the held-out recipe: the shipped head computes
``softmax(z / T)``, so ``T * log p`` recovers the unscaled logits ``z`` up to a per-row
constant, which softmax ignores. The model file must be the one the data file describes
(its sha256). ``python -m models.build.calibrate`` records the same figures from the
unscaled model's scores directly.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.build import MODEL_DIR, calibrate, require, shared_dir
from models.build import features as feats
from models.build import temperature as temp
from models.build.calibration_docs import DATA
from models.build.evaluate import run_graph

F64 = NDArray[np.float64]
Labels = NDArray[np.int64]


def shipped(data: Path, model: Path) -> tuple[dict[str, Any], bytes]:
    """The calibration record ``data`` and the bytes of ``model``, which must be the model the
    record describes (by sha256)."""
    record: dict[str, Any] = json.loads(data.read_text(encoding="utf-8"))
    blob = require(model).read_bytes()
    if hashlib.sha256(blob).hexdigest() != record["model"]["sha256_after"]:
        raise SystemExit(f"error: {model} is not the model {data} describes")
    return record, blob


def scored(blob: bytes, root: Path, split: str) -> tuple[F64, Labels]:
    """The scores of the model ``blob`` on ``root/split``, through the served pixels, and the
    photos' labels."""
    paths, labels = feats.list_split(root, split)
    return run_graph(blob, paths, 224).astype(np.float64), labels


def shipped_validation(data: Path, model: Path) -> tuple[dict[str, Any], F64, Labels, F64]:
    """The calibration record ``data``, and the validation scores of ``model`` (which must be
    the one the record describes, by sha256), their labels and the unscaled logits."""
    record, blob = shipped(data, model)
    scores, labels = scored(blob, require(shared_dir() / "data" / "clothing-dataset-small"),
                            "validation")
    return record, scores, labels, temp.logits_of(scores) * record["temperature"]


def main() -> int:
    """Score validation with the shipped model and record the reach of any temperature."""
    parser = argparse.ArgumentParser(prog="python -m models.build.calibration_reach")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--model", type=Path, default=MODEL_DIR / "model.tflite")
    args = parser.parse_args()
    record, _, labels, logits = shipped_validation(args.data, args.model)
    record["validation"]["any_temperature"] = calibrate.reach(logits, labels)
    args.data.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record["validation"]["any_temperature"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
