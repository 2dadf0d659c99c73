"""The checks ``Settings.validate`` runs: every value that parses but makes no sense is refused
with one line naming its variable. (Typed ``Any``: ``core.config.settings`` imports this
module, not the other way round.)"""

from __future__ import annotations

import re
from dataclasses import fields
from typing import Any

from core.config.parsing import allow_entry
from core.errors import ConfigError

LOG_FORMATS = ("auto", "json", "lambda", "gcp", "azure")  # auto: the adapter's platform
RUNTIMES = ("auto", "litert", "tflite_runtime", "tensorflow", "onnxruntime")


def check_settings(settings: Any) -> None:
    """Raise ConfigError for the first bad value: numbers by their field's declared range."""
    for spec in fields(settings):
        values = spec.metadata.get("range")
        if values is not None:
            values.check(spec.metadata["env"], getattr(settings, spec.name))
    for entry in settings.url_allowlist:
        if not allow_entry(entry):
            raise ConfigError(f"URL_ALLOWLIST has a bad entry {entry!r}: use a host name, "
                              ".suffix or CIDR")
    _check_model_choices(settings)
    _check_model_uri(settings)
    _check_api_keys(settings)
    _check_results_uri(settings.results_uri)
    if settings.log_format not in LOG_FORMATS:
        raise ConfigError(f"LOG_FORMAT must be one of {', '.join(LOG_FORMATS)}, "
                          f"got {settings.log_format!r}")
    namespace = settings.metrics_namespace
    if not 0 < len(namespace) <= 255 or namespace.isspace():
        raise ConfigError(f"METRICS_NAMESPACE must be 1 to 255 characters, got {namespace!r}")


def _check_model_choices(settings: Any) -> None:
    """Every field with ``choices`` in its metadata (the words the docs list) holds one."""
    for spec in fields(settings):
        choices, value = spec.metadata.get("choices"), getattr(settings, spec.name)
        var = spec.metadata.get("env")
        if choices and value is not None and value not in choices:
            raise ConfigError(f"{var} must be one of {', '.join(choices)}, got {value!r}")
    if settings.model_layout not in (None, "auto", "NHWC", "NCHW"):
        raise ConfigError(
            f"MODEL_LAYOUT must be auto, NHWC or NCHW, got {settings.model_layout!r}")


# no model work; /metrics exists only with METRICS=prometheus
OPEN_ROUTES = ("/", "/health", "/v2/health/live", "/v2/health/ready", "/metrics")


def _check_api_keys(settings: Any) -> None:
    """API_KEYS_SHA256 holds digests only (a plain key there would be refused by its length);
    API_KEY_OPEN_ROUTES names only routes that answer without running the model."""
    for digest in settings.api_keys_sha256:
        if not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise ConfigError("API_KEYS_SHA256 must list sha256 digests (64 hex digits each), "
                              f"got an entry of {len(digest)} characters")
    for route in settings.api_key_open_routes:
        if route not in OPEN_ROUTES:
            raise ConfigError(f"API_KEY_OPEN_ROUTES may name {', '.join(OPEN_ROUTES)}, "
                              f"got {route[:100]!r}")


MODEL_URI_SCHEMES = ("s3://", "gs://", "https://")


def _check_model_uri(settings: Any) -> None:
    """MODEL_URI's scheme and MODEL_SHA256's form; a plain https URL needs the sha256."""
    uri, digest = settings.model_uri, settings.model_sha256
    if digest and not re.fullmatch(r"[0-9a-f]{64}", digest):
        raise ConfigError(f"MODEL_SHA256 must be 64 hex digits, got {digest!r}")
    if not uri:
        return
    if not uri.startswith(MODEL_URI_SCHEMES):
        raise ConfigError(f"MODEL_URI must start with s3://, gs:// or https://, "
                          f"got {uri.split('?')[0][:100]!r}")


# Compiled on first use by ``re``'s own cache, only when RESULTS_URI is set: compiling it
# takes about 1.5 ms, which every cold start without RESULTS_URI would pay at import.
_RESULTS = (r"(s3|gs)://[a-z0-9][a-z0-9._-]{1,254}(/.*)?"
            r"|https://[a-z0-9]+\.blob\.core\.windows\.net/[a-z0-9$][a-z0-9-]{1,62}(/.*)?"
            r"|(?![a-z][a-z0-9+.-]*://)[^\x00]+")


def _check_results_uri(uri: str) -> None:
    """RESULTS_URI: empty, an s3:// or gs:// bucket, an Azure container, or a local folder."""
    if uri and not re.fullmatch(_RESULTS, uri, re.IGNORECASE):
        raise ConfigError("RESULTS_URI must be s3://BUCKET/PREFIX/, gs://BUCKET/PREFIX/, "
                          "https://ACCOUNT.blob.core.windows.net/CONTAINER/PREFIX/ or a folder, "
                          f"got {uri[:100]!r}")
