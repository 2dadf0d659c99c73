"""Tables the code holds, written into the docs between markers so they cannot drift.

``python scripts/gendocs.py`` rewrites them; ``--check`` exits 1 naming every page whose
committed table differs from what the code generates (``make docs`` and the tests run it).

* the settings table (docs/configuration.md) from ``core.config.Settings``' field metadata;
* the error table (docs/api.md) from the classes of ``core/errors.py``;
* the benchmark tables (docs/performance.md) from ``docs/data/bench.json``, the JSON that
  ``make bench`` writes, rendered by ``benchmarks.report.markdown``, and the cold-start table
  from ``docs/data/cold_zip.json`` (``benchmarks.cold_chart.markdown``);
* the worst-case cost per hour under the shipped defaults (docs/security.md), from
  ``benchmarks/cost.py``'s prices and the bench's measured ms per request;
* the cold-start tables from ``make bench-snapstart`` and ``make bench-platforms``
  (docs/data/cold_snapstart.json in docs/deploy-aws.md, docs/data/cold_platforms.json in
  docs/performance.md), rendered by their benchmarks' ``document``;
* the package map (docs/architecture.md): a mermaid diagram of which package imports which,
  read from the source's import statements;
* the default model's calibration figures (models/README.md, docs/models.md) from
  ``docs/data/calibration.json``, the JSON that ``python -m models.build.calibrate`` writes;
* the default model's answers for the sample photos quoted in README.md, getting-started and
  deploy-aws (``models.build.examples``), from the model itself;
* the batch throughput (docs/performance.md, its figure docs/batch-throughput.svg) and the
  images-per-hour and cost estimates (docs/batch.md) from ``docs/data/batch.json``, the JSON
  that ``make bench-batch`` writes, rendered by ``benchmarks.batch_report``.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import sys
from collections.abc import Callable, Iterator
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core import errors  # noqa: E402
from core.config import Settings  # noqa: E402

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


def calibration_table() -> str:
    """The default model's calibration before and after its temperature."""
    from models.build import calibration_docs

    return calibration_docs.table(json.loads(CALIBRATION_JSON.read_text(encoding="utf-8")))


# The boxes of the package map, top to bottom, with what each holds.
COMPONENTS: tuple[tuple[str, str], ...] = (
    ("aws_lambda", "Lambda events"), ("gcp_function", "Cloud Functions"),
    ("azure_function", "Azure Functions"), ("core.cli", "CLI"),
    ("core.batch", "local batch: sources, read-ahead, results file"),
    ("core.api", "routes, parsing, service, v2, page, WSGI, server"),
    ("core.jobs", "stored objects: S3, Cloud Storage, Azure Blob, files; results"),
    ("core.pipeline", "fetch, decode, resize, infer, timed"),
    ("core.fetch", "URL policy, pinning, fetcher"),
    ("core.images", "decode, limits, RGB, resize"),
    ("core.inference", "classifier, LiteRT, ONNX Runtime, manifest"),
    ("core.modelstore", "MODEL_URI: S3, Cloud Storage, Azure Blob, https"),
    ("core.telemetry", "log line, formats, metrics, traces"),
    ("core.messages", "Request, Response"), ("core.config", "Settings"),
    ("core.errors", "the error hierarchy"),
)


def _component(module: str) -> str | None:
    for name, _ in COMPONENTS:
        if module == name or module.startswith(name + "."):
            return name
    return None


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, wherever the import stands (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def package_edges() -> set[tuple[str, str]]:
    """(importer, imported) between the map's boxes, from the source's import statements."""
    edges: set[tuple[str, str]] = set()
    for top in sorted({name.split(".")[0] for name, _ in COMPONENTS}):
        for path in sorted((ROOT / top).rglob("*.py")):
            source = _component(_module_name(path))
            for module in imported_modules(path):
                target = _component(module)
                if source and target and target != source:
                    edges.add((source, target))
    return edges


def package_map() -> str:
    """The mermaid flowchart of the package map."""
    ids = {name: name.replace(".", "_") for name, _ in COMPONENTS}
    lines = ["```mermaid", "flowchart TD"]
    lines += [f"    {ids[name]}[\"{name}<br/><small>{what}</small>\"]"
              for name, what in COMPONENTS]
    lines += [f"    {ids[a]} --> {ids[b]}" for a, b in sorted(
        package_edges(), key=lambda e: ([n for n, _ in COMPONENTS].index(e[0]),
                                         [n for n, _ in COMPONENTS].index(e[1])))]
    return "\n".join([*lines, "```"])


# (page, marker name, generator)
TABLES: tuple[tuple[str, str, Callable[[], str]], ...] = (
    ("configuration.md", "settings", settings_table),
    ("api.md", "errors", errors_table),
    ("performance.md", "bench", bench_tables),
    ("performance.md", "cold", cold_table),
    ("architecture.md", "packages", package_map),
    ("security.md", "cost", cost_table),
    ("deploy-aws.md", "snapstart", recorded("cold_snapstart")),
    ("performance.md", "cold-platforms", recorded("cold_platforms")),
    ("../models/README.md", "calibration", calibration_table),
    ("models.md", "calibration", calibration_table),
    ("performance.md", "batch", batch("results")),
    ("batch.md", "batch-estimates", batch("estimates")),
)
# (file under docs/, generator): whole generated files, such as figures
FILES: tuple[tuple[str, Callable[[], str | None]], ...] = (
    ("batch-throughput.svg", batch_figure),
)


def replace(text: str, name: str, body: str) -> str:
    """``text`` with the block between ``<!-- gen:NAME:start/end -->`` set to ``body``."""
    start, end = f"<!-- gen:{name}:start -->", f"<!-- gen:{name}:end -->"
    head, sep, rest = text.partition(start)
    _, sep2, tail = rest.partition(end)
    if not sep or not sep2:
        raise SystemExit(f"markers {start} ... {end} not found")
    return f"{head}{start}\n{body}\n{end}{tail}"


def stale() -> list[str]:
    """Pages whose generated tables differ from what the code generates now."""
    from models.build import examples

    out = []
    for page, name, make in TABLES:
        text = (DOCS / page).read_text(encoding="utf-8")
        if replace(text, name, make()) != text:
            out.append(f"{(DOCS / page).resolve().relative_to(ROOT)} ({name})")
    for page in examples.PAGES:
        text = (ROOT / page).read_text(encoding="utf-8")
        if examples.rewrite(text) != text:
            out.append(f"{page} (quoted answers of the default model)")
    for name, make_file in FILES:
        body, path = make_file(), DOCS / name
        if body is not None and (not path.exists() or path.read_text(encoding="utf-8") != body):
            out.append(f"docs/{name}")
    return out


def write() -> None:
    """Rewrite every generated table."""
    from models.build import examples

    for page, name, make in TABLES:
        path = DOCS / page
        path.write_text(replace(path.read_text(encoding="utf-8"), name, make()),
                        encoding="utf-8")
    for page in examples.PAGES:
        path = ROOT / page
        path.write_text(examples.rewrite(path.read_text(encoding="utf-8")), encoding="utf-8")
    for name, make_file in FILES:
        body = make_file()
        if body is not None:
            (DOCS / name).write_text(body, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python scripts/gendocs.py", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when a table is stale")
    args = parser.parse_args(argv)
    if args.check:
        old = stale()
        for page in old:
            print(f"stale generated table: {page}; run python scripts/gendocs.py",
                  file=sys.stderr)
        return 1 if old else 0
    write()
    return 0


if __name__ == "__main__":
    sys.exit(main())
