"""The model a bundle ships, and the runtime package that model needs.

``--model PATH`` (``make bundle-aws MODEL=PATH``) ships that model with its manifest, labels and
external data files (an ONNX model's sidecars, as its graph names them) under
``models/<its folder>/`` and writes ``models/default.txt`` so the bundle serves it without
MODEL_PATH; a missing sidecar stops the build with one line (``BundleError``). A TFLite model
(``TFL3`` at bytes 4..8) needs ai-edge-litert; an ONNX model needs onnxruntime *instead*;
``--runtimes both`` ships the two. Without ``--model`` nothing changes: the default model and
ai-edge-litert, as before. ``python scripts/model_set.py stage MODEL DIR`` copies a model's set
for an image build (``docker/build.sh``).
"""

from __future__ import annotations

import json
import re
import shutil
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # the core's own reading of the graph decides the sidecars
    sys.path.insert(0, str(ROOT))
from core.errors import ConfigError  # noqa: E402 - after the checkout is on sys.path
from core.inference.external_data import sidecars, total_bytes  # noqa: E402

BundleError = ConfigError  # what a bundle script reports as one line
DEFAULT_MODEL = ROOT / "models" / "clothing" / "model.tflite"
DEFAULT_FILES = ("model.tflite", "model.json", "LICENSE-backbone", "NOTICE")
POINTER = "models/default.txt"  # read by core.config when a bundle ships another model
LITERT = "ai-edge-litert"
ONNXRUNTIME = "onnxruntime>=1.20"
# Parts of onnxruntime a CPU InferenceSession never loads: the C library for C/C++ callers
# (the Python binding links its own copy, 34 MB), the transformers optimiser, the model tools
# and the quantiser (convert/ uses those at build time). A bundle test runs a model without them.
ORT_PRUNE = ("onnxruntime/transformers", "onnxruntime/tools", "onnxruntime/quantization",
             "onnxruntime/datasets", "onnxruntime/capi/libonnxruntime.so.*")


def model_format(path: Path) -> str:
    """``tflite`` when the file carries the TFLite identifier, else ``onnx``."""
    with path.open("rb") as handle:
        return "tflite" if handle.read(8)[4:8] == b"TFL3" else "onnx"


def is_default(model: Path | None) -> bool:
    """True when no model or the committed default model is asked for."""
    return model is None or model.resolve() == DEFAULT_MODEL.resolve()


def requirements(lines: list[str], model: Path | None, runtimes: str = "auto",
                 model_uri: str = "") -> list[str]:
    """``lines`` (a requirements file) with the runtime the model needs, and the SDK of the
    object store ``model_uri`` names (none for plain https or no URI)."""
    fmt = "tflite" if model is None else model_format(model)
    store = store_requirements(model_uri)
    if runtimes == "both" or fmt == "tflite":
        return [*lines, ONNXRUNTIME, *store] if runtimes == "both" else [*lines, *store]
    return [ONNXRUNTIME if _name(line) == LITERT else line for line in lines] + store


def store_requirements(model_uri: str) -> list[str]:
    """pyproject.toml's extra for the store of ``model_uri`` (s3, gcs or azure-blob)."""
    if not model_uri:
        return []
    from core.modelstore.clouds import EXTRAS  # names only: no SDK is imported
    from core.modelstore.uri import parse_uri

    try:
        extra = EXTRAS.get(parse_uri(model_uri).store)
    except ConfigError as exc:
        raise BundleError(str(exc)) from exc
    return [] if extra is None else extra_requirements(extra)


def extra_requirements(extra: str) -> list[str]:
    """The requirements of pyproject.toml's optional extra ``extra``."""
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return list(tomllib.load(handle)["project"]["optional-dependencies"][extra])


def _name(line: str) -> str:
    return re.split(r"[\s<>=!~;\[]", line.split("#", 1)[0].strip(), maxsplit=1)[0].lower()


def model_files(model: Path | None) -> list[Path]:
    """The files to ship: the model, its sidecars, manifest and labels (or the default
    model's set); each lies in the model's folder or below it."""
    if is_default(model):
        return [DEFAULT_MODEL.parent / n for n in DEFAULT_FILES
                if (DEFAULT_MODEL.parent / n).exists()]
    assert model is not None
    if not model.is_file():
        raise BundleError(f"MODEL {model} does not exist")
    beside = [model.with_suffix(".json"), model.with_suffix(".labels.txt"),
              model.parent / "labels.txt"]
    shared = model.parent / "model.json"
    if shared.is_file() and json.loads(shared.read_text()).get("file") == model.name:
        beside.append(shared)
    data = [model.parent / name for name in sidecars(model)]
    return [model, *data, *dict.fromkeys(p for p in beside if p.is_file())]


def folder_name(model: Path | None) -> str:
    """The folder under ``models/`` a bundle ships the model in."""
    return "clothing" if is_default(model) else (model or DEFAULT_MODEL).parent.name


def bundle_paths(model: Path | None) -> list[str]:
    """Where ``model_files`` land in a bundle, in the same order."""
    base = (model or DEFAULT_MODEL).parent
    return [f"models/{folder_name(model)}/{path.relative_to(base).as_posix()}"
            for path in model_files(model)]


def summary(model: Path | None) -> str:
    """One line naming the shipped model, its sidecars and their size (for size reports)."""
    path = model or DEFAULT_MODEL
    found = () if is_default(model) else sidecars(path)
    extra = f" + {len(found)} external data file{'s' * (len(found) != 1)}" if found else ""
    return (f"model: {bundle_paths(model)[0]}{extra}, "
            f"{total_bytes(path, found) / 2**20:.1f} MiB")


def ship(model: Path | None, root: Path) -> list[str]:
    """Copy the model's files into the bundle at ``root``; return their bundle paths."""
    if is_default(model) and not DEFAULT_MODEL.exists():
        raise BundleError(f"{DEFAULT_MODEL} is missing: run `make model` first")
    shipped = bundle_paths(model)
    for path, name in zip(model_files(model), shipped, strict=True):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, root / name)
        # readable by the function's user: onnx writes external data files as 0600
        (root / name).chmod(0o644)
    if not is_default(model):
        (root / POINTER).write_text(shipped[0] + "\n", encoding="utf-8")
        shipped.append(POINTER)
    return shipped


def prune_onnxruntime(staging: Path) -> None:
    """Remove what ORT_PRUNE names (nothing when onnxruntime is not in the bundle)."""
    for pattern in ORT_PRUNE:
        for path in staging.glob(pattern):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()


def stage(model: Path, root: Path) -> tuple[str, str]:
    """The model's set copied to ``root/models/<folder>/`` (``root`` emptied first) for an image
    build; (that folder, the model's file name), the Dockerfile's MODEL_DIR and MODEL_FILE.
    The default model is not staged: the Dockerfile's defaults name it."""
    if is_default(model):
        return "models/clothing", DEFAULT_MODEL.name
    if root.exists():
        shutil.rmtree(root)
    first = ship(model, root)[0]
    folder, name = first.rsplit("/", 1)
    return (root / folder).as_posix(), name


def main(argv: list[str]) -> int:
    """``model_set.py stage MODEL DIR``: print MODEL_DIR and MODEL_FILE for docker/build.sh;
    ``model_set.py store URI``: print the requirements MODEL_URI's store adds to the image."""
    if not ((len(argv) == 3 and argv[0] == "stage") or (len(argv) == 2 and argv[0] == "store")):
        print("usage: model_set.py stage MODEL DIR | model_set.py store URI", file=sys.stderr)
        return 2
    try:
        if argv[0] == "store":
            print(" ".join(store_requirements(argv[1])))
            return 0
        folder, name = stage(Path(argv[1]), Path(argv[2]))
    except BundleError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(folder, name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
