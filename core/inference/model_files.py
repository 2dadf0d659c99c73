"""Find a model's manifest and labels, and apply the environment's overrides to them."""

from __future__ import annotations

import os
from typing import Any

from core.errors import ConfigError
from core.inference.manifest import Manifest, load_manifest
from core.paths import StrPath, join, name, parent, pure, suffix, with_suffix

_OVERRIDABLE = ("normalization", "resize", "output", "draft", "layout", "resize_shorter",
                "softmax")


def read_labels(path: StrPath) -> tuple[str, ...]:
    """One label a line; blank lines are skipped."""
    path = pure(path)
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read labels file {path}: {exc}") from exc
    return tuple(line.strip() for line in lines if line.strip())


def _find_manifest(model_path: str, explicit: str | None) -> str | None:
    if explicit is not None:
        if not os.path.isfile(explicit):
            raise ConfigError(f"MODEL_MANIFEST {explicit} does not exist")
        return explicit
    model_name = name(model_path)
    beside = with_suffix(model_path, ".json")
    if os.path.isfile(beside):
        named = load_manifest(beside).file
        if named != model_name:  # model.tflite and model.onnx both look for model.json
            raise ConfigError(
                f"manifest {beside} describes {named}, not {model_name}: serve {named}, "
                f"or give {model_name} its own manifest (set MODEL_MANIFEST, or convert "
                f"to another file name), or move {name(beside)} away to serve it without one")
        return beside
    shared = join(parent(model_path), "model.json")
    if os.path.isfile(shared) and load_manifest(shared).file == model_name:
        return shared
    return None


def _default_labels(model_path: str) -> tuple[str, ...]:
    for candidate in (with_suffix(model_path, ".labels.txt"),
                      join(parent(model_path), "labels.txt")):
        if os.path.isfile(candidate):
            return read_labels(candidate)
    return ()


def resolve_spec(model_path: StrPath, manifest_path: StrPath | None,
                 labels: tuple[str, ...] | list[str] | None,
                 overrides: dict[str, Any]) -> tuple[str, Manifest, str | None]:
    """The model file, its effective manifest (manifest, then labels, then overrides) and the
    manifest file read (None: the model has none)."""
    unknown = set(overrides) - {*_OVERRIDABLE, "labels_file", "input_size"}
    if unknown:
        raise ConfigError(f"unknown model option(s): {', '.join(sorted(unknown))}")
    model_path = pure(model_path)
    if not name(model_path):  # "." or "/": a folder, with no file name to look beside
        raise ConfigError(f"MODEL_PATH {model_path} does not exist")
    explicit = pure(manifest_path) if manifest_path is not None else None
    if suffix(model_path) == ".json":
        explicit = model_path
    manifest_file = _find_manifest(model_path, explicit)
    if manifest_file is not None:
        manifest = load_manifest(manifest_file)
        if suffix(model_path) == ".json":
            model_path = join(parent(manifest_file), manifest.file)
    else:
        manifest = Manifest(file=name(model_path), labels=_default_labels(model_path))
    if not os.path.isfile(model_path):
        raise ConfigError(f"MODEL_PATH {model_path} does not exist")
    labels_file = overrides.get("labels_file")
    if labels:
        manifest = manifest.with_overrides(labels=tuple(labels))
    elif labels_file is not None:
        manifest = manifest.with_overrides(labels=read_labels(labels_file))
    size = overrides.get("input_size")
    if size is not None:
        manifest = manifest.with_overrides(height=size[0], width=size[1])
    return (model_path, manifest.with_overrides(**{k: overrides.get(k) for k in _OVERRIDABLE}),
            manifest_file)
