#!/usr/bin/env python3
"""Build the Lambda zip: runtime wheels for one architecture, the core, the adapter, the model.

    python scripts/bundle_aws.py --arch x86_64 --python-version 3.12   # what `make bundle-aws` runs
    python scripts/bundle_aws.py --source local                        # this interpreter's packages

``--source pypi`` asks pip for manylinux wheels of the target (``--platform``, ``--only-binary``,
``--python-version``, ``--implementation cp``), so an x86 laptop builds an arm64 bundle too.
``--source local`` copies the running environment's installed runtime set instead: for this
machine's Python and architecture, offline (the tests use it to import and run the bundle).
``--model PATH`` ships that model instead of the embedded one, with the runtime it needs
(``scripts/model_set.py``: onnxruntime instead of ai-edge-litert for an ONNX model).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

# scripts/ is not a package: its folder is put on sys.path for the modules beside this one
sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle_local
import model_set
from bundle_bytecode import compile_bytecode
from bundle_bytecode import target_interpreter as target_interpreter
from bundle_local import requirement_names as requirement_names
from bundle_local import runtime_distributions as runtime_distributions

ROOT = Path(__file__).resolve().parent.parent
REQUIREMENTS = ROOT / "docker" / "requirements-lambda.txt"
# (source in the repository, destination in the bundle); the handler sits at the root.
APP = (("core", "core"), ("aws_lambda", "aws_lambda"),
       ("aws_lambda/lambda_function.py", "lambda_function.py"),
       ("models/clothing", "models/clothing"))
MACHINES = {"x86_64": "x86_64", "amd64": "x86_64", "arm64": "aarch64", "aarch64": "aarch64"}
# pip does not widen --platform to older glibc tags, so every accepted tag is listed; the
# Lambda python3.12+ runtimes run Amazon Linux 2023 (glibc 2.34).
GLIBC_TAGS = ("manylinux_2_34", "manylinux_2_28", "manylinux_2_27", "manylinux2014")
LIMIT_BYTES = 250 * 1024 * 1024  # Lambda's limit on a function's unzipped deployment package
# Parts of ai-edge-litert a CPU interpreter never loads: the WebGPU accelerator (19 MB), the
# model tools, vendor SDK shims and the ahead-of-time compiler (about 32 MB unzipped in all).
PRUNE = ("ai_edge_litert/libLiteRtWebGpuAccelerator.so", "ai_edge_litert/tools",
         "ai_edge_litert/vendors", "ai_edge_litert/aot")


def pip_command(arch: str, python_version: str, target: Path,
                requirements: Path = REQUIREMENTS) -> list[str]:
    """The pip install of the runtime set as manylinux wheels for ``arch``."""
    machine = MACHINES[arch]
    platforms = [arg for tag in GLIBC_TAGS for arg in ("--platform", f"{tag}_{machine}")]
    # --no-compile: pip would byte-compile for the Python running it, not the target's;
    # compile_bytecode() decides instead.
    return [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q",
            "--no-compile", "--only-binary=:all:", "--implementation", "cp", "--python-version",
            python_version, *platforms, "--target", str(target), "-r", str(requirements)]


def copy_app(target: Path, model: Path | None = None) -> None:
    """The core, the adapter, the handler module and the model (the embedded one by default)."""
    for source, destination in APP:
        if destination.startswith("models/"):
            model_set.ship(model, target)
            continue
        path, out = ROOT / source, target / destination
        if path.is_dir():
            shutil.copytree(path, out, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, out)


def write_zip(source: Path, out: Path) -> None:
    """Zip ``source`` (sorted, permissions kept) into ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as bundle:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo.from_file(path, path.relative_to(source).as_posix())
                info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                with path.open("rb") as data, bundle.open(info, "w") as entry:
                    shutil.copyfileobj(data, entry, 1 << 20)
    partial.replace(out)


def prune(staging: Path) -> None:
    """Remove what the CPU interpreter never loads (see PRUNE)."""
    for relative in PRUNE:
        path = staging / relative
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


def size_line(out: Path, zipped: int, unzipped: int, bytecode: str | None) -> str:
    """What the build prints, and what README.md quotes (tests/aws_lambda/test_sizes.py)."""
    code = f"bytecode for Python {bytecode}" if bytecode else "no bytecode"
    return (f"{out}: {zipped / 2**20:.1f} MiB zipped, {unzipped / 2**20:.1f} MiB unzipped, "
            f"{code} (limit {LIMIT_BYTES / 2**20:.0f} MiB)")


def record(path: Path, key: str, line: str) -> None:
    """Keep the printed line under ``key`` in ``path`` (docs/bundle-aws-sizes.json)."""
    data = json.loads(path.read_text()) if path.is_file() else {}
    data[key] = line.split(": ", 1)[1]
    path.write_text(json.dumps(dict(sorted(data.items())), indent=2) + "\n")


def unzipped_size(bundle: Path) -> int:
    """Bytes the bundle takes once unzipped (what Lambda's 250 MB limit counts)."""
    with zipfile.ZipFile(bundle) as archive:
        return sum(info.file_size for info in archive.infolist())


def requirements_for(model: Path | None, runtimes: str, work: Path, model_uri: str = "") -> Path:
    """The requirements file for ``model``'s runtime and ``model_uri``'s store (REQUIREMENTS
    itself for the default)."""
    lines = REQUIREMENTS.read_text().splitlines()
    wanted = model_set.requirements(lines, model, runtimes, model_uri)
    if wanted == lines:
        return REQUIREMENTS
    path = work / "requirements.txt"
    path.write_text("\n".join(wanted) + "\n")
    return path


def build(out: Path, source: str, arch: str, python_version: str,
          bytecode_python: str | None = None, model: Path | None = None,
          runtimes: str = "auto", model_uri: str = "") -> tuple[int, str | None]:
    """Build the zip; return its unzipped size in bytes and the bytecode's Python version."""
    with tempfile.TemporaryDirectory(prefix="aws-bundle-") as tmp, \
            tempfile.TemporaryDirectory(prefix="aws-req-") as req:
        staging = Path(tmp)
        requirements = requirements_for(model, runtimes, Path(req), model_uri)
        if source == "local":
            bundle_local.copy_installed(staging, requirements)
        else:
            subprocess.run(pip_command(arch, python_version, staging, requirements), check=True)
        shutil.rmtree(staging / "bin", ignore_errors=True)
        prune(staging)
        model_set.prune_onnxruntime(staging)
        copy_app(staging, model)
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        version = running if source == "local" else python_version
        compiled = compile_bytecode(staging, version, bytecode_python)
        write_zip(staging, out)
    return unzipped_size(out), version if compiled else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default="x86_64", choices=sorted(MACHINES))
    parser.add_argument("--python-version", default="3.12")
    parser.add_argument("--source", default="pypi", choices=("pypi", "local"))
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "aws_lambda.zip")
    parser.add_argument("--print-pip", action="store_true", help="print the pip command only")
    parser.add_argument("--bytecode-python", help="a Python of --python-version to compile with")
    parser.add_argument("--record", type=Path, help="keep the printed sizes in this JSON file")
    parser.add_argument("--model", type=Path, help="model to ship (default: the embedded one)")
    parser.add_argument("--runtimes", choices=("auto", "both"), default="auto",
                        help="both: ship ai-edge-litert and onnxruntime (default: the model's)")
    parser.add_argument("--model-uri", default="", help="MODEL_URI: ship its store's SDK")
    args = parser.parse_args(argv)
    if args.print_pip:
        print(" ".join(pip_command(args.arch, args.python_version, Path("TARGET"))))
        return 0
    try:
        model_set.model_files(args.model)  # a missing model or sidecar: one line, before pip
        model_set.store_requirements(args.model_uri)  # and a MODEL_URI of no known form
    except model_set.BundleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    size, bytecode = build(args.out, args.source, args.arch, args.python_version,
                           args.bytecode_python, args.model, args.runtimes, args.model_uri)
    line = size_line(args.out, args.out.stat().st_size, size, bytecode)
    print(line)
    print(model_set.summary(args.model))
    default = args.model is None and args.runtimes == "auto" and not args.model_uri
    if args.record and args.source == "pypi" and default:
        key = f"{args.arch} python{args.python_version}{'' if bytecode else ' sources only'}"
        record(args.record, key, line)
    return 0 if size < LIMIT_BYTES else 1


if __name__ == "__main__":
    sys.exit(main())
