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
  ``docs/data/calibration.json``, the JSON that ``python -m models.build.calibrate`` writes,
  and the card's two comparisons with the figures the same step wrote for experiments
  (``calibration_smoothing005.json``, ``calibration_crossval.json``), and the richer maps
  than one temperature fitted beside it (``calibration_richer.json``, written by
  ``python -m models.build.calibration_richer``), and the shipped model on every labelled photo
  it never saw, validation and the dataset's test split (``calibration_unseen.json``, written
  by ``python -m models.build.calibration_unseen``);
* the default model's answers for the sample photos quoted in README.md, getting-started and
  deploy-aws (``models.build.examples``), from the model itself;
* the batch throughput (docs/performance.md, its figure docs/batch-throughput.svg) and the
  images-per-hour and cost estimates (docs/batch.md) from ``docs/data/batch.json``, the JSON
  that ``make bench-batch`` writes, rendered by ``benchmarks.batch_report``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HERE = Path(__file__).resolve().parent  # the generators live beside this file
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from gendocs_packages import COMPONENTS as COMPONENTS  # noqa: E402
from gendocs_packages import package_edges as package_edges  # noqa: E402
from gendocs_packages import package_map  # noqa: E402
from gendocs_tables import (  # noqa: E402
    CROSSVAL_NAMES,
    DOCS,
    SMOOTHING_NAMES,
    batch,
    batch_figure,
    bench_tables,
    calibration_table,
    cold_table,
    compared,
    cost_table,
    errors_table,
    model_table,
    recorded,
    settings_table,
)

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
    ("performance.md", "cold-container", recorded("cold_container")),
    ("../models/README.md", "calibration", calibration_table),
    ("models.md", "calibration", calibration_table),
    ("../models/README.md", "smoothing", compared("SMOOTHING_DATA", SMOOTHING_NAMES)),
    ("../models/README.md", "crossval", compared("CROSSVAL_DATA", CROSSVAL_NAMES)),
    ("../models/README.md", "richer", model_table("calibration_richer")),
    ("../models/README.md", "unseen", model_table("calibration_unseen")),
    ("models.md", "unseen", model_table("calibration_unseen")),
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
