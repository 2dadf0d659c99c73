"""``python -m models.build.calibrate``: fold a fitted temperature into the built model's head.

The model trained with label smoothing is under-confident. The temperature is fitted on train
images the recipe was not trained on (:mod:`models.build.heldout`: one held-out 15% by default;
``--folds K`` for K-fold cross-validation over all of train), divided into the head's dense
layer (:mod:`models.build.fold`), and the validation split is then scored once, before and
after, only to report: the top-1 class of every validation photo must be unchanged, else the
step fails. It writes model.tflite and model.json, docs/data/calibration.json (the figures the
model card quotes, via scripts/gendocs.py) and docs/reliability.png.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.build import (
    MODEL_DIR,
    MissingInputError,
    fold,
    full,
    heldout,
    package,
    require,
    shared_dir,
)
from models.build import calibration_docs as chart
from models.build import calibrators as cal
from models.build import features as feats
from models.build import temperature as temp
from models.build.evaluate import latency_ratio, run_graph

MARK = "Logits divided by a temperature of"  # in the description of a calibrated model
ROUNDS = 15  # alternated rounds of 50 invokes each, scaled and unscaled model
FOLD_TOLERANCE = 1e-5  # folded graph vs softmax(log p / T) in float64, per probability


def describe(text: str, value: float, where: str = "held-out train") -> str:
    """The manifest's description with the temperature appended (fails if already there: the
    build rewrites the manifest, so a model with it in has been calibrated already)."""
    if MARK in text:
        raise SystemExit("error: the model already has a temperature folded in; rebuild it "
                         "with `python -m models.build` first")
    return f"{text} {MARK} {value:.4f} (fitted on {where}) before the softmax."


def check(before: NDArray[np.float32], after: NDArray[np.float32], value: float) -> int:
    """Exit unless top-1 is unchanged everywhere and ``after`` is softmax(log before / T)."""
    changed = temp.top1_changed(before, after)
    if changed:
        raise SystemExit(f"error: the temperature changed the top-1 class of {changed} photos")
    expected = temp.softmax(temp.logits_of(before), value)
    diff = float(np.abs(after - expected).max())
    print(f"folded graph vs softmax(log p / T): max abs diff {diff:.2e}", flush=True)
    if diff > FOLD_TOLERANCE:
        raise SystemExit(f"error: the folded graph disagrees with softmax(logits / T) ({diff:.2e})")
    return changed


def fit_set(held: heldout.HeldOut, value: float, folds: int | None) -> dict[str, Any]:
    """Figures of the set T was fitted on. With folds, each fold's "after" uses the temperature
    fitted on the other folds only, so those figures are out of sample too."""
    logits = temp.logits_of(held.scores)
    if folds is None:
        scaled = temp.softmax(logits, value)
    else:
        scaled, per_fold = cal.cross_fitted("temperature", logits, held.labels, held.folds)
    figures: dict[str, Any] = {
        "set": (f"held-out {heldout.FRACTION:.0%} of train, the recipe retrained on the rest"
                if folds is None else f"{folds}-fold cross-validation over all of train, each fold "
                f"scored by the recipe retrained on the other {folds - 1}"),
        "images": len(held.labels),
        "trained_on": round(1 - heldout.FRACTION if folds is None else (folds - 1) / folds, 6),
        "before": temp.reliability(held.scores, held.labels),
        "after": temp.reliability(scaled, held.labels),
        "top1_changed": temp.top1_changed(held.scores, scaled),
        "ece_of_a_calibrated_model": temp.sampling_floor(scaled),
    }
    if folds is not None:
        own = [temp.fit(logits[held.folds == i], held.labels[held.folds == i])
               for i in range(folds)]  # reported only: the spread
        figures.update(folds=folds, fold_temperatures=[round(t, 6) for (t,) in per_fold],
                       own_fold_temperatures=[round(t, 6) for t in own])
    return figures


def record(value: float, fit: dict[str, Any], before: NDArray[np.float32],
           after: NDArray[np.float32], labels: NDArray[np.int64]) -> dict[str, Any]:
    """The figures of the data file (all fitted or measured here)."""
    return {
        "temperature": round(value, 6),
        "bins": temp.BINS,
        "fit": fit,
        "validation": {
            "images": len(labels),
            "top1_changed": check(before, after, value),
            "before": temp.reliability(before, labels),
            "after": temp.reliability(after, labels),
            "ece_of_a_calibrated_model": temp.sampling_floor(after),
            "any_temperature": reach(temp.logits_of(before), labels),
        },
    }


def reach(logits: NDArray[np.float64], labels: NDArray[np.int64]) -> dict[str, Any]:
    """What temperature scaling at best does on a set of photos not fitted on (validation),
    read after the fit and only to report it: the lowest ECE over a grid of temperatures, and
    the set's own lowest-NLL temperature (beside the one fitted on held-out train)."""
    return {"lowest_ece": temp.lowest_ece(logits, labels),
            "nll_optimal_temperature": round(temp.fit(logits, labels), 6)}


def manifest(out: Path) -> dict[str, Any]:
    """The built model's manifest document."""
    document: dict[str, Any] = json.loads(require(out / "model.json").read_text(encoding="utf-8"))
    return document


def write_manifest(out: Path, document: dict[str, Any], blob: bytes, description: str) -> None:
    """model.json with the new file's sha256, the description and the version."""
    document.update(sha256=hashlib.sha256(blob).hexdigest(), description=description,
                    version=package.VERSION)
    (out / "model.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def run(args: argparse.Namespace) -> int:
    """The whole step; returns the exit code."""
    data_dir = require(shared_dir() / "data" / "clothing-dataset-small")
    blob = require(args.out / "model.tflite").read_bytes()
    document = manifest(args.out)
    describe(document["description"], 1.0)  # fails early on a calibrated model
    cfg = full.recipe(smoothing=args.smoothing)
    held = (heldout.scores(args.seed, cfg) if args.folds is None
            else heldout.crossval(args.seed, cfg, args.folds))
    value = temp.fit(temp.logits_of(held.scores), held.labels)
    print(f"temperature fitted on {len(held.labels)} train images scored by models not trained "
          f"on them: {value:.4f}")
    folded = fold.fold(blob, value)
    paths, labels = feats.list_split(data_dir, "validation")
    before, after = run_graph(blob, paths, 224), run_graph(folded, paths, 224)
    data = record(value, fit_set(held, value, args.folds), before, after, labels)
    sample = np.full((1, 224, 224, 3), 128, np.uint8)
    new, old, ratio = latency_ratio(folded, blob, sample, rounds=ROUNDS)
    data["model"] = {"bytes_before": len(blob), "bytes_after": len(folded),
                     "sha256_before": hashlib.sha256(blob).hexdigest(),
                     "sha256_after": hashlib.sha256(folded).hexdigest(),
                     "invoke_ms_after": round(new, 3), "invoke_ms_before": round(old, 3),
                     "invoke_ratio": round(ratio, 3), "invoke_rounds": ROUNDS}
    for split in ("fit", "validation"):
        b, a = data[split]["before"], data[split]["after"]
        print(f"{split}: ECE {b['ece']:.4f} -> {a['ece']:.4f}, mean top-1 probability "
              f"{b['mean_confidence']:.4f} -> {a['mean_confidence']:.4f} "
              f"(accuracy {a['accuracy']:.4f}), NLL {b['nll']:.4f} -> {a['nll']:.4f}")
    print(f"invoke: {new:.2f} ms against {old:.2f} ms unscaled, ratio {ratio:.3f}x; "
          f"{len(folded)} bytes against {len(blob)}")
    args.data.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    chart.draw(data, args.chart)
    (args.out / "model.tflite").write_bytes(folded)
    description = describe(document["description"], value, chart.fit_name(data["fit"]))
    write_manifest(args.out, document, folded, description)
    print(f"wrote {args.out / 'model.tflite'}, model.json, {args.data} and {args.chart}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit code 2 with a one-line message when an input is missing."""
    parser = argparse.ArgumentParser(prog="python -m models.build.calibrate", description=__doc__)
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the folds or the held-out split")
    parser.add_argument("--folds", type=int, default=None,
                        help=f"fit on K-fold cross-validated train (K more trainings of the "
                             f"recipe) instead of one held-out {heldout.FRACTION:.0%}% of it")
    parser.add_argument("--smoothing", type=float, default=None,
                        help="label smoothing the model was built with (python -m models.build "
                             "--smoothing): the reruns of the recipe use it too")
    parser.add_argument("--out", type=Path, default=MODEL_DIR, help="the built model's folder")
    parser.add_argument("--data", type=Path, default=chart.DATA, help="figures (JSON)")
    parser.add_argument("--chart", type=Path, default=chart.CHART, help="reliability diagram")
    args = parser.parse_args(argv)
    if args.folds is not None and args.folds < 2:
        parser.error(f"--folds must be at least 2, not {args.folds}")
    try:
        return run(args)
    except (MissingInputError, fold.FoldError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
