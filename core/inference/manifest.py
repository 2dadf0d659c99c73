"""The model manifest: what the core must know about a model that the model file does not say.

A manifest is a JSON file next to the model (``model.json``)::

    {"format": 1, "name": "...", "version": "...", "file": "model.tflite", "sha256": "...",
     "labels": [...], "input": {"height": 224, "width": 224, "color": "RGB", "layout": "NHWC"},
     "preprocessing": {"resize": "bilinear", "normalization": "mobilenet", "draft": true},
     "output": "probabilities"}

Optional: ``input.name`` and ``input.layout`` (``auto``, ``NHWC``, ``NCHW``),
``preprocessing.resize_shorter`` (resize the shorter side to S, then center-crop), and
``output`` as an object ``{"kind": "logits", "name": "...", "softmax": true}``.

``convert/`` writes this format and the core reads it; nothing about a model is hard-coded.
"""

from __future__ import annotations

import json
from dataclasses import asdict, field, replace
from typing import Any

from core.config.choices import LAYOUTS, NORMALIZATIONS, OUTPUT_KINDS, RESAMPLE_NAMES, layout_name
from core.errors import ConfigError
from core.paths import StrPath, pure
from core.record import Record, frozen_record

FORMAT = 1


@frozen_record(init=False, repr=False, eq=False)  # those four from Record
class Manifest(Record):
    """Everything about one model that serving needs besides the weights."""

    file: str
    labels: tuple[str, ...] = ()
    name: str = "model"
    version: str = "0"
    sha256: str = ""
    height: int = 0
    width: int = 0
    color: str = "RGB"
    resize: str = "bilinear"
    normalization: str = "auto"
    draft: bool = True
    output: str = "probabilities"
    extra: dict[str, Any] = field(default_factory=dict)
    layout: str = "auto"
    input_name: str = ""
    output_name: str = ""
    resize_shorter: int = 0
    softmax: bool = False

    def __post_init__(self) -> None:
        _check_choice("preprocessing.resize", self.resize, RESAMPLE_NAMES)
        _check_choice("preprocessing.normalization", self.normalization, NORMALIZATIONS)
        _check_choice("output", self.output, OUTPUT_KINDS)
        _check_choice("input.color", self.color, ("RGB", "BGR"))
        _check_choice("input.layout", self.layout, LAYOUTS)
        if self.resize_shorter < 0:
            raise ConfigError(f"preprocessing.resize_shorter must be 0 or more, "
                              f"got {self.resize_shorter}")

    def to_json(self) -> dict[str, Any]:
        """The manifest as the JSON document written beside a model."""
        data: dict[str, Any] = {
            "format": FORMAT,
            "name": self.name,
            "version": self.version,
            "file": self.file,
            "sha256": self.sha256,
            "labels": list(self.labels),
            "input": {"height": self.height, "width": self.width, "color": self.color,
                      "layout": self.layout, **({"name": self.input_name} if self.input_name
                                               else {})},
            "preprocessing": {"resize": self.resize, "normalization": self.normalization,
                              "draft": self.draft, **({"resize_shorter": self.resize_shorter}
                                                      if self.resize_shorter else {})},
            "output": self._output_json(),
        }
        data.update(self.extra)
        return data

    def _output_json(self) -> str | dict[str, Any]:
        if not self.output_name and not self.softmax:
            return self.output
        return {"kind": self.output, "name": self.output_name, "softmax": self.softmax}

    def with_overrides(self, **changes: Any) -> Manifest:
        """A copy with the given fields replaced (``None`` values are ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})

    def summary(self) -> dict[str, Any]:
        """A plain dict of the fields (for logs and tests)."""
        return asdict(self)


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"manifest {name} must be one of {', '.join(choices)}, got {value!r}")


def sha256_of(path: StrPath) -> str:
    """The hex sha256 of a file, read in chunks."""
    import hashlib  # here: OpenSSL loads on the hashing thread, not on the cold path

    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def load_manifest(path: StrPath) -> Manifest:
    """Read and validate a manifest file; a bad file raises ConfigError naming it."""
    path = pure(path)
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.loads(handle.read())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read model manifest {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"model manifest {path} must hold a JSON object")
    return manifest_from_json(data, source=str(path))


def manifest_from_json(data: dict[str, Any], source: str = "manifest") -> Manifest:
    """Build a Manifest from its JSON form, with a clear error for a wrong field."""
    known = {"format", "name", "version", "file", "sha256", "labels", "input",
             "preprocessing", "output"}
    inp = data.get("input", {})
    pre = data.get("preprocessing", {})
    labels = data.get("labels", [])
    if not isinstance(inp, dict) or not isinstance(pre, dict):
        raise ConfigError(f"{source}: 'input' and 'preprocessing' must be objects")
    if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
        raise ConfigError(f"{source}: 'labels' must be a list of strings")
    if data.get("format", FORMAT) != FORMAT:
        raise ConfigError(f"{source}: unsupported manifest format {data.get('format')!r}")
    out = data.get("output", "probabilities")
    out = out if isinstance(out, dict) else {"kind": out}
    try:
        return Manifest(
            file=_model_file(data.get("file", "model.tflite"), source),
            labels=tuple(labels),
            name=str(data.get("name", "model")),
            version=str(data.get("version", "0")),
            sha256=str(data.get("sha256", "")),
            height=int(inp.get("height", 0)),
            width=int(inp.get("width", 0)),
            color=str(inp.get("color", "RGB")),
            resize=str(pre.get("resize", "bilinear")),
            normalization=str(pre.get("normalization", "auto")),
            draft=_flag(pre.get("draft", True), f"{source}: preprocessing.draft"),
            output=str(out.get("kind", "probabilities")),
            extra={k: v for k, v in data.items() if k not in known},
            layout=layout_name(str(inp.get("layout", "auto"))),
            input_name=str(inp.get("name", "")),
            output_name=str(out.get("name", "")),
            resize_shorter=int(pre.get("resize_shorter", 0)),
            softmax=_flag(out.get("softmax", False), f"{source}: output.softmax"),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{source}: {exc}") from exc


def _model_file(value: Any, source: str) -> str:
    """``file``: a relative path inside the manifest's folder (no drive, root or ``..``), so a
    manifest cannot point the service at a file its bundle does not hold."""
    text = str(value)
    parts = text.replace("\\", "/").split("/")
    if not text or text.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts:
        raise ConfigError(f"{source}: 'file' must name a file in the manifest's folder, "
                          f"got {text[:100]!r}")
    return text


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"{name} must be true or false, got {value!r}")
    return value


def write_manifest(manifest: Manifest, path: StrPath) -> None:
    """Write a manifest as pretty JSON (the format ``load_manifest`` reads)."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(json.dumps(manifest.to_json(), indent=2) + "\n")
