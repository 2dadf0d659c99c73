"""The cold start's waterfall (docs/cold-start.png) from docs/data/cold_zip.json.

One bar per kind, ours beside bare: the interpreter's own start (exec to the first import, as
the parent sees it), imports and init (model loaded), then the first answer (decode, resize,
invoke); the bars' ends are the whole fresh process.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from benchmarks.common import ROOT

DATA = ROOT / "docs" / "data" / "cold_zip.json"
CHART = ROOT / "docs" / "cold-start.png"
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

    kinds = list(record["medians_ms"])
    fig, ax = plt.subplots(figsize=(8, 1.8 + 0.6 * len(kinds)))
    for row, kind in enumerate(kinds):
        for (label, colour), (start, width) in zip(PHASES, segments(record["medians_ms"][kind]),
                                                   strict=True):
            ax.barh(row, width, left=start, color=colour, label=label if row == 0 else None)
        whole = record["medians_ms"][kind]["whole"]
        ax.text(whole + 2, row, f"{whole:.0f} ms", va="center", fontsize=9)
    ax.set_yticks(range(len(kinds)), kinds)
    ax.invert_yaxis()
    ax.set_xlabel("ms from exec (medians)")
    ax.set_title(f"Cold start in the Lambda zip, {record['date']}, load {record['load'][0]}",
                 fontsize=10)
    ax.set_xlim(0, 1.12 * max(m["whole"] for m in record["medians_ms"].values()))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.45), ncol=3, fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


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
