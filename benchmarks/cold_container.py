"""The container cold start's pure parts: the run order, the paired verdicts, the docs' table.

``benchmarks.container`` measures (``docker run`` to the first answer, ours beside the bare
image of each model) and writes ``docs/data/cold_container.json``; this module turns its runs
into verdicts and renders the block ``scripts/gendocs.py`` puts in docs/performance.md. The
goals are the zip's (``benchmarks.cold_zip.GOALS``): bare + 20 ms for the default and the ONNX
model, bare + 5 % for the lesson's Xception.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any, TypedDict

from benchmarks.cold_zip import GOALS, meets

SIDES = ("ours", "bare")
LABELS = {"default": "default model (LiteRT, 2.6 MB)",
          "onnx": "ONNX MobileNetV2 (8.8 MB, ONNX Runtime)",
          "xception": "the lesson's Xception (LiteRT, 84 MB)"}


class Run(TypedDict):
    """One start: ms from ``docker run`` to the answer, and the container's CPU ms by then
    (None where its cgroup cannot be read)."""

    whole: float
    cpu: float | None


Samples = dict[str, dict[str, list[Run]]]  # kind -> side -> its runs in order


def schedule(kinds: list[str], runs: int) -> list[tuple[str, str]]:
    """(kind, side) in the order they run: round by round every kind's pair back to back, the
    order flipping from one round to the next and from one kind to the next. So every side of
    every kind follows an ours start and a bare start equally often: a start right after a
    bare image's was measured 12-14 ms slower than one right after ours (three interleaved
    runs of 40-70 starts, the same image), and with the order flipping by round alone every
    kind after the first had its ours after a bare start and its bare after ours, every
    time."""
    out = []
    for round_ in range(runs):
        for index, kind in enumerate(kinds):
            sides = SIDES if (round_ + index) % 2 == 0 else SIDES[::-1]
            out += [(kind, side) for side in sides]
    return out


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.9 * (len(ordered) - 1)))]


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 1)


def judge(samples: Samples) -> dict[str, dict[str, Any]]:
    """Per kind: each side's median and p90 of the whole start (ms), and ours - bare and
    ours / bare as the median over the rounds of the two runs made back to back (a load that
    drifts during the run moves both), the same difference for CPU time when every run has it,
    with the goal (on the whole start) and whether it is met."""
    out = {}
    for kind, sides in samples.items():
        pairs = list(zip(sides["ours"], sides["bare"], strict=True))
        over = _median([o["whole"] - b["whole"] for o, b in pairs])
        ratio = round(statistics.median(o["whole"] / b["whole"] for o, b in pairs), 3)
        cpu = [o["cpu"] - b["cpu"] for o, b in pairs
               if o["cpu"] is not None and b["cpu"] is not None]
        verdict: dict[str, Any] = {
            side: {"median": _median([run["whole"] for run in sides[side]]),
                   "p90": round(_p90([run["whole"] for run in sides[side]]), 1)}
            for side in SIDES}
        verdict.update(over_bare_ms=over, ratio=ratio, goal=GOALS[kind],
                       met=meets(kind, over, ratio))
        if pairs and len(cpu) == len(pairs):
            verdict["cpu_over_bare_ms"] = _median(cpu)
        out[kind] = verdict
    return out


def markdown(record: dict[str, Any]) -> str:
    """The table of ``record`` (``benchmarks.container``'s JSON) for docs/performance.md."""
    load = " ".join(str(x) for x in record["load"])
    rows = [f"{record['date']}, {record['cpus']} CPUs, load {load} (shared), base "
            f"`{record['base']}`, {record['runs']} interleaved runs per side. `docker run` to "
            "the first answer through the Runtime API; ours and bare: median (p90); ours - bare "
            "and the ratio: medians over the rounds of the two runs made back to back (wall "
            "time; then the container's CPU time):", "",
            "| model | ours | bare | ours - bare | ratio | CPU ours - bare | image over base "
            "| goal |", "|---|---:|---:|---:|---:|---:|---:|---|"]
    for kind, verdict in record["verdicts"].items():
        cells = [f"{verdict[side]['median']:.0f} ({verdict[side]['p90']:.0f}) ms"
                 for side in SIDES]
        size = record.get("sizes", {}).get(kind, {}).get("over_base_mb")
        cpu = verdict.get("cpu_over_bare_ms")
        rows.append(f"| {LABELS.get(kind, kind)} | {cells[0]} | {cells[1]} | "
                    f"{verdict['over_bare_ms']:+.1f} ms | {verdict['ratio']:.2f}x | "
                    f"{'' if cpu is None else f'{cpu:+.1f} ms'} | "
                    f"{'' if size is None else f'{size} MB'} | {verdict['goal']}: "
                    f"{'met' if verdict['met'] else 'NOT met'} |")
    return "\n".join(rows)


def document(data: Path) -> str:
    """The docs' block, from docs/data/cold_container.json."""
    path = data / "cold_container.json"
    record = json.loads(path.read_text()) if path.exists() else {}
    if "verdicts" not in record:
        return "Not measured yet: run `make bench-container`."
    return markdown(record)
