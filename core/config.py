"""Settings: one frozen object read from the environment in one place.

An explicit argument wins over the environment: ``Settings.from_env(model_threads=1)``.
A bad value raises ConfigError naming the variable and the value.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from core.errors import ConfigError
from core.manifest import layout_name

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = ROOT / "models" / "clothing" / "model.tflite"
_BUNDLED = ROOT / "models" / "default.txt"  # a bundle built with MODEL=... names its model here
if _BUNDLED.is_file():
    DEFAULT_MODEL = ROOT / _BUNDLED.read_text(encoding="utf-8").strip()
DEFAULT_MAX_PIXELS = 25_000_000  # a 24 MP camera photo fits; ~100 MB as RGBA at most


def available_cpus() -> int:
    """CPUs this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True)
class Settings:
    """Every tunable of the service. Field metadata names the environment variable."""

    model_path: Path = field(default=DEFAULT_MODEL, metadata={"env": "MODEL_PATH"})
    model_manifest: Path | None = field(default=None, metadata={"env": "MODEL_MANIFEST"})
    model_labels: tuple[str, ...] = field(default=(), metadata={"env": "MODEL_LABELS"})
    model_labels_file: Path | None = field(default=None, metadata={"env": "MODEL_LABELS_FILE"})
    model_normalization: str | None = field(
        default=None, metadata={"env": "MODEL_NORMALIZATION"})
    model_resize: str | None = field(default=None, metadata={"env": "MODEL_RESIZE"})
    model_output: str | None = field(default=None, metadata={"env": "MODEL_OUTPUT"})
    jpeg_draft: bool | None = field(default=None, metadata={"env": "JPEG_DRAFT"})
    model_threads: int = field(default_factory=available_cpus, metadata={"env": "MODEL_THREADS"})
    model_runtime: str = field(default="auto", metadata={"env": "MODEL_RUNTIME"})
    model_layout: str | None = field(default=None, metadata={"env": "MODEL_LAYOUT"})
    model_input_size: tuple[int, int] | None = field(
        default=None, metadata={"env": "MODEL_INPUT_SIZE"})  # (height, width)
    model_resize_shorter: int | None = field(
        default=None, metadata={"env": "MODEL_RESIZE_SHORTER"})
    model_softmax: bool | None = field(default=None, metadata={"env": "MODEL_SOFTMAX"})
    max_body_bytes: int = field(default=6 * 1024 * 1024, metadata={"env": "MAX_BODY_BYTES"})
    max_image_bytes: int = field(default=10 * 1024 * 1024, metadata={"env": "MAX_IMAGE_BYTES"})
    max_image_pixels: int = field(default=DEFAULT_MAX_PIXELS, metadata={"env": "MAX_IMAGE_PIXELS"})
    max_batch: int = field(default=16, metadata={"env": "MAX_BATCH_URLS"})
    fetch_connect_timeout: float = field(default=3.0, metadata={"env": "FETCH_CONNECT_TIMEOUT"})
    fetch_read_timeout: float = field(default=5.0, metadata={"env": "FETCH_READ_TIMEOUT"})
    fetch_deadline: float = field(default=10.0, metadata={"env": "FETCH_DEADLINE"})
    fetch_max_redirects: int = field(default=3, metadata={"env": "FETCH_MAX_REDIRECTS"})
    fetch_user_agent: str = field(
        default="serverless-classifier/0.1 (+image fetch)", metadata={"env": "FETCH_USER_AGENT"})
    allow_private_urls: bool = field(default=False, metadata={"env": "ALLOW_PRIVATE_URLS"})
    allowed_ports: tuple[int, ...] = field(default=(80, 443), metadata={"env": "ALLOWED_PORTS"})
    url_allowlist: tuple[str, ...] = field(default=(), metadata={"env": "URL_ALLOWLIST"})
    cors_allow_origin: str = field(default="", metadata={"env": "CORS_ALLOW_ORIGIN"})
    log_level: str = field(default="INFO", metadata={"env": "LOG_LEVEL"})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read every field's variable from ``env`` (default os.environ); overrides win."""
        source = os.environ if env is None else env
        values: dict[str, Any] = {}
        for spec in fields(cls):
            if spec.name in overrides:
                continue
            var = spec.metadata["env"]
            raw = source.get(var)
            if raw is not None and raw.strip() != "":
                values[spec.name] = _parse(var, raw.strip(), spec.name)
        unknown = set(overrides) - {spec.name for spec in fields(cls)}
        if unknown:
            raise ConfigError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        values.update(overrides)
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Reject values that parse but make no sense, naming the variable."""
        positive = ("model_threads", "max_body_bytes", "max_image_bytes", "max_image_pixels",
                    "max_batch", "fetch_connect_timeout", "fetch_read_timeout", "fetch_deadline")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ConfigError(f"{env_name(name)} must be positive, got {getattr(self, name)!r}")
        if self.fetch_max_redirects < 0:
            raise ConfigError(
                f"FETCH_MAX_REDIRECTS must be 0 or more, got {self.fetch_max_redirects!r}")
        for entry in self.url_allowlist:
            if not _allow_entry(entry):
                raise ConfigError(f"URL_ALLOWLIST has a bad entry {entry!r}: use a host name, "
                                  ".suffix or CIDR")
        if self.model_runtime not in ("auto", "litert", "tflite_runtime", "tensorflow",
                                      "onnxruntime"):
            raise ConfigError(
                "MODEL_RUNTIME must be one of auto, litert, tflite_runtime, tensorflow, "
                f"onnxruntime, got {self.model_runtime!r}")
        if self.model_layout not in (None, "auto", "NHWC", "NCHW"):
            raise ConfigError(f"MODEL_LAYOUT must be auto, NHWC or NCHW, got {self.model_layout!r}")
        if self.model_resize_shorter is not None and self.model_resize_shorter < 0:
            raise ConfigError(
                f"MODEL_RESIZE_SHORTER must be 0 or more, got {self.model_resize_shorter!r}")


def env_name(name: str) -> str:
    """The environment variable behind a settings field."""
    for spec in fields(Settings):
        if spec.name == name:
            return str(spec.metadata["env"])
    raise KeyError(name)


def _allow_entry(entry: str) -> bool:
    """A URL_ALLOWLIST entry: a CIDR/IP, a host name, or a ``.suffix`` of host names."""
    try:
        ipaddress.ip_network(entry, strict=False)
        return True
    except ValueError:
        pass
    return re.fullmatch(r"\.?[a-z0-9_]([a-z0-9_.-]*[a-z0-9_])?", entry.lower()) is not None \
        and ".." not in entry and "/" not in entry


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(text)


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _ports(text: str) -> tuple[int, ...]:
    ports = tuple(int(p) for p in _csv(text))
    if not all(0 < p < 65536 for p in ports):
        raise ValueError(text)
    return ports


def _size(text: str) -> tuple[int, int]:
    """MODEL_INPUT_SIZE: ``224`` or ``WIDTHxHEIGHT`` as (height, width)."""
    from core.layout import parse_size

    return parse_size(text)


_PARSERS: dict[str, Callable[[str], Any]] = {
    "model_path": Path, "model_manifest": Path, "model_labels_file": Path,
    "model_labels": _csv, "url_allowlist": _csv, "allowed_ports": _ports,
    "jpeg_draft": _bool, "allow_private_urls": _bool,
    "model_softmax": _bool, "model_resize_shorter": int, "model_input_size": _size,
    "model_layout": layout_name,
    "model_threads": int, "max_body_bytes": int, "max_image_bytes": int,
    "max_image_pixels": int, "max_batch": int, "fetch_max_redirects": int,
    "fetch_connect_timeout": float, "fetch_read_timeout": float, "fetch_deadline": float,
}


def _parse(var: str, raw: str, name: str) -> Any:
    parser = _PARSERS.get(name, str)
    try:
        return parser(raw)
    except ValueError as exc:
        raise ConfigError(f"{var} has a bad value {raw!r}") from exc
