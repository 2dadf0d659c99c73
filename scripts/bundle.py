"""Assemble a deployable bundle: ``python scripts/bundle.py gcp|azure [--out DIR]``.

A bundle is the adapter's entry files at the root, ``core/`` (sources only), the default model
under ``models/clothing/`` and the adapter's requirements.txt: nothing else.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL_FILES = ("model.tflite", "model.json", "LICENSE-backbone", "NOTICE")
SKIP = ("__pycache__", "*.pyc", "*.pyo", ".*")
TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "gcp": ("gcp_function", ("main.py", "requirements.txt")),
    "azure": ("azure_function", ("function_app.py", "host.json", ".funcignore",
                                 "requirements.txt")),
}


def expected_files(target: str) -> list[str]:
    """Every path (relative, '/'-separated, sorted) a bundle of ``target`` holds."""
    _, entry = TARGETS[target]
    core = [f"core/{p}" for p in core_files()]
    model = [f"models/clothing/{name}" for name in MODEL_FILES
             if (ROOT / "models" / "clothing" / name).exists()]
    return sorted([*entry, *core, *model])


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


def build(target: str, out: Path) -> Path:
    """Write the bundle of ``target`` to ``out`` (replacing it) and return ``out``."""
    source, entry = TARGETS[target]
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for name in entry:
        shutil.copy2(ROOT / source / name, out / name)
    shutil.copytree(ROOT / "core", out / "core", ignore=shutil.ignore_patterns(*SKIP))
    models = out / "models" / "clothing"
    models.mkdir(parents=True)
    for name in MODEL_FILES:
        path = ROOT / "models" / "clothing" / name
        if path.exists():
            shutil.copy2(path, models / name)
        elif name.startswith("model."):
            raise FileNotFoundError(f"{path} is missing: run `make model` first")
    return out


def main(argv: list[str] | None = None) -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=sorted(TARGETS))
    parser.add_argument("--out", type=Path, help="default: build/<adapter directory>")
    args = parser.parse_args(argv)
    out = args.out or ROOT / "build" / TARGETS[args.target][0]
    build(args.target, out)
    files = sum(1 for p in out.rglob("*") if p.is_file())
    print(f"{args.target} bundle: {out} ({files} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
