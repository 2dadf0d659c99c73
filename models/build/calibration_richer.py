"""``python -m models.build.calibration_richer``: would a richer map than one temperature get
the shipped model's scores under the calibration goal?

Each family of :mod:`models.build.calibrators` (all keep the top-1 class) is fitted, like the
temperature, on train photos scored by models not trained on them: the held-out 15% that the
shipped T came from, and the 5-fold cross-validated train (both read from the caches of
``python -m models.build.calibrate`` and ``--folds 5``; without them the recipe is retrained,
about 12 minutes a fold). On those photos each family is also measured out of sample, each fold
mapped by the parameters fitted on the other folds (the 460 held-out photos are dealt into five
folds for this). Validation is scored afterwards with the shipped model, to report only: its
unscaled logits are ``T log p`` up to a per-row constant, which every family ignores. Writes
docs/data/calibration_richer.json; nothing here changes the shipped model.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from models.build import MODEL_DIR, REPO_ROOT, full, heldout
from models.build import calibration_docs as chart
from models.build import calibrators as cal
from models.build import temperature as temp
from models.build.calibration_reach import shipped_validation

DATA = REPO_ROOT / "docs" / "data" / "calibration_richer.json"
F64 = NDArray[np.float64]
Labels = NDArray[np.int64]


def _figures(probabilities: F64, labels: Labels, reference: F64) -> dict[str, Any]:
    bins = temp.reliability(probabilities, labels)
    return {"ece": bins["ece"], "nll": bins["nll"],
            "mean_confidence": bins["mean_confidence"], "accuracy": bins["accuracy"],
            "top1_changed": temp.top1_changed(reference, probabilities)}


def fit_set(name: str, held: heldout.HeldOut, folds: NDArray[np.int64], val_logits: F64,
            val_labels: Labels, grid: cal.Grid = cal.DEFAULT_GRID) -> dict[str, Any]:
    """Every family fitted on one set: its parameters, its out-of-sample figures on that set
    (``folds``), and validation mapped by the parameters fitted on the whole set."""
    logits = temp.logits_of(held.scores)
    families: dict[str, Any] = {}
    for family, apply in cal.FAMILIES.items():
        params = cal.fit(family, logits, held.labels, grid)
        crossed, _ = cal.cross_fitted(family, logits, held.labels, folds, grid)
        families[family] = {
            "parameters": dict(zip(cal.PARAMETERS[family], (round(p, 6) for p in params),
                                   strict=True)),
            "fit_set": _figures(crossed, held.labels, held.scores.astype(np.float64)),
            "validation": _figures(apply(val_logits, params), val_labels, val_logits),
        }
    return {"set": name, "images": len(held.labels), "folds": int(folds.max()) + 1,
            "calibrators": families}


def record(sets: list[dict[str, Any]], shipped: F64, labels: Labels, sha256: str,
           temperature: float) -> dict[str, Any]:
    """The data file: the shipped model's own validation figures beside every fit."""
    own = temp.reliability(shipped, labels)
    return {"bins": temp.BINS, "model": {"sha256": sha256, "temperature": temperature},
            "validation": {"images": len(labels), "shipped": {
                "ece": own["ece"], "nll": own["nll"],
                "ece_of_a_calibrated_model": temp.sampling_floor(shipped, observed=own["ece"])}},
            "fits": sets}


NAMES = {"temperature": "one temperature (the shipped map)",
         "ensemble": "ensemble temperature scaling",
         "margin": "temperature by top-2 margin"}


def _pair(figures: dict[str, Any]) -> str:
    return f"{figures['ece']:.3f} / {figures['nll']:.3f}"


def table(data: dict[str, Any]) -> str:
    """The card's table of every fit, and the sentence on what chance alone reads."""
    val = data["validation"]
    rows = [f"| fitted on | map | parameters | fitted set, out of sample: ECE / NLL "
            f"| validation ({val['images']} photos): ECE / NLL | top-1 changed |",
            "|---|---|---|---:|---:|---:|"]
    for part in data["fits"]:
        where = f"{part['set']} ({part['images']:,} photos)"
        for family, figures in part["calibrators"].items():
            params = ", ".join(f"{k} = {v:.3f}" for k, v in figures["parameters"].items())
            rows.append(f"| {where} | {NAMES[family]} | {params} | {_pair(figures['fit_set'])} "
                        f"| {_pair(figures['validation'])} "
                        f"| {figures['validation']['top1_changed']} |")
    own, floor = val["shipped"], val["shipped"]["ece_of_a_calibrated_model"]
    rows += ["", f"The shipped model reads an ECE of {own['ece']:.3f} on validation "
             f"({data['bins']} equal-width bins). Scores exactly right on average, with the same "
             f"top-1 probabilities, read {floor['median']:.3f} there from sampling alone (90% of "
             f"draws from {floor['p5']:.3f} to {floor['p95']:.3f}), and "
             f"{floor['at_least_observed']:.0%} of those draws read {own['ece']:.3f} or more."]
    return "\n".join(rows)


def main() -> int:
    """Fit every family on both sets and write the data file."""
    parser = argparse.ArgumentParser(prog="python -m models.build.calibration_richer")
    parser.add_argument("--seed", type=int, default=0, help="seed of the folds and the split")
    parser.add_argument("--model", type=Path, default=MODEL_DIR / "model.tflite")
    parser.add_argument("--data", type=Path, default=DATA, help="figures (JSON)")
    args = parser.parse_args()
    shipped, scores, labels, logits = shipped_validation(chart.DATA, args.model)
    held = heldout.scores(args.seed, full.CHOSEN)
    crossed = heldout.crossval(args.seed, full.CHOSEN, heldout.FOLDS)
    sets = [fit_set(f"held-out {heldout.FRACTION:.0%} of train", held,
                    heldout.stratified_folds(held.labels, heldout.FOLDS, args.seed),
                    logits, labels),
            fit_set(f"{heldout.FOLDS}-fold cross-validated train", crossed, crossed.folds,
                    logits, labels)]
    data = record(sets, scores, labels, shipped["model"]["sha256_after"],
                  shipped["temperature"])
    args.data.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    for part in sets:
        for family, figures in part["calibrators"].items():
            print(f"{part['set']}: {family} {figures['parameters']}: validation ECE "
                  f"{figures['validation']['ece']:.4f}, NLL {figures['validation']['nll']:.4f}; "
                  f"fit set out of sample ECE {figures['fit_set']['ece']:.4f}")
    print(f"wrote {args.data}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
