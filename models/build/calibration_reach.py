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

from models.build import MODEL_DIR, REPO_ROOT, calibrate, require, shared_dir
from models.build import features as feats
from models.build import temperature as temp
from models.build.evaluate import run_graph

DATA = REPO_ROOT / "docs" / "data" / "calibration.json"


def main() -> int:
    """Score validation with the shipped model and record the reach of any temperature."""
    parser = argparse.ArgumentParser(prog="python -m models.build.calibration_reach")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--model", type=Path, default=MODEL_DIR / "model.tflite")
    args = parser.parse_args()
    record = json.loads(args.data.read_text(encoding="utf-8"))
    blob = require(args.model).read_bytes()
    if hashlib.sha256(blob).hexdigest() != record["model"]["sha256_after"]:
        raise SystemExit(f"error: {args.model} is not the model {args.data} describes")
    paths, labels = feats.list_split(require(shared_dir() / "data" / "clothing-dataset-small"),
                                     "validation")
    scaled = run_graph(blob, paths, 224)
    logits = temp.logits_of(scaled) * record["temperature"]
    record["validation"]["any_temperature"] = calibrate.reach(logits, labels)
    args.data.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(record["validation"]["any_temperature"], indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
