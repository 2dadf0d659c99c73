"""The generators of scripts/gendocs.py's tables: each returns the Markdown between one
page's markers, from the code (settings, errors) or from the recorded data under docs/data/."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Iterator
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

from core import errors
from core.config import Settings

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
BENCH_JSON = DOCS / "data" / "bench.json"
CALIBRATION_JSON = DOCS / "data" / "calibration.json"


def _default_text(spec: Any) -> str:
    if "default" in spec.metadata:
        return str(spec.metadata["default"])
    value = spec.default
    if value is MISSING or value is None:
        return "(none)"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, tuple):
        return f"`{','.join(str(v) for v in value)}`" if value else "empty"
    if value == "":
        return "empty"
    return f"`{value}`"


def settings_table() -> str:
    """One row per ``Settings`` field: variable, default, allowed values (the range the
    settings check enforces, from the same field metadata), meaning."""
    rows = ["| variable | default | allowed | meaning |", "|---|---|---|---|"]
    for spec in fields(Settings):
        doc = spec.metadata.get("doc")
        if not doc:
            raise SystemExit(f"Settings.{spec.name} has no 'doc' in its field metadata")
        values = spec.metadata.get("range")
        allowed = values.text if values is not None else spec.metadata.get("allowed", "")
        rows.append(f"| `{spec.metadata['env']}` | {_default_text(spec)} | {allowed} | {doc} |")
    return "\n".join(rows)


def _error_classes(base: type[errors.ServiceError]) -> Iterator[type[errors.ServiceError]]:
    yield base
    for sub in base.__subclasses__():
        yield from _error_classes(sub)


def errors_table() -> str:
    """One row per error class that is answered (base classes marked ``sent = False`` are
    never raised themselves): status, code, docstring (its first line)."""
    rows = ["| status | code | when |", "|---:|---|---|"]
    classes = sorted((c for c in set(_error_classes(errors.ServiceError)) - {errors.ServiceError}
                      if c.__dict__.get("sent", True)), key=lambda c: (c.status, c.code))
    for cls in classes:
        doc = (cls.__doc__ or "").strip().splitlines()[0]
        rows.append(f"| {cls.status} | `{cls.code}` | {doc} |")
    return "\n".join(rows)


def bench_tables() -> str:
    """The tables of the last ``make bench`` (docs/data/bench.json)."""
    from benchmarks import report

    if not BENCH_JSON.exists():
        return "No benchmark has been recorded yet: run `make bench`."
    return report.markdown(json.loads(BENCH_JSON.read_text(encoding="utf-8"))).strip()


def cold_table() -> str:
    """The cold starts of the last ``make bench-cold`` (docs/data/cold_zip.json)."""
    from benchmarks import cold_chart

    path = DOCS / "data" / "cold_zip.json"
    record = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    if "verdicts" not in record:
        return "No cold start has been recorded yet: run `make bench-cold`."
    return cold_chart.markdown(record)


def cost_table() -> str:
    """The worst case per hour under each cloud's defaults (benchmarks/cost.py)."""
    from benchmarks import cost

    if not BENCH_JSON.exists():
        return "No benchmark has been recorded yet: run `make bench`."
    return cost.markdown(json.loads(BENCH_JSON.read_text(encoding="utf-8")))


def batch(part: str) -> Callable[[], str]:
    """``benchmarks.batch_report``'s ``part`` ("results" or "estimates") of docs/data/batch.json."""
    def block() -> str:
        from benchmarks import batch_report

        return batch_report.block(part, DOCS / "data")
    return block


def batch_figure() -> str | None:
    """The SVG figure of the batch throughput (None: no data, no file)."""
    from benchmarks import batch_report

    return batch_report.figure(DOCS / "data")


def recorded(name: str) -> Callable[[], str]:
    """The block ``benchmarks.<name>.document`` renders from docs/data/."""
    def block() -> str:
        return str(importlib.import_module(f"benchmarks.{name}").document(DOCS / "data")).strip()
    return block


def compared(attribute: str, names: tuple[str, str]) -> Callable[[], str]:
    """The shipped model's calibration beside an experiment's (the data file that
    ``models.build.calibration_docs.<attribute>`` names), the columns headed ``names``."""
    def block() -> str:
        from models.build import calibration_docs

        other = getattr(calibration_docs, attribute)
        return calibration_docs.side_by_side(
            json.loads(CALIBRATION_JSON.read_text(encoding="utf-8")),
            json.loads(other.read_text(encoding="utf-8")), names)
    return block


# The card's two comparisons: label smoothing 0.05, and T fitted by 5-fold cross-validation.
SMOOTHING_NAMES = ("label smoothing 0.1 (shipped)", "label smoothing 0.05")
CROSSVAL_NAMES = ("one held-out 15% (shipped)", "5-fold cross-validation")


def model_table(name: str) -> Callable[[], str]:
    """The table ``models.build.<name>.table`` renders from that module's own data file
    (``DATA``): the richer maps beside the temperature, the photos the model never saw."""
    def block() -> str:
        module = importlib.import_module(f"models.build.{name}")
        return str(module.table(json.loads(module.DATA.read_text(encoding="utf-8"))))
    return block


def calibration_table() -> str:
    """The default model's calibration before and after its temperature."""
    from models.build import calibration_docs

    return calibration_docs.table(json.loads(CALIBRATION_JSON.read_text(encoding="utf-8")))
