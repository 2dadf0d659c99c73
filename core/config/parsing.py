"""From an environment variable's text to a setting's value; a bad value names the variable."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from core.config.choices import layout_name, parse_size
from core.errors import ConfigError
from core.paths import pure


def allow_entry(entry: str) -> bool:
    """A URL_ALLOWLIST entry: a CIDR/IP, a host name, or a ``.suffix`` of host names."""
    import ipaddress  # here: only a configured allowlist needs it

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


def _metrics(text: str) -> str:
    """METRICS: ``on``, ``off`` or ``prometheus``; the yes/no words read as ``on``/``off``."""
    try:
        return "on" if _bool(text) else "off"
    except ValueError:
        return text.lower()


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def _digests(text: str) -> tuple[str, ...]:
    return tuple(part.lower() for part in _csv(text))


def _ports(text: str) -> tuple[int, ...]:
    ports = tuple(int(p) for p in _csv(text))
    if not all(0 < p < 65536 for p in ports):
        raise ValueError(text)
    return ports


def _size(text: str) -> tuple[int, int]:
    """MODEL_INPUT_SIZE: ``224`` or ``WIDTHxHEIGHT`` as (height, width)."""
    from core.config.choices import parse_size

    return parse_size(text)


_PARSERS: dict[str, Callable[[str], Any]] = {
    "model_path": pure, "model_manifest": pure, "model_labels_file": pure,
    "model_labels": _csv, "url_allowlist": _csv, "api_key_open_routes": _csv,
    "api_keys_sha256": _digests, "allowed_ports": _ports,
    "jpeg_draft": _bool, "allow_private_urls": _bool,
    "model_softmax": _bool, "model_resize_shorter": int, "model_input_size": parse_size,
    "model_layout": layout_name,
    "model_threads": int, "max_body_bytes": int, "max_image_bytes": int,
    "max_image_pixels": int, "max_batch": int, "max_request_pixels": int,
    "fetch_max_redirects": int,
    "fetch_connect_timeout": float, "fetch_read_timeout": float, "fetch_deadline": float,
    "decode_memory_mb": int, "decode_cpu_seconds": float, "server_threads": int,
    "server_connections": int, "server_timeout": float, "server_head_timeout": float,
    "request_deadline_seconds": float,
    "lambda_deadline_margin_ms": int, "azure_deadline_seconds": float,
    "metrics": _metrics, "log_format": str.lower,
    "model_sha256": str.lower, "model_cache_dir": pure, "model_download_timeout": float,
}


# The fields holding a file or folder: text spelled as pathlib spells it (core.paths).
PATH_FIELDS = frozenset(name for name, parser in _PARSERS.items() if parser is pure)


def parse(var: str, raw: str, name: str) -> Any:
    parser = _PARSERS.get(name, str)
    try:
        return parser(raw)
    except ValueError as exc:
        raise ConfigError(f"{var} has a bad value {raw!r}") from exc
