"""Assemble a deployable bundle: ``python scripts/bundle.py gcp|azure [--out DIR] [--model M]``.

A bundle is the adapter's entry files at the root, ``core/`` (sources only), the default model
under ``models/clothing/`` and the adapter's requirements.txt: nothing else. ``--model PATH``
ships that model instead, and its requirements.txt carries the runtime it needs
(``scripts/model_set.py``: onnxruntime instead of ai-edge-litert for an ONNX model).
``--events`` adds the storage SDK the event function reads objects and writes results with
(``google-cloud-storage``; ``azure-storage-blob`` and ``azure-identity``): an HTTP-only bundle
goes without it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import model_set  # scripts/ is not a package: its folder is put on sys.path above

ROOT = Path(__file__).resolve().parent.parent
MODEL_FILES = model_set.DEFAULT_FILES
SKIP = ("__pycache__", "*.pyc", "*.pyo", ".*")
EVENT_EXTRAS = {"gcp": "gcs", "azure": "azure-blob"}  # pyproject extras: the event store's SDK
TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gcp": ("gcp_function", ("main.py", "requirements.txt")),
    "azure": ("azure_function", ("function_app.py", "host.json", ".funcignore",
                                 "requirements.txt")),
}


def expected_files(target: str, model: Path | None = None) -> list[str]:
    """Every path (relative, '/'-separated, sorted) a bundle of ``target`` holds."""
    _, entry = TARGETS[target]
    core = [f"core/{p}" for p in core_files()]
    shipped = model_set.bundle_paths(model)
    pointer = [] if model_set.is_default(model) else [model_set.POINTER]
    return sorted([*entry, *core, *shipped, *pointer])


def core_files() -> list[str]:
    """core/'s shipped files (sources and any data, e.g. static/), relative to core/."""
    base = ROOT / "core"
    found = []
    for path in base.rglob("*"):
        parts = path.relative_to(base).parts
        skipped = any(part == "__pycache__" or part.startswith(".") for part in parts)
        if path.is_file() and not skipped and path.suffix not in (".pyc", ".pyo"):
            found.append("/".join(parts))
    return sorted(found)


def build(target: str, out: Path, model: Path | None = None, runtimes: str = "auto",
          model_uri: str = "", events: bool = False) -> Path:
    """Write the bundle of ``target`` to ``out`` (replacing it) and return ``out``; with
    ``events``, its requirements carry the event function's storage SDK."""
    source, entry = TARGETS[target]
    model_set.model_files(model)  # a missing model or sidecar stops here, before ``out`` goes
    model_set.store_requirements(model_uri)  # and so does a MODEL_URI of no known form
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in entry:
        shutil.copy2(ROOT / source / name, out / name)
    lines = (ROOT / source / "requirements.txt").read_text().splitlines()
    wanted = model_set.requirements(lines, model, runtimes, model_uri)
    if events:
        wanted += [r for r in model_set.extra_requirements(EVENT_EXTRAS[target])
                   if r not in wanted]
    if wanted != lines:
        (out / "requirements.txt").write_text("\n".join(wanted) + "\n")
    shutil.copytree(ROOT / "core", out / "core", ignore=shutil.ignore_patterns(*SKIP))
    model_set.ship(model, out)
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=sorted(TARGETS))
    parser.add_argument("--out", type=Path, help="default: build/<adapter directory>")
    parser.add_argument("--model", type=Path, help="model to ship (default: the embedded one)")
    parser.add_argument("--runtimes", choices=("auto", "both"), default="auto",
                        help="both: ship ai-edge-litert and onnxruntime (default: the model's)")
    parser.add_argument("--model-uri", default="", help="MODEL_URI: ship its store's SDK")
    parser.add_argument("--events", action="store_true",
                        help="ship the storage SDK the event function needs")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "build" / TARGETS[args.target][0]
    try:
        build(args.target, out, args.model, args.runtimes, args.model_uri, args.events)
    except model_set.BundleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"{args.target} bundle: {out} ({files} files; {model_set.summary(args.model)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
