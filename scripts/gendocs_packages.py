"""The package map of docs/architecture.md: a mermaid diagram of which package imports which,
read from the source's import statements (scripts/gendocs.py writes it)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


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
