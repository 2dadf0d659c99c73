"""Tables the code holds, written into the docs between markers so they cannot drift.

``python scripts/gendocs.py`` rewrites them; ``--check`` exits 1 naming every page whose
committed table differs from what the code generates (``make docs`` and the tests run it).

* the settings table (docs/configuration.md) from ``core.config.Settings``' field metadata;
* the error table (docs/api.md) from the classes of ``core/errors.py``;
* the benchmark tables (docs/performance.md) from ``docs/data/bench.json``, the JSON that
  ``make bench`` writes, rendered by ``benchmarks.report.markdown``.
"""

from __future__ import annotations

import argparse
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
    """One row per ``Settings`` field: variable, default, meaning."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    for spec in fields(Settings):
        doc = spec.metadata.get("doc")
        if not doc:
            raise SystemExit(f"Settings.{spec.name} has no 'doc' in its field metadata")
        rows.append(f"| `{spec.metadata['env']}` | {_default_text(spec)} | {doc} |")
    return "\n".join(rows)


def _error_classes(base: type[errors.ServiceError]) -> Iterator[type[errors.ServiceError]]:
    yield base
    for sub in base.__subclasses__():
        yield from _error_classes(sub)


def errors_table() -> str:
    """One row per error class: status, code, docstring (its first line)."""
    rows = ["| status | code | when |", "|---:|---|---|"]
    classes = sorted(set(_error_classes(errors.ServiceError)) - {errors.ServiceError},
                     key=lambda c: (c.status, c.code))
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


# (page, marker name, generator)
TABLES: tuple[tuple[str, str, Callable[[], str]], ...] = (
    ("configuration.md", "settings", settings_table),
    ("api.md", "errors", errors_table),
    ("performance.md", "bench", bench_tables),
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
    out = []
    for page, name, make in TABLES:
        text = (DOCS / page).read_text(encoding="utf-8")
        if replace(text, name, make()) != text:
            out.append(f"docs/{page} ({name})")
    return out


def write() -> None:
    """Rewrite every generated table."""
    for page, name, make in TABLES:
        path = DOCS / page
        path.write_text(replace(path.read_text(encoding="utf-8"), name, make()),
                        encoding="utf-8")


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
