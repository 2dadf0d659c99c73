"""Tables (markdown) and the chart (docs/bench.png); docs/performance.md shows the tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.common import ROOT
from benchmarks.latency import HTTP10

CHART = ROOT / "docs" / "bench.png"
STEPS = ("fetch", "decode", "resize", "inference", "other")
NAMES = {"lambda": "ours: Lambda handler (direct event)", "server": "ours: local server",
         "invoke": "bare LiteRT invoke()",
         "invoke-1t": "bare LiteRT invoke(), 1 thread (how much the 2nd thread gives now)",
         "reference": "lesson's reference (tflite-runtime)",
         "tf": "full TensorFlow (model.predict)"}


def _cell(stats: dict[str, Any] | None) -> str:
    if not stats or not stats.get("n"):
        return "n/a"
    return f"{stats['median']:.1f} / {stats['p90']:.1f}"


def latency_table(model: str, latency: dict[str, Any]) -> list[str]:
    """Median / p90 ms per system and photo set."""
    val = latency.get("validation", {})
    big = latency.get("large", {})
    lines = [f"**{model}**, warm end-to-end ms, median / p90 "
             f"({val.get('images', 0)} photos x {val.get('repeats', 0)}; "
             f"{big.get('images', 0)} 12-MP photos x {big.get('repeats', 0)}):", "",
             "| system | validation photos | 12-MP photos | x invoke (val.) |",
             "|---|---:|---:|---:|"]
    invoke = val.get("latency_ms", {}).get("invoke", {}).get("median")
    for system, label in NAMES.items():
        a = val.get("latency_ms", {}).get(system)
        b = big.get("latency_ms", {}).get(system)
        if a is None and b is None:
            continue
        ratio = f"{a['median'] / invoke:.2f}" if a and invoke else ""
        lines.append(f"| {label} | {_cell(a)} | {_cell(b)} | {ratio} |")
    return lines


def cold_table(model: str, cold: dict[str, Any]) -> list[str]:
    """Cold start and peak RSS per kind."""
    lines = [f"**{model}**, cold start (import to first answer; median of runs):", "",
             "| kind | cold start ms | with process start ms | peak RSS MB |",
             "|---|---:|---:|---:|"]
    for kind, row in cold.items():
        lines.append(f"| {kind} | {row['cold_ms']['median']:.0f} | "
                     f"{row['wall_ms']['median']:.0f} | {row['rss_mb']['median']:.0f} |")
    return lines


def size_table(sizes: dict[str, Any]) -> list[str]:
    """Runtime bundle sizes."""
    lines = ["| runtime (model excluded) | MB | what |", "|---|---:|---|"]
    for name, row in sizes.items():
        lines.append(f"| {name} | {row['mb']:.1f} | {row['source']} |")
    return lines


def load_table(load: dict[str, Any]) -> list[str]:
    """Throughput and latency per concurrency level."""
    lines = ["| target | clients | requests | req/s | p50 ms | p99 ms | wrong | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, block in load.items():
        if "skipped" in block:
            lines.append(f"| {name} | skipped: {block['skipped']} | | | | | | |")
            continue
        for lv in block["levels"]:
            lines.append(f"| {name} | {lv['clients']} | {lv['requests']} | {lv['rps']} | "
                         f"{lv['p50_ms']} | {lv['p99_ms']} | {lv['wrong']} | {lv['errors']} |")
    return lines


def target_table(rows: list[dict[str, Any]]) -> list[str]:
    """PASS/MISS per target."""
    lines = ["| target | measured | limit | result |", "|---|---:|---:|---|"]
    for row in rows:
        value = "n/a" if row["value"] is None else f"{row['value']}{row['unit']}"
        op = ">=" if "reference e2e" in row["target"] or "TF cold" in row["target"] else "<="
        limit = f"{op} {row['limit']:.3g}{row['unit']}"
        miss = f" by {row['by']}{row['unit']}" if row.get("by") else ""
        if "overhead_ms" in row:
            value += f" (+{row['overhead_ms']} ms)"
        lines.append(f"| {row['target']} | {value} | {limit} | {row['status']}{miss} |")
    return lines


def http10_line(latency: dict[str, Any]) -> list[str]:
    """The same validation photos from ``python -m http.server`` (HTTP/1.0), if measured."""
    lat = latency.get(HTTP10, {}).get("latency_ms", {})
    if not {"lambda", "invoke"} <= set(lat):
        return []
    line = ("The same validation photos from `python -m http.server` (HTTP/1.0: a new "
            "connection and a new server thread per image), median / p90 ms: "
            + ", ".join(f"{NAMES[k]} {_cell(lat[k])}" for k in ("lambda", "invoke", "reference")
                        if k in lat)
            + f"; ours / invoke {lat['lambda']['median'] / lat['invoke']['median']:.3f}x.")
    return [line, ""]


def markdown(results: dict[str, Any]) -> str:
    """The whole generated section."""
    m = results["machine"]
    out = [f"Measured {results['date']} on {m['cpu']}, {m['cpus']} CPUs usable, "
           f"{m['python']}, {m['runtimes']}; load average at start {m['loadavg']}. "
           f"Threads: ours and the bare invoke {results['threads']}; the reference "
           f"{results.get('ref_threads') or 'unset, as in the lesson (1)'}; TensorFlow its "
           "default (all CPUs).", "",
           "### Targets", "", *target_table(results["targets"]), "", "### Warm latency", ""]
    for model, block in results["models"].items():
        out += [*latency_table(model, block["latency"]), ""]
        split = block["latency"].get("validation", {}).get("split_ms")
        if split:
            out.append("Median ms per step, validation photos: " + "; ".join(
                f"{s}: "
                + ", ".join(f"{k} {v}" for k, v in parts.items())
                for s, parts in split.items()) + ".")
            out.append("")
        out += http10_line(block["latency"])
    out += ["### Cold start and memory", ""]
    for model, block in results["models"].items():
        if block.get("cold"):
            out += [*cold_table(model, block["cold"]), ""]
    out += ["### Runtime size", "", *size_table(results["sizes"]), "",
            "### Concurrency", "", *load_table(results["load"]), ""]
    out += log_table(results.get("logging"))
    if results.get("oip"):
        out += ["### Open Inference Protocol", "", *oip_table(results["oip"]), ""]
    return "\n".join(out)


def log_table(block: dict[str, Any] | None) -> list[str]:
    """µs per request line and its metrics, per platform shape (benchmarks.logcost)."""
    if not block:
        return []
    lines = ["### Log line and metrics", "",
             f"CPU µs per request line, median of {block['rounds']} batches of {block['calls']} "
             "(written to /dev/null):", "", "| shape | µs |", "|---|---:|"]
    lines += [f"| {name} | {us:.1f} |" for name, us in block["us_per_line"].items()]
    health = block.get("health_us", {})
    if health:
        lines += ["", f"`GET /health` end to end: {health['with log line']:.1f} µs with its "
                  f"line, {health['without']:.1f} µs without."]
    return [*lines, ""]


def oip_table(block: dict[str, Any]) -> list[str]:
    """POST /predict and a binary v2 infer on the same photos, interleaved: median / p90 ms."""
    lines = ["| way | POST /predict | v2 infer (binary) | v2 - predict (medians) |",
             "|---|---:|---:|---:|"]
    for way, label in (("in_process", "in-process"), ("http", "over HTTP")):
        row = block.get(way)
        if not row:
            continue
        for kind, what in (("e2e_ms", "end to end"), ("rest_ms", "outside the pipeline steps")):
            extra = row["extra_e2e_ms"] if kind == "e2e_ms" else row["extra_rest_ms"]
            lines.append(f"| {label}, {what} | {_cell(row[kind]['predict'])} | "
                         f"{_cell(row[kind]['infer'])} | {extra:+.3f} |")
    first = block.get("in_process", {})
    lines += ["", f"{first.get('pairs', 0)} pairs over {first.get('photos', 0)} validation "
              "photos per way; 'outside the pipeline steps' is each request's time less its "
              "decode, resize and inference (Server-Timing)."]
    return lines


def chart(results: dict[str, Any], path: Path = CHART) -> None:
    """Stacked bars: where the time goes per pipeline, validation and 12-MP photos."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    latency = results["models"].get("xception", {}).get("latency", {})
    sets = [(k, t) for k, t in (("validation", "validation photos (~400x500)"),
                                ("large", "12-MP photos (3000x4000)")) if k in latency]
    fig, axes = plt.subplots(len(sets), 1, figsize=(8.5, 1.2 + 2.2 * len(sets)), squeeze=False)
    colors = ("#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3")
    labels = {"server": "ours (local server)", "reference": "lesson's reference",
              "tf": "TensorFlow"}
    for ax, (key, title) in zip(axes[:, 0], sets, strict=True):
        split = latency[key]["split_ms"]
        names = [n for n in ("tf", "reference", "server") if n in split]
        left = [0.0] * len(names)
        for step, color in zip(STEPS, colors, strict=True):
            widths = [split[n].get(step, 0.0) for n in names]
            ax.barh([labels[n] for n in names], widths, left=left, color=color, label=step)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.set_title(f"Xception 299x299, {title}: median ms per step")
        ax.set_xlabel("ms")
    handles, names_ = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names_, loc="lower center", ncol=5, fontsize=8)
    fig.tight_layout(rect=(0, 0.05, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
