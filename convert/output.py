"""Write the converted model and its manifest (``core.inference.manifest`` format) beside it."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import Any

from convert.errors import ConversionError
from convert.load import SourceModel
from convert.options import Options
from core.inference.manifest import Manifest, sha256_of, write_manifest


def manifest_path(out: Path) -> Path:
    """``OUT.json`` (so ``model.tflite`` gets ``model.json``), where the core looks first."""
    return out.with_suffix(".json")


def conversion_info(options: Options, source: SourceModel) -> dict[str, Any]:
    """Provenance kept in the manifest under ``conversion``."""
    info = {
        "source": options.model.name,
        "source_format": source.kind,
        "quantize": options.quantize,
        "io": options.io,
        "tensorflow": _version("tensorflow"),
    }
    if options.out.suffix.lower() == ".onnx" or options.format == "onnx":
        info.update(format="onnx", layout=options.layout.upper(), tf2onnx=_version("tf2onnx"),
                    onnxruntime=_version("onnxruntime"))
    return info


def _version(distribution: str) -> str:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return "unknown"


def write_model(flatbuffer: bytes, options: Options, source: SourceModel, output_kind: str,
                info: dict[str, Any]) -> Path:
    """Write ``OUT`` and its manifest (with the model's sha256); return the manifest path."""
    out = options.out
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(flatbuffer)
    except OSError as exc:
        raise ConversionError(f"cannot write {out}: {exc.strerror or exc}") from exc
    name = options.name or (options.model.stem if out.stem == "model" else out.stem)
    manifest = Manifest(
        file=out.name, labels=options.labels, name=name, version=options.version,
        sha256=sha256_of(out), height=source.height, width=source.width,
        resize=options.resize, normalization=options.preprocessing, output=output_kind,
        extra={"conversion": info}, layout=str(info.get("layout", "NHWC")),
    )
    path = manifest_path(out)
    write_manifest(manifest, path)
    return path
