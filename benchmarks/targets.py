"""The issue's targets, each a ratio of two figures measured in the same run."""

from __future__ import annotations

from typing import Any

from benchmarks.cold import FLOOR, FLOOR_TLS, HTTPS
from benchmarks.latency import HTTP10

Row = dict[str, Any]


def _target(name: str, value: float | None, limit: float, higher_is_better: bool,
            unit: str = "x") -> Row:
    if value is None or value != value:  # missing or NaN
        return {"target": name, "value": None, "limit": limit, "status": "N/A", "unit": unit}
    ok = value >= limit if higher_is_better else value <= limit
    return {"target": name, "value": round(value, 3), "limit": limit, "unit": unit,
            "status": "PASS" if ok else "MISS",
            "by": None if ok else round(abs(value - limit), 3)}


def _median(block: dict[str, Any], *path: str) -> float | None:
    node: Any = block
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return float(node) if isinstance(node, (int, float)) else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def latency_targets(model: str, latency: dict[str, Any], info: bool = False) -> list[Row]:
    """Warm end-to-end vs bare invoke, and vs the lesson's reference.

    ``info``: report the ratios without judging them (the default model's invoke takes
    1-3 ms, so a 10 % budget is smaller than one local HTTP fetch); the overhead in ms is kept.
    """
    rows: list[Row] = []
    for dataset, limit in (("validation", 1.10), ("large", 1.5)):
        lat = latency.get(dataset, {}).get("latency_ms", {})
        invoke = _median(lat, "invoke", "median")
        label = "validation photos" if dataset == "validation" else "12-MP photos"
        for system in ("lambda", "server"):
            row = _overhead_row(f"{model}: {system} warm e2e / pure invoke, {label}",
                                _median(lat, system, "median"), invoke, limit)
            if info and row["status"] != "N/A":
                row.update(status="INFO", by=None)
            rows.append(row)
        if not info:
            rows += robust_rows(model, label, latency.get(dataset, {}))
        if "reference" in lat:
            rows.append(_target(f"{model}: reference e2e / lambda e2e, {label}",
                                _ratio(_median(lat, "reference", "median"),
                                       _median(lat, "lambda", "median")), 2.0, True))
    if not info:
        rows += http10_rows(model, latency.get(HTTP10, {}).get("latency_ms", {}))
    return rows


def http10_rows(model: str, lat: dict[str, Any]) -> list[Row]:
    """The validation photos from ``python -m http.server`` (HTTP/1.0, a new connection and a
    server thread per image): recorded beside the keep-alive figures, not judged (INFO)."""
    label = "validation photos, HTTP/1.0 host"
    rows = _info([_overhead_row(f"{model}: lambda warm e2e / pure invoke, {label}",
                                _median(lat, "lambda", "median"),
                                _median(lat, "invoke", "median"), 1.10),
                  _target(f"{model}: reference e2e / lambda e2e, {label}",
                          _ratio(_median(lat, "reference", "median"),
                                 _median(lat, "lambda", "median")), 2.0, True)])
    return [row for row in rows if row["status"] != "N/A"]


def _overhead_row(name: str, e2e: float | None, invoke: float | None, limit: float) -> Row:
    """e2e / invoke against ``limit``, with the difference in ms when both were measured."""
    row = _target(name, _ratio(e2e, invoke), limit, False)
    if e2e is not None and invoke is not None:
        row["overhead_ms"] = round(e2e - invoke, 2)
    return row


def _info(rows: list[Row]) -> list[Row]:
    """The rows reported but not judged: ``INFO (PASS)`` / ``INFO (MISS)``, no miss margin."""
    for row in rows:
        row["status"] = f"INFO ({row['status']})" if row["status"] != "N/A" else "N/A"
        row["by"] = None
    return rows


def robust_rows(model: str, label: str, block: dict[str, Any]) -> list[Row]:
    """Less noise-prone views of the same overhead (INFO): fastest vs fastest, and in-request.

    The in-request ratio is the whole request over its own inference step, from the server's
    Server-Timing split (``other`` = the rest of the request as the client saw it).
    """
    lat = block.get("latency_ms", {})
    rows = [_target(f"{model}: lambda fastest / invoke fastest, {label}",
                    _ratio(_median(lat, "lambda", "min"), _median(lat, "invoke", "min")),
                    1.10 if "validation" in label else 1.5, False)]
    split = block.get("split_ms", {}).get("server", {})
    inference = split.get("inference")
    if inference:
        rows.append(_target(f"{model}: in-request total / inference (Server-Timing), {label}",
                            sum(split.values()) / inference,
                            1.10 if "validation" in label else 1.5, False))
    return _info(rows)


def cold_targets(model: str, cold: dict[str, Any]) -> list[Row]:
    """Cold start over bare, vs TF; peak RSS over bare; the same from an https host (INFO)."""
    ours = _median(cold, "ours", "cold_ms", "median")
    rows = [_cold_row(f"{model}: cold start - bare (s)", ours, cold)]
    if "tf" in cold:
        rows.append(_target(f"{model}: TF cold start / ours",
                            _ratio(_median(cold, "tf", "cold_ms", "median"), ours), 8.0, True))
    bare_rss = _median(cold, "bare", "rss_mb", "median")
    rows.append(_target(f"{model}: peak RSS / bare",
                        _ratio(_median(cold, "ours", "rss_mb", "median"), bare_rss), 1.2, False))
    return rows + floor_rows(model, cold, bare_rss)


def _cold_row(name: str, cold_ms: float | None, cold: dict[str, Any]) -> Row:
    bare = _median(cold, "bare", "cold_ms", "median")
    return _target(name, (cold_ms - bare) / 1000 if cold_ms is not None and bare is not None
                   else None, 0.25, False, "s")


def floor_rows(model: str, cold: dict[str, Any], bare_rss: float | None) -> list[Row]:
    """INFO: ours with an https image host, and the memory floors (what decoding a photo with
    Pillow, and the TLS context of an https URL, cost before any HTTP, JSON or service code)."""
    rows = [_cold_row(f"{model}: cold start - bare, {HTTPS} (s)",
                      _median(cold, HTTPS, "cold_ms", "median"), cold)] if HTTPS in cold else []
    rows += [_target(f"{model}: peak RSS of {kind} / bare",
                     _ratio(_median(cold, kind, "rss_mb", "median"), bare_rss), 1.2, False)
             for kind in (HTTPS, FLOOR, FLOOR_TLS) if kind in cold]
    return _info(rows)


def size_targets(sizes: dict[str, Any]) -> list[Row]:
    """Bundle size vs TensorFlow's, and absolute."""
    ours = float(sizes["ours"]["mb"])
    tf = float(sizes["tensorflow"]["mb"])
    return [_target("bundle (model excluded) / TensorFlow installed", ours / tf, 1 / 7, False),
            _target("bundle (model excluded), MB", ours, 250.0, False, "MB")]


def all_targets(results: dict[str, Any]) -> list[Row]:
    """Every target row of a results document."""
    rows: list[Row] = []
    for model, block in results["models"].items():
        rows += latency_targets(model, block.get("latency", {}), info=model != "xception")
        if block.get("cold"):
            rows += cold_targets(model, block["cold"])
    rows += size_targets(results["sizes"])
    if results.get("logging"):
        rows += logging_targets(results["logging"])
    if results.get("oip"):
        rows += oip_targets(results["oip"])
    return rows


def logging_targets(block: dict[str, Any]) -> list[Row]:
    """The request's log line and metrics, CPU ms per request, worst platform shape;
    beside it (INFO, not judged) the line it replaced, measured alongside."""
    lines = dict(block.get("us_per_line", {}))
    previous = lines.pop("previous line (no platform shape, no metrics)", None)
    if not lines:
        return []
    worst = max(lines, key=lambda name: lines[name])
    rows = [_target(f"log line + metrics per request, worst shape ({worst}), ms",
                    lines[worst] / 1000, 0.1, False, "ms")]
    if previous is not None:
        rows.append({"target": "the plain log line without metrics, ms (for comparison)",
                     "value": round(previous / 1000, 3), "limit": 0.1, "unit": "ms",
                     "status": "INFO", "by": None})
    return rows


def oip_targets(block: dict[str, Any]) -> list[Row]:
    """A binary v2 infer over POST /predict on the same photos: the time outside the shared
    pipeline steps, in-process (judged: <= 0.2 ms); end to end and over HTTP (INFO)."""
    inside = block.get("in_process", {})
    wire = block.get("http", {})
    rows = [_target("v2 binary infer - POST /predict, outside the pipeline steps, in-process "
                    "(ms)", inside.get("extra_rest_ms"), 0.2, False, "ms")]
    return rows + _info([
        _target("v2 binary infer - POST /predict, end to end, in-process (ms)",
                inside.get("extra_e2e_ms"), 0.2, False, "ms"),
        _target("v2 binary infer - POST /predict, outside the pipeline steps, over HTTP (ms)",
                wire.get("extra_rest_ms"), 0.2, False, "ms"),
        _target("v2 binary infer - POST /predict, end to end, over HTTP (ms)",
                wire.get("extra_e2e_ms"), 0.2, False, "ms")])
