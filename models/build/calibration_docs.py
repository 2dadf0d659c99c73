"""The calibration figures of the model card, from docs/data/calibration.json.

``table`` renders the markdown that scripts/gendocs.py writes into the model card
(models/README.md) and docs/models.md; ``draw`` the reliability diagram (docs/reliability.png).
The diagram has one panel per set and run, before and after the temperature: accuracy
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
# The same step's figures for the shipped model with T fitted by 5-fold cross-validation.
CROSSVAL_DATA = REPO_ROOT / "docs" / "data" / "calibration_crossval.json"
CHART = REPO_ROOT / "docs" / "reliability.png"


def panel(ax: Any, figures: dict[str, Any], title: str) -> None:
    """One reliability panel of ``figures`` (a set's bins) on the axes ``ax``."""
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
    ax.set_title(f"{title}\nECE {figures['ece']:.3f}, mean top-1 probability "
                 f"{figures['mean_confidence']:.3f}, accuracy {figures['accuracy']:.3f}",
                 fontsize=8)


def _cells(key: str, *sets: dict[str, Any]) -> str:
    return " | ".join(f"{part['before'][key]:.3f} | **{part['after'][key]:.3f}**" for part in sets)


def _floor(part: dict[str, Any]) -> str:
    floor = part.get("ece_of_a_calibrated_model")
    if floor is None:  # records written before the step measured it for the fit set
        return "not recorded"
    return f"{floor['median']:.3f} ({floor['p5']:.3f} to {floor['p95']:.3f})"


def _reach(figures: dict[str, Any]) -> str:
    grid = figures["lowest_ece"]
    return (f"No single temperature does much better on the validation photos: over T from "
            f"{grid['low']:.2f} to {grid['high']:.2f} (step {grid['step']}) the lowest validation "
            f"ECE is {grid['ece']:.3f} (at T = {grid['temperature']:.3f}), and validation's own "
            f"lowest-NLL temperature is {figures['nll_optimal_temperature']:.3f}; both were "
            "computed after the fit, to report, not to choose T.")


def fit_name(fit: dict[str, Any]) -> str:
    """What the record's fit set is called: by cross-validation, or one held-out part."""
    return "cross-validated train" if "folds" in fit else "held-out train"


def _fit_sentence(fit: dict[str, Any]) -> str:
    share = f"{fit['trained_on']:.0%}"
    if "folds" not in fit:
        return (f"The temperature T was fitted (lowest negative log-likelihood) on the "
                f"{fit['set']} ({fit['images']} images). That assumes the final model, trained "
                f"on all of train, is as under-confident on new photos as the recipe trained on "
                f"{share} of it.")
    temps = fit["fold_temperatures"]
    return (f"The temperature T was fitted (lowest negative log-likelihood) on all "
            f"{fit['images']} train photos, each scored by a model that never saw it: "
            f"{fit['set']}. That assumes the final model, trained on all of train, is as "
            f"under-confident on new photos as the recipe trained on {share} of it. In the "
            f"train columns each fold is scaled by the temperature fitted on the other folds "
            f"alone (from {min(temps):.3f} to {max(temps):.3f}), so those figures are out of "
            "sample as well.")


def table(record: dict[str, Any]) -> str:
    """The card's calibration table and the sentence saying where each figure comes from."""
    val, fit, model = record["validation"], record["fit"], record["model"]
    name = fit_name(fit)
    after = f"after (T = {record['temperature']:.3f})"
    rows = [
        f"| | validation ({val['images']} photos): before | {after} "
        f"| {name} ({fit['images']:,} photos): before | after |",
        "|---|---:|---:|---:|---:|",
        f"| expected calibration error ({record['bins']} equal-width bins) "
        f"| {_cells('ece', val, fit)} |",
        f"| ECE exactly right scores would show, from sampling alone: median (90% of draws) "
        f"| | {_floor(val)} | | {_floor(fit)} |",
        f"| mean top-1 probability | {_cells('mean_confidence', val, fit)} |",
        f"| top-1 accuracy | {_cells('accuracy', val, fit)} |",
        f"| mean negative log-likelihood | {_cells('nll', val, fit)} |",
        f"| photos whose top-1 class changed | | {val['top1_changed']} "
        f"| | {fit['top1_changed']} |",
        "",
        f"{_fit_sentence(fit)} Validation was scored only afterwards, to report these figures. "
        f"{_reach(val['any_temperature'])} Folding T into the head leaves the file at "
        f"{model['bytes_after']:,} bytes (before: {model['bytes_before']:,}) and the invoke time "
        f"at {model['invoke_ratio']:.3f}x (median ratio of {model['invoke_rounds']} alternated "
        f"rounds of 50 single-image invokes, 2 threads: "
        f"{model['invoke_ms_after']:.2f} ms against {model['invoke_ms_before']:.2f} ms).",
    ]
    return "\n".join(rows)


def _fitted_on(record: dict[str, Any]) -> str:
    fit = record["fit"]
    how = (f"{fit['folds']}-fold cross-validation" if "folds" in fit
           else f"one held-out {1 - fit['trained_on']:.0%}")
    return f"{fit['images']:,} ({how})"


def _spread(record: dict[str, Any]) -> str:
    fit = record["fit"]
    if "folds" not in fit:
        return "(one set)"
    ranges = [(min(fit[key]), max(fit[key])) for key in ("fold_temperatures",
                                                         "own_fold_temperatures")]
    return "; ".join(f"{low:.3f} to {high:.3f}" for low, high in ranges)


def side_by_side(shipped: dict[str, Any], other: dict[str, Any], names: tuple[str, str]) -> str:
    """Two calibration steps' figures in two columns (headed ``names``), each with its own
    temperature, fitted on its own reruns of the recipe; the rows name the photos each was
    fitted on."""
    def row(name: str, value: Callable[[dict[str, Any]], str]) -> str:
        return f"| {name} | {value(shipped)} | {value(other)} |"

    def change(split: str, key: str) -> Callable[[dict[str, Any]], str]:
        return lambda r: f"{r[split]['before'][key]:.3f} -> {r[split]['after'][key]:.3f}"

    def gap(r: dict[str, Any]) -> str:
        before = r["fit"]["before"]
        return f"{before['mean_confidence']:.3f} / {before['accuracy']:.3f}"

    val = shipped["validation"]
    return "\n".join([
        f"| | {names[0]} | {names[1]} |",
        "|---|---:|---:|",
        row("temperature", lambda r: f"{r['temperature']:.3f}"),
        row("fitted on train photos scored by models not trained on them", _fitted_on),
        row("those photos, before: mean top-1 probability / top-1 accuracy", gap),
        row("those photos: ECE before -> after", change("fit", "ece")),
        row("those photos: ECE exactly right scores would show after, from sampling alone: "
            "median (90% of draws)", lambda r: _floor(r["fit"])),
        row("each fold's temperature: fitted on the other folds (applied to it above); "
            "fitted on its own photos alone (reported only)", _spread),
        row(f"validation ({val['images']} photos): top-1",
            lambda r: f"{r['validation']['after']['accuracy']:.3f}"),
        row("validation: mean top-1 probability before -> after",
            change("validation", "mean_confidence")),
        row("validation: ECE before -> after", change("validation", "ece")),
        row("validation: ECE exactly right scores would show after (as above)",
            lambda r: _floor(r["validation"])),
        row("validation: NLL before -> after", change("validation", "nll")),
        row("validation: lowest ECE of any temperature (chosen on validation, to report only)",
            lambda r: f"{r['validation']['any_temperature']['lowest_ece']['ece']:.3f} (T = "
                      f"{r['validation']['any_temperature']['lowest_ece']['temperature']:.3f})"),
    ])


Row = tuple[dict[str, Any], dict[str, Any], str, str]


def draw_rows(rows: list[Row], title: str, out: Path) -> None:
    """Write a PNG to ``out``: a row of two panels per (figures before, figures after, title
    before, title after), under ``title``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(rows), 2, figsize=(10, 4.2 * len(rows)), sharey=True)
    for index, (before, after, before_title, after_title) in enumerate(rows):
        panel(axes[index][0], before, before_title)
        panel(axes[index][1], after, after_title)
        axes[index][0].set_ylabel("accuracy")
    axes[0][0].legend(loc="upper left", fontsize=7)
    fig.suptitle(f"{title} (the number above a bar: photos in that bin)", fontsize=10)
    fig.tight_layout()
    fig.savefig(out, dpi=100, metadata={"Software": None})
    plt.close(fig)


def draw(record: dict[str, Any], out: Path) -> None:
    """Write the PNG of ``record`` (the calibration data file) to ``out``: validation on top,
    the set T was fitted on below, each before and after."""
    fit, validation = record["fit"], record["validation"]
    rows: list[Row] = []
    for part, label in ((validation, "validation"), (fit, fit_name(fit))):
        after = "after"
        if part is validation:
            after = f"after (T = {record['temperature']:.3f})"
        elif "folds" in fit:
            after = "after (each fold: T of the other folds)"
        rows.append((part["before"], part["after"],
                     f"{label}, {part['images']:,} photos, before", after))
    draw_rows(rows, "Reliability before and after the temperature", out)


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
