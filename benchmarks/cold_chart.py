"""The cold start's waterfall (docs/cold-start.png) and table (docs/performance.md) from
docs/data/cold_zip.json.

One bar per model and side, ours beside its floor: the interpreter's own start (exec to the
first import, as the parent sees it), imports and init (model loaded), then the first answer
(decode, resize, invoke); the bars' ends are the whole fresh process.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT

DATA = ROOT / "docs" / "data" / "cold_zip.json"
CHART = ROOT / "docs" / "cold-start.png"
# what "bare" is for each model's pair
SIDES = {"default": {"bare": "LiteRT bare"}, "onnx": {"bare": "ONNX Runtime bare"},
         "xception": {"bare": "LiteRT bare"},
         "course2025": {"ours": "ours by URL", "bare": "course 2025 handler"}}
LABELS = {"default": "default model (LiteRT, 2.6 MB), upload",
          "onnx": "ONNX MobileNetV2 (8.8 MB), upload",
          "xception": "the lesson's Xception (LiteRT, 84 MB), upload",
          "course2025": "ONNX MobileNetV2 by URL, against the course's 2025 handler"}
PHASES = (("interpreter start", "#bbbbbb"), ("imports + init", "#4c72b0"),
          ("first answer", "#dd8452"))


def segments(medians: dict[str, float]) -> list[tuple[float, float]]:
    """(start, width) in ms of each phase of one kind, from its medians."""
    start = max(medians["whole"] - medians["answer"], 0.0)
    init = medians["init"]
    return [(0.0, start), (start, init), (start + init, medians["answer"] - init)]


def draw(record: dict[str, Any], out: Path) -> None:
    """Write the waterfall PNG of ``record`` (benchmarks.cold_zip's JSON) to ``out``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [(f"{kind}: {SIDES.get(kind, {}).get(side, side)}", medians)
            for kind, pair in record["medians_ms"].items() for side, medians in pair.items()]
    fig, ax = plt.subplots(figsize=(9, 1.6 + 0.45 * len(rows)))
    for row, (_, medians) in enumerate(rows):
        for (label, colour), (start, width) in zip(PHASES, segments(medians), strict=True):
            ax.barh(row, width, left=start, color=colour, label=label if row == 0 else None)
        ax.text(medians["whole"] * 1.01, row, f"{medians['whole']:.0f} ms", va="center",
                fontsize=8)
    ax.set_yticks(range(len(rows)), [name for name, _ in rows], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("ms from exec (medians)")
    ax.set_title(f"Cold start in the Lambda zip, {record['date']}, load {record['load'][0]}",
                 fontsize=10)
    ax.set_xlim(0, 1.15 * max(m["whole"] for _, m in rows))
    ax.legend(loc="lower right", ncol=1, fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def _cell(medians: dict[str, float]) -> str:
    return f"{medians['init']:.0f} / {medians['answer']:.0f} / {medians['whole']:.0f} ms"


def markdown(record: dict[str, Any]) -> str:
    """The table of ``record`` for docs/performance.md (scripts/gendocs.py writes it)."""
    load = " ".join(str(x) for x in record["load"])
    rows = [f"{record['date']}, {record['cpus']} CPUs, load {load} (shared), {record['python']}"
            f", {record['runs']} interleaved runs per side. Ours and bare: medians of init / "
            "first answer / whole process; ours - bare and the ratio: medians over the rounds "
            "of the two runs made back to back (whole process; then CPU time):", "",
            "| model | ours | bare | ours - bare | ratio | CPU ours - bare | goal |",
            "|---|---:|---:|---:|---:|---:|---|"]
    for kind, pair in record["medians_ms"].items():
        verdict = record["verdicts"][kind]
        rows.append(f"| {LABELS.get(kind, kind)} | {_cell(pair['ours'])} | "
                    f"{_cell(pair['bare'])} | {verdict['over_bare_ms']:+.1f} ms | "
                    f"{verdict['ratio']:.2f}x | {verdict['cpu_over_bare_ms']:+.1f} ms | "
                    f"{verdict['goal']}: "
                    f"{'met' if verdict['met'] else 'NOT met'} |")
    return "\n".join(rows)


def main() -> int:
    """Draw the chart from the recorded data."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cold_chart")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=CHART)
    args = parser.parse_args()
    draw(json.loads(args.data.read_text()), args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
