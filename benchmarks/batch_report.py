"""docs/data/batch.json (``benchmarks.batch_throughput``) as the docs show it: the results
table and figure of docs/performance.md, the images-per-hour and cost estimates of
docs/batch.md. ``scripts/gendocs.py`` calls these; nothing here is typed by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from benchmarks import cost

NO_DATA = "No batch benchmark has been recorded yet: run `make bench-batch`."
CONCURRENCY = (1, 10, 100, 1000)
BUCKET = 100_000  # photos in the bucket the estimates classify
LAMBDA_GB = 2.0  # the shipped function's memory (template.yaml), GB


def results(data: dict[str, Any]) -> str:
    """The measured rates, their ratio and the machine's load."""
    runs, median = data["runs"], data["median"]
    lines = [
        f"Measured {data.get('measured', '(date not recorded)')}: "
        f"{data['photos']} validation photos, {data['rounds']} interleaved rounds, "
        f"{data['model']}, `MODEL_THREADS={data['model_threads']}`, "
        f"`--workers {data['workers']}`, {data['cpus']} CPUs; load average (1, 5, 15 min) "
        f"{', '.join(map(str, data['load_before']))} before and "
        f"{', '.join(map(str, data['load_after']))} after.", "",
        "| system | median img/s | runs (img/s) |", "|---|---:|---|",
        f"| `classifier batch` | {median['ours']:.1f} | {', '.join(map(str, runs['ours']))} |",
        f"| bare loop (decode, resize, invoke) | {median['bare']:.1f} | "
        f"{', '.join(map(str, runs['bare']))} |", "",
        f"Ours / bare: **{data['median_ratio']:.2f}x** (median of the rounds' ratios "
        f"{', '.join(f'{r:.2f}' for r in data['ratios'])}; ratio of the medians "
        f"{data['ratio_of_medians']:.2f}x); {data['ms_per_image']} ms per image.", "",
        "![classifier batch against the bare loop](batch-throughput.svg)",
    ]
    return "\n".join(lines)


def estimates(data: dict[str, Any]) -> str:
    """Images per hour at each concurrency, and the bill for a bucket, from ms per image."""
    ms = float(data["ms_per_image"])
    per_instance = 3600 * 1000 / ms
    rows = [f"At the measured {ms} ms per image ({data['photos']} photos, `classifier batch` "
            f"on {data['cpus']} CPUs, [Performance](performance.md#batch-throughput)), with no "
            "download time and no cold starts:", "",
            "| concurrency | images per hour | a bucket of 100,000 photos takes |",
            "|---:|---:|---:|"]
    for level in CONCURRENCY:
        hourly = per_instance * level
        minutes = BUCKET / hourly * 60
        shown = (f"{minutes * 60:.0f} s" if minutes < 1 else f"{minutes:.1f} min"
                 if minutes < 120 else f"{minutes / 60:.1f} h")
        rows.append(f"| {level} | {hourly:,.0f} | {shown} |")
    seconds = BUCKET * ms / 1000
    lam = seconds * LAMBDA_GB * cost.LAMBDA_GB_SECOND + BUCKET * cost.LAMBDA_PER_MILLION / 1e6
    gcp = (seconds * (cost.GCP_VCPU_SECOND + cost.GCP_GIB_SECOND)
           + BUCKET * cost.GCP_PER_MILLION / 1e6)
    azure = seconds * LAMBDA_GB * cost.AZURE_GB_SECOND + BUCKET * cost.AZURE_PER_MILLION / 1e6
    rows += ["", "Compute for the 100,000 photos (list prices of `benchmarks/cost.py`; the same "
             "whatever the concurrency, which only changes how long it takes):", "",
             "| platform | instance | cost |", "|---|---|---:|",
             f"| AWS Lambda | {LAMBDA_GB * 1024:.0f} MB | ${lam:.2f} |",
             f"| Google Cloud Functions | 1 vCPU, 1 GiB | ${gcp:.2f} |",
             f"| Azure Functions (Flex) | {LAMBDA_GB * 1024:.0f} MB | ${azure:.2f} |"]
    return "\n".join(rows)


def svg(data: dict[str, Any]) -> str:
    """Each run's rate as a dot and the median as a bar, ours above bare."""
    runs, median = data["runs"], data["median"]
    top = float(max(max(runs["ours"]), max(runs["bare"])))
    power = 10 ** max(0, math.floor(math.log10(top)) - 1)
    step = next(power * m for m in (1, 2, 5, 10, 20, 50) if top / (power * m) <= 8)
    axis = float(math.ceil(top / step) * step)
    left, width, row = 130, 360, 46

    def x(rate: float) -> float:
        return round(left + width * rate / axis, 1)

    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="640" height="170" '
             'font-family="sans-serif" font-size="13">',
             '<rect width="640" height="170" fill="white"/>']
    for index, (name, label, colour) in enumerate((("ours", "classifier batch", "#3f51b5"),
                                                   ("bare", "bare loop", "#9e9e9e"))):
        y = 20 + index * row
        parts.append(f'<text x="10" y="{y + 19}">{label}</text>')
        parts.append(f'<rect x="{left}" y="{y + 6}" width="{x(median[name]) - left}" '
                     f'height="18" fill="{colour}" fill-opacity="0.35"/>')
        parts += [f'<circle cx="{x(rate)}" cy="{y + 15}" r="4" fill="{colour}"/>'
                  for rate in runs[name]]
        parts.append(f'<text x="{left + width + 12}" y="{y + 19}">'
                     f'median {median[name]:.1f} img/s</text>')
    base = 20 + 2 * row
    parts.append(f'<line x1="{left}" y1="{base}" x2="{left + width}" y2="{base}" '
                 'stroke="black"/>')
    for tick in range(0, int(axis) + 1, step):
        parts.append(f'<text x="{x(tick)}" y="{base + 18}" text-anchor="middle">{tick}</text>')
    parts.append(f'<text x="{left + width // 2}" y="{base + 38}" text-anchor="middle">'
                 'images per second (dots: rounds; bars: medians)</text>')
    return "\n".join([*parts, "</svg>"]) + "\n"


def _recorded(data_dir: Path) -> dict[str, Any] | None:
    path = data_dir / "batch.json"
    if not path.exists():
        return None
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def block(part: str, data_dir: Path) -> str:
    """The ``results`` or ``estimates`` block from ``data_dir``/batch.json."""
    data = _recorded(data_dir)
    if data is None:
        return NO_DATA
    return results(data) if part == "results" else estimates(data)


def figure(data_dir: Path) -> str | None:
    """The SVG figure from ``data_dir``/batch.json (None: nothing recorded)."""
    data = _recorded(data_dir)
    return None if data is None else svg(data)
