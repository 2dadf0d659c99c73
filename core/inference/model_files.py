"""Find a model's manifest and labels, and apply the environment's overrides to them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.inference.manifest import Manifest, load_manifest

_OVERRIDABLE = ("normalization", "resize", "output", "draft", "layout", "resize_shorter",
                "softmax")


def read_labels(path: Path) -> tuple[str, ...]:
    """One label a line; blank lines are skipped."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read labels file {path}: {exc}") from exc
    return tuple(line.strip() for line in lines if line.strip())


def _find_manifest(model_path: Path, explicit: Path | None) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"MODEL_MANIFEST {explicit} does not exist")
        return explicit
    beside = model_path.with_suffix(".json")
    if beside.is_file():
        named = load_manifest(beside).file
        if named != model_path.name:  # model.tflite and model.onnx both look for model.json
            raise ConfigError(
                f"manifest {beside} describes {named}, not {model_path.name}: serve {named}, "
                f"or give {model_path.name} its own manifest (set MODEL_MANIFEST, or convert "
                f"to another file name), or move {beside.name} away to serve it without one")
        return beside
    shared = model_path.parent / "model.json"
    if shared.is_file() and load_manifest(shared).file == model_path.name:
        return shared
    return None


def _default_labels(model_path: Path) -> tuple[str, ...]:
    for candidate in (model_path.with_suffix(".labels.txt"), model_path.parent / "labels.txt"):
        if candidate.is_file():
            return read_labels(candidate)
    return ()


def resolve_spec(model_path: Path, manifest_path: str | Path | None,
                 labels: tuple[str, ...] | list[str] | None,
                 overrides: dict[str, Any]) -> tuple[Path, Manifest, Path | None]:
    """The model file, its effective manifest (manifest, then labels, then overrides) and the
    manifest file read (None: the model has none)."""
    unknown = set(overrides) - {*_OVERRIDABLE, "labels_file", "input_size"}
    if unknown:
        raise ConfigError(f"unknown model option(s): {', '.join(sorted(unknown))}")
    explicit = Path(manifest_path) if manifest_path is not None else None
    if model_path.suffix == ".json":
        explicit, model_path = model_path, model_path
    manifest_file = _find_manifest(model_path, explicit)
    if manifest_file is not None:
        manifest = load_manifest(manifest_file)
        if model_path.suffix == ".json":
            model_path = manifest_file.parent / manifest.file
    else:
        manifest = Manifest(file=model_path.name, labels=_default_labels(model_path))
    if not model_path.is_file():
        raise ConfigError(f"MODEL_PATH {model_path} does not exist")
    labels_file = overrides.get("labels_file")
    if labels:
        manifest = manifest.with_overrides(labels=tuple(labels))
    elif labels_file is not None:
        manifest = manifest.with_overrides(labels=read_labels(Path(labels_file)))
    size = overrides.get("input_size")
    if size is not None:
        manifest = manifest.with_overrides(height=size[0], width=size[1])
    return (model_path, manifest.with_overrides(**{k: overrides.get(k) for k in _OVERRIDABLE}),
            manifest_file)
