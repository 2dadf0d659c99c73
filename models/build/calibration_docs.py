"""The calibration figures of the model card, from docs/data/calibration.json.

``table`` renders the markdown that scripts/gendocs.py writes into the model card
(models/README.md) and docs/models.md; ``draw`` the reliability diagram (docs/reliability.png).
The diagram has one panel per validation run, before and after the temperature: accuracy
and mean top-1 probability in each of the 15 equal-width bins (bars, with the photo count
above), the diagonal a calibrated model would follow, and the calibration error in the title.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from models.build import REPO_ROOT

DATA = REPO_ROOT / "docs" / "data" / "calibration.json"
# The same step's figures for the recipe built with label smoothing 0.05 (not shipped).
SMOOTHING_DATA = REPO_ROOT / "docs" / "data" / "calibration_smoothing005.json"
CHART = REPO_ROOT / "docs" / "reliability.png"


def _panel(ax: Any, figures: dict[str, Any], title: str) -> None:
    bins = figures["bins"]
    width = 1.0 / len(bins)
    centres = [(i + 0.5) * width for i in range(len(bins))]
    filled = [i for i, row in enumerate(bins) if row["count"]]
    ax.bar([centres[i] for i in filled], [bins[i]["accuracy"] for i in filled], width=width,
           edgecolor="#333333", color="#4c72b0", label="accuracy")
    ax.plot([centres[i] for i in filled], [bins[i]["confidence"] for i in filled], "o",
            color="#dd8452", markersize=4, label="mean top-1 probability")
    ax.plot([0, 1], [0, 1], "--", color="#888888", linewidth=1, label="calibrated")
    for i in filled:
        ax.text(centres[i], min(bins[i]["accuracy"], 0.93) + 0.02, str(bins[i]["count"]),
                ha="center", fontsize=6)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("top-1 probability (15 equal-width bins)")
    ax.set_title(f"{title}: ECE {figures['ece']:.3f}, mean top-1 probability "
                 f"{figures['mean_confidence']:.3f}, accuracy {figures['accuracy']:.3f}",
                 fontsize=8)


def _row(name: str, key: str, figures: dict[str, Any]) -> str:
    before, after = figures["before"][key], figures["after"][key]
    return f"| {name} | {before:.3f} | **{after:.3f}** |"


def _reach(figures: dict[str, Any]) -> str:
    grid = figures["lowest_ece"]
    return (f"No single temperature does much better on these photos: over T from "
            f"{grid['low']:.2f} to {grid['high']:.2f} (step {grid['step']}) the lowest validation "
            f"ECE is {grid['ece']:.3f} (at T = {grid['temperature']:.3f}), and validation's own "
            f"lowest-NLL temperature is {figures['nll_optimal_temperature']:.3f}; both were "
            "computed after the fit, to report, not to choose T.")


def table(record: dict[str, Any]) -> str:
    """The card's calibration table and the sentence saying where each figure comes from."""
    val, fit, model = record["validation"], record["fit"], record["model"]
    floor = val["ece_of_a_calibrated_model"]
    rows = [
        f"| validation, {val['images']} photos | before "
        f"| after (T = {record['temperature']:.3f}) |",
        "|---|---:|---:|",
        _row(f"expected calibration error ({record['bins']} equal-width bins)", "ece", val),
        _row("mean top-1 probability", "mean_confidence", val),
        _row("top-1 accuracy", "accuracy", val),
        _row("mean negative log-likelihood", "nll", val),
        f"| photos whose top-1 class changed | | {val['top1_changed']} |",
        "",
        f"The temperature T was fitted (lowest negative log-likelihood) on the {fit['set']} "
        f"({fit['images']} images, top-1 {fit['before']['accuracy']:.3f}; there the ECE went "
        f"from {fit['before']['ece']:.3f} to {fit['after']['ece']:.3f}). That assumes the final "
        "model, trained on all of train, is as under-confident on new photos as the recipe "
        "trained on 85% of it; validation was scored only afterwards, to report these figures. "
        f"On {val['images']} photos the ECE is noisy: were the scaled scores exactly right, "
        f"sampling alone would give a median ECE of {floor['median']:.3f} (90% of draws "
        f"between {floor['p5']:.3f} and {floor['p95']:.3f}). {_reach(val['any_temperature'])} "
        f"Folding it into the head leaves the file at {model['bytes_after']:,} bytes "
        f"(before: {model['bytes_before']:,}) and the invoke time at "
        f"{model['invoke_ratio']:.3f}x (median ratio of {model['invoke_rounds']} alternated rounds "
        f"of 50 single-image invokes, 2 threads: "
        f"{model['invoke_ms_after']:.2f} ms against {model['invoke_ms_before']:.2f} ms).",
    ]
    return "\n".join(rows)


def smoothing_table(shipped: dict[str, Any], other: dict[str, Any], smoothing: str) -> str:
    """The shipped model (label smoothing 0.1) beside the recipe built with ``smoothing``, each
    with its own temperature fitted on its own held-out rerun: the figures both steps wrote."""
    def row(name: str, value: Callable[[dict[str, Any]], str]) -> str:
        return f"| {name} | {value(shipped)} | {value(other)} |"

    def change(split: str, key: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: f"{r[split]['before'][key]:.3f} -> {r[split]['after'][key]:.3f}"

    return "\n".join([
        f"| | label smoothing 0.1 (shipped) | label smoothing {smoothing} |",
        "|---|---:|---:|",
        row("temperature, fitted on held-out train", lambda r: f"{r['temperature']:.3f}"),
        row(f"held-out train ({shipped['fit']['images']} images): top-1 of the 85% model",
            lambda r: f"{r['fit']['after']['accuracy']:.3f}"),
        row("held-out train: ECE before -> after", change("fit", "ece")),
        row(f"validation ({shipped['validation']['images']} photos): top-1",
            lambda r: f"{r['validation']['after']['accuracy']:.3f}"),
        row("validation: ECE before -> after", change("validation", "ece")),
        row("validation: NLL before -> after", change("validation", "nll")),
        row("validation: lowest ECE of any temperature (chosen on validation, to report only)",
            lambda r: f"{r['validation']['any_temperature']['lowest_ece']['ece']:.3f} (T = "
                      f"{r['validation']['any_temperature']['lowest_ece']['temperature']:.3f})"),
    ])


def draw(record: dict[str, Any], out: Path) -> None:
    """Write the two-panel PNG of ``record`` (the calibration data file) to ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2), sharey=True)
    validation = record["validation"]
    _panel(axes[0], validation["before"], "before")
    _panel(axes[1], validation["after"], f"after (T = {record['temperature']:.3f})")
    axes[0].set_ylabel("accuracy")
    axes[0].legend(loc="upper left", fontsize=7)
    fig.suptitle(f"Reliability on validation ({validation['images']} photos; "
                 "the number above a bar: photos in that bin)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=100, metadata={"Software": None})
    plt.close(fig)


def main() -> int:
    """Draw the chart from the recorded data."""
    parser = argparse.ArgumentParser(prog="python -m models.build.calibration_docs")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=CHART)
    args = parser.parse_args()
    draw(json.loads(args.data.read_text(encoding="utf-8")), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
